"""A small, valid graph (every label, every relationship type) written to files for tests."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

NODES_CSV = """id,label,name,content_type,weight,props
intent:bday,UserIntent,Birthday party,,0.9,"{""aliases"": [""bday""]}"
design:flyer,DesignType,flyer,Template,0.8,{}
object:cake,SceneObject,cake,,0.7,{}
action:melt,Action,melting slowly,,0.5,{}
style:retro,Style,retro,,0.6,{}
color:red,Color,red,,0.4,"{""hex"": ""#ff0000""}"
audience:kids,Audience,kids,,0.3,{}
"""
RELS_CSV = """source,type,target,weight
intent:bday,USES_DESIGN,design:flyer,0.9
intent:bday,FEATURES,object:cake,0.8
object:cake,PERFORMS,action:melt,0.5
intent:bday,HAS_STYLE,style:retro,0.6
intent:bday,HAS_COLOR,color:red,0.4
intent:bday,FOR_AUDIENCE,audience:kids,1
style:retro,SUITS,design:flyer,0.7
"""


def write_graph(folder: Path, nodes: str = NODES_CSV, rels: str = RELS_CSV) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    n, r = folder / "nodes.csv", folder / "relationships.csv"
    n.write_text(nodes, encoding="utf-8")
    r.write_text(rels, encoding="utf-8")
    return n, r


def write_graph_as(folder: Path, nodes: pl.DataFrame, edges: pl.DataFrame, suffix: str) -> tuple[Path, Path]:
    """Write typed frames as .jsonl (props as JSON objects) or .parquet."""
    folder.mkdir(parents=True, exist_ok=True)
    n, r = folder / f"nodes{suffix}", folder / f"relationships{suffix}"
    if suffix == ".parquet":
        nodes.write_parquet(n)
        edges.write_parquet(r)
    else:
        with n.open("w", encoding="utf-8") as fh:
            for row in nodes.iter_rows(named=True):
                fh.write(json.dumps({**row, "props": json.loads(row["props"])}) + "\n")
        edges.write_ndjson(r)
    return n, r
