"""devloop's benchmarks: scripts that print figures (and write docs/benchmarks.md and .png); they
assert nothing. `python -m bench.run_all --help` lists the sections and options."""
