"""Evaluation: metrics, significance tests, predictors and reports on golden sets."""
