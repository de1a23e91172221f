"""``fops graph``: print the resource graph in Graphviz DOT."""
from __future__ import annotations

import argparse
import sys

from fops import cmdline


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "graph", usage=cmdline.USAGE.format("graph"), help="print the resource graph in DOT",
        description="Prints the validated resource graph (resources as nodes, resource_deps as "
                    "edges) in Graphviz DOT: fops graph | dot -Tsvg > graph.svg. With RESOURCEs, "
                    "only those and what they depend on.")
    cmdline.add_tiltfile_args(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import fops

    project = cmdline.load_project(args, "graph")
    graph = project.graph
    if args.resources:
        graph = fops.ResourceGraph.build([graph.resource(i) for i in graph.closure(args.resources)])
    sys.stdout.write(graph.to_dot())
    return cmdline.EXIT_OK
