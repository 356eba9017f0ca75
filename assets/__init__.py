"""Dagster assets, checks, partitions, jobs, schedules and sensors: thin adapters over the core."""
