"""The ``chainrule`` command line: one module per command, each adding its own subparser.

Contract: ``main(argv) -> int``. Every command builds its whole output before writing any of
it, so a failure leaves nothing half-written; bad input (a ``ChainruleError``) becomes one line
on stderr and exit status 2, never a traceback. A command is a module here whose
``COMMAND`` (``codegen.cli.command.Command``) is listed in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import sys
from importlib import metadata

from codegen import progress
from codegen.cli import (
    codegen,
    compare,
    derive,
    descent,
    eval,
    examples,
    handout,
    import_keras,
    landscape,
    search,
    train,
)
from derive.errors import ChainruleError

COMMANDS = tuple(m.COMMAND for m in (examples, derive, eval, codegen)) + (codegen.CHECK,) + tuple(
    m.COMMAND for m in (handout, compare, descent, landscape, search, train, import_keras))


def version() -> str:
    """The installed distribution's version (``pyproject.toml``'s), or a note if not installed."""
    try:
        return metadata.version("chainrule")
    except metadata.PackageNotFoundError:
        return "(not installed: run from a source tree)"


class UsageError(ChainruleError):
    """A command line argparse cannot read: one line, exit status 2, like any bad input."""


class _Parser(argparse.ArgumentParser):
    """argparse, but an unreadable command line is one line pointing to ``--help``, not a
    usage block (subcommand parsers are of this class too)."""

    def error(self, message: str):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    top = _Parser(
        prog="chainrule",
        description="Derive neural-network gradients by the chain rule, step by step.")
    top.add_argument("--version", action="version", version=f"chainrule {version()}")
    sub = top.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_to(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status."""
    try:
        args = parser().parse_args(argv)
        progress.configure(getattr(args, "progress", "auto"))
        return args.func(args)
    except ChainruleError as exc:
        print(f"chainrule: {exc}", file=sys.stderr)
        return 2
    except RecursionError:
        print("chainrule: the input nests too deeply to handle here; for a deep network use "
              "--delta", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
