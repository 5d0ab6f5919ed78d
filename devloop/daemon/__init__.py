"""`devloop up`: a runner that holds its parts (executor, sync, startup, project reload, engine
health) as objects and wires them with anyio. Every step emits typed events; nothing here prints.

Rule: imports `load`, `adapters` and the pure layers; never `ui` or `commands`."""
