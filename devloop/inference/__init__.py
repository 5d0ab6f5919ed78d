"""Pure: what a container really runs and whether it reloads. Unwrapping wrappers, reading start
scripts (`shell/`), package scripts and reloader configs, reload scopes, where a container path
comes from on the host, and `file:line` citations.

Rule: no I/O (file contents come in as values); imports only `model` and the leaves."""
