"""Partition definitions shared by the assets."""

from __future__ import annotations

import dagster as dg

from routenator_dagster.labels import CONTENT_TYPES, content_type_slug
from routenator_dagster.schema import ROUTES

CONTENT_TYPE_KEYS: list[str] = [content_type_slug(ct) for ct in CONTENT_TYPES]

# Generation is partitioned by route x content type, so a backfill of one content type touches
# that type's partitions on every route and nothing else.
GENERATION_PARTITIONS = dg.MultiPartitionsDefinition(
    {
        "route": dg.StaticPartitionsDefinition(list(ROUTES)),
        "content_type": dg.StaticPartitionsDefinition(CONTENT_TYPE_KEYS),
    }
)
