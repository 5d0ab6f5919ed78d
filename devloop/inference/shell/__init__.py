"""A small reader of the POSIX sh that start scripts use: `parse` (text -> commands with lines),
`expand` (variables and conditions), `run` (which command the script finally runs).

Rule: pure; imports nothing of devloop outside this folder."""
