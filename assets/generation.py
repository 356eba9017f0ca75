"""Assets: generation."""
