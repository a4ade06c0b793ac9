"""What a subcommand is: a name, its help, its arguments and the function that runs it.

Contract: each module of ``codegen.cli`` defines ``add_arguments(p)`` for its options and a
``COMMAND = Command(...)`` naming them; ``Command.add_to(subparsers)`` adds the subparser,
whose ``func`` is ``run`` (args → exit status). ``spec_argument(p)`` adds the SPEC argument
every spec-reading command takes, ``expression_arguments`` the ``--expr``/``--at`` pair of
``derive`` and ``compare``, ``report_arguments`` the ``--format text|json`` and ``--plots``
of the lesson commands: each worded once.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

SPEC_HELP = "a .toml/.json spec or a built-in example name"


@dataclass(frozen=True)
class Command:
    """One subcommand of ``chainrule``."""

    name: str
    run: Callable[[argparse.Namespace], int]
    arguments: Callable[[argparse.ArgumentParser], None] | None
    help: str
    description: str | None = None

    def add_to(self, subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
        """Add this command's subparser to ``subparsers``; return it."""
        p = subparsers.add_parser(self.name, help=self.help, description=self.description)
        if self.arguments is not None:
            self.arguments(p)
        p.set_defaults(func=self.run)
        return p


def spec_argument(p: argparse.ArgumentParser, optional: bool = False) -> None:
    """The positional SPEC (optional where ``--expr`` or ``--all`` can stand for it)."""
    p.add_argument("spec", nargs="?" if optional else None, help=SPEC_HELP)


def expression_arguments(p: argparse.ArgumentParser, instead: str, at: str) -> None:
    """``--expr`` (a plain expression ``instead`` of a spec) and ``--at`` (``at``: the point)."""
    p.add_argument("--expr", metavar="EXPRESSION",
                   help=f"a plain expression {instead}; one starting with a minus goes as "
                        '--expr="-x"')
    p.add_argument("--at", nargs="+", action="extend", metavar="NAME=VALUE",
                   help=f"with --expr: the point {at}")


def report_arguments(p: argparse.ArgumentParser, plots: str) -> None:
    """``--format text|json`` of the report and ``--plots DIR|FILE``, ``plots`` saying what."""
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--plots", metavar="DIR|FILE", help=f"write {plots} (.png/.pdf/.svg)")
