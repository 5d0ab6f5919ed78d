"""Pure: whether an action's outcome is live, failed or still pending, from what a service printed
(ready lines, reload lines, tracebacks, stacks, compiler errors) and its containers' state, and
where a failure points on the host (`file:line`). The knowledge about each program's output is
kept in one place (`programs`).

Rule: no I/O (lines and states come in as values; a file test is passed in); imports only
`inference`, `model` and the leaves. Sits beside `checks`."""
