"""The only code that talks to the outside world: the compose CLI, the Docker Engine (SDK),
views into containers, the file watcher, AppleDouble cleaning, devloop's cache files, the host.

Rule: thin; no decisions beyond what the outside answered. Imports the pure layers below
(`checks`, `planning`, `inference`, `model`) and the leaves, never `load`, `daemon`, `ui` or
`commands`."""
