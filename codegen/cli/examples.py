"""The ``examples`` subcommand: the built-in networks, one line each.

Contract: ``COMMAND`` adds ``examples``; its ``func`` prints each example's name,
layer sizes, parameter count and description, and returns 0.
"""

from __future__ import annotations

import argparse

from codegen.cli.command import Command
from derive.spec import examples, load

HELP = "list the built-in example networks"


def run_examples(args: argparse.Namespace) -> int:
    """Print the built-in examples."""
    rows = []
    for name, description in examples().items():
        net = load(name)
        sizes = "-".join(str(s) for s in net.sizes)
        rows.append(f"{name:<16} {sizes:<10} {net.n_params:>5} params  {description}")
    print("\n".join(rows))
    return 0


COMMAND = Command("examples", run_examples, None, HELP)
