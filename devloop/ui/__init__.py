"""Everything devloop prints: plan, clean, doctor and up views on a terminal, plain lines, JSON.

Rule: turns values and events into text; acts on nothing. Imports the pure layers and the leaves,
never `adapters`, `load`, `daemon` or `commands`."""
