"""Pure verdicts (findings) on facts, shared by `devloop doctor` and `devloop up`: engine kind,
filesystems, data written where it will be lost, stale images, where a build broke.

Rule: no I/O; imports only `planning`, `inference`, `model` and the leaves."""
