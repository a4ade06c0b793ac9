"""The ``chainrule`` command line: one module per command, each adding its own subparser.

Contract: ``main(argv) -> int``. Every command builds its whole output before writing any of
it, so a failure leaves nothing half-written; bad input (a ``ChainruleError``) becomes one line
on stderr and exit status 2, never a traceback. A command is a module here with
``add_parser(subparsers)``, listed in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import sys

from codegen.cli import (
    codegen,
    compare,
    derive,
    descent,
    eval,
    examples,
    handout,
    landscape,
    search,
    train,
)
from derive.errors import ChainruleError

COMMANDS = (examples, derive, eval, codegen, handout, compare, descent, landscape, search,
            train)


def parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    top = argparse.ArgumentParser(
        prog="chainrule",
        description="Derive neural-network gradients by the chain rule, step by step.")
    sub = top.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ChainruleError as exc:
        print(f"chainrule: {exc}", file=sys.stderr)
        return 2
    except RecursionError:
        print("chainrule: the network is too deep for this route; use --delta", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
