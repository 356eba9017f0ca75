"""Assets: dataset baselines the router is compared against."""
