"""The ``chainrule`` command line.

Contract: ``main(argv) -> int``. Every command builds its whole output before writing any of
it, so a failure leaves nothing half-written; bad input (a ``ChainruleError``) becomes one line
on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from derive.derivation import DEFAULT_MAX_PARAMS
from derive.errors import ChainruleError, SpecError
from derive.notation import NOTATIONS
from derive.numeric import evaluate
from derive.render.document import render_json, render_latex, render_markdown, render_text
from derive.report import build
from derive.spec import examples, load


def _command_modules() -> list:
    """The modules that add further subcommands (code generation, handouts) where present."""
    import importlib

    found = []
    for name in ("codegen.codegen_cmd", "codegen.handout_cmd", "codegen.compare_cmd"):
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return found


RENDERERS = {"text": render_text, "latex": render_latex, "markdown": render_markdown,
             "json": render_json}


def _examples(args: argparse.Namespace) -> int:
    rows = []
    for name, description in examples().items():
        net = load(name)
        sizes = "-".join(str(s) for s in net.sizes)
        rows.append(f"{name:<16} {sizes:<10} {net.n_params:>5} params  {description}")
    print("\n".join(rows))
    return 0


def _derive(args: argparse.Namespace) -> int:
    if args.expr is not None:
        if args.spec is not None:
            raise SpecError("give either a SPEC or --expr, not both")
        return _derive_expression(args)
    if args.at:
        raise SpecError("--at goes with --expr")
    if args.spec is None:
        raise SpecError("give a SPEC (a spec file or a built-in example) or --expr")
    net = load(args.spec)
    report = build(net, notation=args.notation, wrt=args.wrt, max_params=args.max_params,
                   style=args.style, delta_only=args.delta)
    sys.stdout.write(RENDERERS[args.format](report))
    return 0


def _derive_expression(args: argparse.Namespace) -> int:
    from derive.expr import derive_expression, parse_point
    from derive.render.graph import render_expression

    report = derive_expression(args.expr, wrt=args.wrt, at=parse_point(args.at or []))
    sys.stdout.write(render_expression(report, args.format))
    return 0


def _json_arg(text: str | None, what: str):
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"--{what} is not valid JSON: {exc.msg}") from None


def _eval(args: argparse.Namespace) -> int:
    net = load(args.spec)
    if args.params:
        path = Path(args.params)
        try:
            params = json.loads(path.read_text())
        except OSError:
            raise SpecError(f"cannot read parameter file {args.params}") from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise SpecError(f"parameter file {args.params} is not valid JSON") from None
        if not isinstance(params, dict):
            raise SpecError("a parameter file holds {\"W1\": [[…]], \"b1\": […], …}")
    else:
        params = net.parameters(seed=0)
    x, y = _json_arg(args.x, "x"), _json_arg(args.y, "y")
    if (x is None) != (y is None):
        raise SpecError("give --x and --y together (or neither, for the spec's own data)")
    if x is None:
        if net.data is None:
            raise SpecError(f"{net.name} carries no data; give --x and --y")
        x, y = net.data["x"], net.data["y"]
    with np.errstate(all="ignore"):  # a non-finite result is refused below, in one line
        result = evaluate(net, params, x, y)
    payload = {
        "output": result["output"].tolist(),
        "loss": result["loss"],
        "gradients": {k: v.tolist() for k, v in result["gradients"].items()},
    }
    try:
        text = json.dumps(payload, indent=2, allow_nan=False)
    except ValueError:  # JSON has no inf or NaN
        raise SpecError("the loss or a gradient is not finite in float64 at these parameters "
                        "and data (see the limits in docs/spec.md)") from None
    sys.stdout.write(text + "\n")
    return 0


COMMAND_MODULES = _command_modules()


def parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    top = argparse.ArgumentParser(
        prog="chainrule",
        description="Derive neural-network gradients by the chain rule, step by step.")
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("examples", help="list the built-in example networks")
    p.set_defaults(func=_examples)
    p = sub.add_parser("derive", help="derive ∂E/∂θ step by step, verified against SymPy")
    p.add_argument("spec", nargs="?",
                   help="a .toml/.json spec file or a built-in example's name")
    p.add_argument("--expr", metavar="EXPRESSION",
                   help='a plain expression instead of a network, e.g. "e = (a + b)*(b + 1)"; '
                        'one starting with a minus goes as --expr="-x"')
    p.add_argument("--at", nargs="+", action="extend", metavar="NAME=VALUE",
                   help="with --expr: the point for the path sums, e.g. a=2 b=1")
    p.add_argument("--wrt", nargs="+", action="extend", metavar="NAME",
                   help="parameters to derive (notation names or canonical W1[0,1]); all if "
                        "omitted")
    p.add_argument("--notation", choices=sorted(NOTATIONS), help="override the spec's notation")
    p.add_argument("--format", choices=sorted(RENDERERS), default="text")
    p.add_argument("--style", choices=["auto", "path", "delta"], default="auto",
                   help="path: unroll from the loss down (single-path parameters); delta: by "
                        "error terms δ")
    p.add_argument("--delta", action="store_true",
                   help="only the delta (backprop) form, for networks of any width")
    p.add_argument("--max-params", type=int, default=DEFAULT_MAX_PARAMS,
                   help=f"scalar-derivation limit (default {DEFAULT_MAX_PARAMS})")
    p.set_defaults(func=_derive)
    p = sub.add_parser("eval", help="output, loss and gradients from the derived formulas")
    p.add_argument("spec")
    p.add_argument("--params", help="JSON file {\"W1\": [[…]], \"b1\": […], …}")
    p.add_argument("--x", help="inputs as JSON, shape (n, inputs)")
    p.add_argument("--y", help="targets as JSON, shape (n, outputs)")
    p.set_defaults(func=_eval)
    for module in COMMAND_MODULES:
        module.add_parsers(sub)
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


if __name__ == "__main__":
    sys.exit(main())
