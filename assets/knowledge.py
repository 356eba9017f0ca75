"""Assets: knowledge."""
