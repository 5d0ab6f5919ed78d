"""Read a project from disk and compose into the model and its plan: the resolved compose
config, settings, Dockerfiles and scripts, image facts, file times.

Rule: imports `adapters` and the pure layers; nothing above."""
