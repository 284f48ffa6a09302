"""Fixtures that run the real central API on loopback. Filled in by the central API work."""
