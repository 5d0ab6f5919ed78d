"""One module per CLI command: it loads what the command needs, runs it and hands the result to
`ui` (a command with many probes keeps them beside it: `doctor_probes.py`). `devloop.cli` keeps the
parser, `main()` and the exit codes.

Rule: the top layer; may import everything below it."""
