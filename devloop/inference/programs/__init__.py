"""What devloop knows about one family of programs, one module each: a `HANDLERS` table (program
name -> Handler giving its ReloadVerdict from argv and environment) and the files the program reads
at start that change the verdict. reloaders.py merges the tables. Pure, like all of inference/."""
