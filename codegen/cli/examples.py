"""The ``examples`` subcommand: the built-in networks, one line each.

Contract: ``add_parser(subparsers)`` adds ``examples``; its ``func`` prints each example's name,
layer sizes, parameter count and description, and returns 0.
"""

from __future__ import annotations

import argparse

from derive.spec import examples, load


def run_examples(args: argparse.Namespace) -> int:
    """Print the built-in examples."""
    rows = []
    for name, description in examples().items():
        net = load(name)
        sizes = "-".join(str(s) for s in net.sizes)
        rows.append(f"{name:<16} {sizes:<10} {net.n_params:>5} params  {description}")
    print("\n".join(rows))
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add ``examples`` to ``subparsers``."""
    p = subparsers.add_parser("examples", help="list the built-in example networks")
    p.set_defaults(func=run_examples)
