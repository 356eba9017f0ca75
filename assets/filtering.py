"""Assets: filtering."""
