"""The search: compiled node searches specialised per game, and the Python driver."""
