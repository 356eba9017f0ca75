"""Filtering: small vectorized steps that turn generated rows into a clean, target-shaped dataset.

`pipeline.filter_dataset` runs them in order; every dropped row is kept with its stage and reason.
"""

from routenator_dagster.filtering.pipeline import FilterConfig, FilterResult, filter_dataset

__all__ = ["FilterConfig", "FilterResult", "filter_dataset"]
