"""`routenator load-graph`: load node/relationship files (default: the shipped seed) into Neo4j.

Idempotent (MERGE by id), in batches, with a progress bar. The password is read only from
$NEO4J_PASSWORD so it never appears in the process list or shell history.
"""

from __future__ import annotations

import argparse
import os
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--nodes", help="nodes file (.csv, .jsonl, .parquet); default: the shipped seed")
    parser.add_argument("--relationships", help="relationships file; default: the shipped seed")
    parser.add_argument("--uri", default=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"),
                        help="Bolt URI (default: $NEO4J_URI or bolt://127.0.0.1:7687)")
    parser.add_argument("--user", default=os.environ.get("NEO4J_USER", "neo4j"),
                        help="user (default: $NEO4J_USER or neo4j); '' for a server without auth")
    parser.add_argument("--database", default=os.environ.get("NEO4J_DATABASE") or None, help="database name")
    parser.add_argument("--batch-size", type=int, default=500, help="rows per write (default 500)")
    parser.add_argument("--timeout", type=float, default=5.0, help="connect timeout in seconds (default 5)")
    parser.add_argument("--read-timeout", type=float, default=30.0,
                        help="longest one write batch may go unanswered, in seconds (default 30)")
    parser.add_argument("--dialect", choices=("neo4j", "falkordb"), default="neo4j",
                        help="server dialect: 'falkordb' escapes quotes for FalkorDB's Bolt server")
    parser.add_argument("--schema", action="store_true",
                        help="also create Neo4j uniqueness constraints (Neo4j only)")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from routenator_dagster import graph_store
    from routenator_dagster.kg_files import SEED_NODES, SEED_RELATIONSHIPS, GraphFileError, read_graph_files

    if bool(args.nodes) != bool(args.relationships):
        print("error: give both --nodes and --relationships, or neither (for the shipped seed)", file=sys.stderr)
        return 2
    nodes_path = args.nodes or str(SEED_NODES)
    rels_path = args.relationships or str(SEED_RELATIONSHIPS)
    try:
        nodes, edges = read_graph_files(nodes_path, rels_path)  # validated before connecting
    except GraphFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"read {nodes.height} nodes and {edges.height} relationships from {nodes_path} + {rels_path}")
    timeouts = graph_store.Timeouts(connect_s=args.timeout, read_s=args.read_timeout)
    with tqdm(total=nodes.height + edges.height, unit="row", desc="loading") as bar:

        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

        def work(driver, beat):  # noqa: ANN001, ANN202 - the driver and beat of with_graph
            if args.schema:
                graph_store.ensure_schema(driver, database=args.database)
            return graph_store.load_graph(driver, nodes, edges, database=args.database, batch_size=args.batch_size,
                                          progress=progress, dialect=args.dialect, beat=beat,
                                          transaction_s=timeouts.transaction_s)

        try:
            # Under the same deadlines as the assets' reads: a frozen server is an error, not a hang.
            result = graph_store.with_graph(args.uri, args.user or None, os.environ.get("NEO4J_PASSWORD"), work,
                                            what="loading the graph", timeouts=timeouts, writes=True)
        except graph_store.GraphStoreError as exc:
            bar.close()
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print(f"loaded {result['nodes']} nodes and {result['relationships']} relationships into {args.uri}")
    print(f"graph in store: {result['nodes_in_store']} nodes, {result['relationships_in_store']} relationships")
    print(f"content hash: {result['content_hash']}")
    print(f"change marker version: {result['marker_version']}")
    return 0
