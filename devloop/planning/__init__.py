"""Pure: per service a strategy, then per changed path an action, each with its reason and
evidence: COPY maps, routing, dependency volumes, misplaced mounts.

Rule: no I/O; imports only `inference`, `model` and the leaves."""
