"""The ``descent`` subcommand: gradient descent on a plain expression, step size by step size.

Contract: ``COMMAND`` adds ``descent --function EXPR --x0 V [V] [--rates G …]
[--steps K] [--clip C] [--format text|json] [--plots DIR|FILE]``. The expression is parsed by
the safe parser of ``derive --expr`` and its derivative derived there
(``codegen.lessons.descent``). Text gives per rate (and, with ``--clip``, per clipped rate)
what the run did and the table of iterates; JSON gives every number. The figure (``descent``)
is drawn before anything is written. Bad input is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse

from codegen.cli.command import Command, report_arguments
from codegen.lessons import output as out
from codegen.lessons.descent import Descent, descent

HELP = "gradient descent on a function of one or two variables"
DESCRIPTION = (
    "Gradient descent x ← x − γ∇f(x) on a plain expression (the parser of "
    "derive --expr, its derivative derived and verified) from x0 at each step size γ: "
    "the iterates, what each run does (converges, zig-zags, diverges) and, with --clip, "
    "what clipping the gradient changes.")


def render_text(d: Descent, paths) -> str:
    """The function, its derivative, and one table per run."""
    names = ", ".join(d.variables)
    lines = [f"{d.output}({names}) = {d.function}"]
    for v, g in zip(d.variables, d.derivatives, strict=True):
        lines.append(f"∂{d.output}/∂{v} = {g}    (derived by the chain rule, verified "
                     "against sympy.diff)")
    start = ", ".join(out.num(c) for c in d.x0)
    start = f"({names}) = ({start})" if len(d.x0) > 1 else f"{names} = {start}"
    lines.append(f"from {start}, {d.steps} steps: "
                 f"v ← −∇{d.output}, x ← x + γ·v")
    grad_heads = ([f"{d.output}'(x_k)"] if len(d.variables) == 1
                  else [f"∂{d.output}/∂{v}" for v in d.variables])
    heads = ["k", *[f"{v}_k" for v in d.variables], f"{d.output}(x_k)", *grad_heads]
    for run in d.runs:
        clip = f", gradient clipped to length {out.num(run.clip)}" if run.clip else ""
        arithmetic = "exact rationals" if run.exact else "float64"
        lines += ["", f"γ = {out.num(run.rate)}{clip}: {run.behaviour} ({arithmetic})"]
        rows = [heads]
        for k, (p, f) in enumerate(zip(run.trace.points, run.trace.values, strict=True)):
            g = run.trace.gradients[k] if k < len(run.trace.gradients) else ()
            mark = " (clipped)" if k < len(run.trace.clipped) and run.trace.clipped[k] else ""
            rows.append([str(k), *map(out.num, p), out.num(f),
                         *[out.num(c) + mark for c in g]])
        widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(len(heads))]
        lines += ["  " + "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=False))
                  for r in rows]
    lines += [""] * bool(paths) + [f"plot: {p}" for p in paths]
    return "\n".join(lines) + "\n"


def render_json(d: Descent, paths) -> str:
    """Every iterate, value and gradient of every run."""
    return out.dumps({
        "function": d.text, "output": d.output, "variables": d.variables,
        "expression": str(d.function), "derivatives": [str(g) for g in d.derivatives],
        "x0": list(d.x0), "steps": d.steps,
        "runs": [{"rate": r.rate, "clip": r.clip, "behaviour": r.behaviour,
                  "arithmetic": "exact" if r.exact else "float64",
                  "iterates": [[out.finite(c) for c in p] for p in r.trace.points],
                  "values": [out.finite(v) for v in r.trace.values],
                  "gradients": [[out.finite(c) for c in g] for g in r.trace.gradients],
                  "clipped": r.trace.clipped} for r in d.runs],
        "plots": [str(p) for p in paths]})


def run_descent(args: argparse.Namespace) -> int:
    """Descend, draw, then write the plot and print the report."""
    out.check_target(args.plots)
    d = descent(args.function, args.x0, args.rates, args.steps, args.clip)
    files = out.figure_files(lambda plots: {"descent": plots.descent_figure(d)}, args.plots, "")
    text = (render_json if args.format == "json" else render_text)(d, list(files))
    return out.finish(text, files)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``descent``'s arguments."""
    p.add_argument("--function", required=True, metavar="EXPR",
                   help='e.g. "x**2" or "x**2 + 10*y**2"')
    p.add_argument("--x0", required=True, nargs="+", metavar="V",
                   help="the start, one value per variable in order of appearance")
    p.add_argument("--rates", nargs="+", default=["0.8", "0.7", "0.2"], metavar="G",
                   help="step sizes γ (default 0.8 0.7 0.2, the Rostock slides')")
    p.add_argument("--steps", type=int, default=10, help="steps per rate (10)")
    p.add_argument("--clip", metavar="C",
                   help="also run each rate with the gradient's length limited to C")
    report_arguments(p, "the plot: into DIR as descent.png, or to FILE")


COMMAND = Command("descent", run_descent, add_arguments, HELP, DESCRIPTION)
