"""The checks of `devloop doctor` that need no I/O, by subject: facts in, findings out."""
