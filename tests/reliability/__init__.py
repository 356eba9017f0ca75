"""Reliability tests: the pipeline under injected faults gives what it gives without them."""
