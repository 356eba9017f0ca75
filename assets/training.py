"""Assets: training."""
