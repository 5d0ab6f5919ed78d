"""Pure values of the Compose world: the resolved project and its services, binds and builds,
Dockerfile stages, settings and ignore rules.

Rule: no I/O, and imports only the standard library, `devloop.errors` and parsing libraries."""
