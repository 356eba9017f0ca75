"""Assets: evaluation."""
