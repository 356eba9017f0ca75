"""Dagster resources: everything outside the process (Neo4j, vLLM, W&B, storage)."""
