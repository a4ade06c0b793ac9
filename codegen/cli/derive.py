"""The ``derive`` subcommand: a network's derivations (or a plain expression's), verified.

Contract: ``COMMAND`` adds ``derive``; its ``func`` prints the report of a spec
(``derive.report.build``) or of ``--expr`` (``derive.expression.derive``) in the chosen format
and returns 0. Bad input raises a ``ChainruleError``.
"""

from __future__ import annotations

import argparse
import sys

from codegen import progress
from codegen.cli.command import Command, expression_arguments, spec_argument
from derive.derivation import DEFAULT_MAX_PARAMS
from derive.errors import SpecError
from derive.expression.derive import derive_expression, parse_point
from derive.notation import NOTATIONS
from derive.render.document import render_json, render_latex, render_markdown, render_text
from derive.render.expression import render_expression
from derive.render.standalone import render_standalone
from derive.report import build
from derive.spec import load

HELP = "derive ∂E/∂θ step by step, every result verified"

RENDERERS = {"text": render_text, "latex": render_latex, "markdown": render_markdown,
             "json": render_json}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``derive``'s arguments."""
    spec_argument(p, optional=True)
    expression_arguments(p, 'instead of a network, e.g. "e = (a + b)*(b + 1)"',
                         "for the path sums, e.g. a=2 b=1")
    p.add_argument("--wrt", nargs="+", action="extend", metavar="NAME",
                   help="parameters to derive (notation names or canonical W1[0,1]); all if "
                        "omitted")
    p.add_argument("--notation", choices=sorted(NOTATIONS), help="override the spec's notation")
    p.add_argument("--format", choices=sorted(RENDERERS), default="text")
    p.add_argument("--standalone", action="store_true",
                   help="with --format latex: a complete document that compiles as it is, long "
                        "lines broken to fit the page")
    p.add_argument("--style", choices=["auto", "path", "delta"], default="auto",
                   help="path: unroll from the loss down (single-path parameters); delta: by "
                        "error terms δ")
    p.add_argument("--delta", action="store_true",
                   help="only the delta (backprop) form, for networks of any width")
    p.add_argument("--max-params", type=int, default=DEFAULT_MAX_PARAMS,
                   help=f"scalar-derivation limit (default {DEFAULT_MAX_PARAMS})")
    progress.add_arguments(p)


def run_derive(args: argparse.Namespace) -> int:
    """Print the derivations of ``args.spec`` or of ``args.expr``."""
    if args.expr is not None:
        if args.spec is not None:
            raise SpecError("give either a SPEC or --expr, not both")
        report = derive_expression(args.expr, wrt=args.wrt, at=parse_point(args.at or []))
        sys.stdout.write(render_expression(report, args.format))
        return 0
    if args.at:
        raise SpecError("--at goes with --expr")
    if args.spec is None:
        raise SpecError("give a SPEC (a spec file or a built-in example) or --expr")
    if args.standalone and args.format != "latex":
        raise SpecError("--standalone goes with --format latex")
    net = load(args.spec)
    with progress.task(f"deriving {net.name} ({net.n_params} parameters)", 2) as bar:
        bar.step("the delta form" if args.delta else "derivations, verified")
        report = build(net, notation=args.notation, wrt=args.wrt, max_params=args.max_params,
                       style=args.style, delta_only=args.delta)
        bar.step(f"rendering as {args.format}")
        render = render_standalone if args.standalone else RENDERERS[args.format]
        text = render(report)
    sys.stdout.write(text)
    return 0


COMMAND = Command("derive", run_derive, add_arguments, HELP)
