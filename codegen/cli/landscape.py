"""The ``landscape`` subcommand: the cost over two parameters, with a descent path on it.

Contract: ``COMMAND`` adds ``landscape SPEC --params P1 P2 [--range LO HI]
[--resolution N] [--path sgd|momentum|none] [--learning-rate ε] [--steps K] [--momentum m]
[--seed S] [--format text|json] [--plots DIR|FILE]`` (``codegen.lessons.landscape``; names in
the notation or canonical). Text summarises the surface and the path; JSON holds every grid
value, the path and the arrows. The figure (``NAME_landscape``) is drawn before anything is
written. Bad input is one line on stderr and exit status 2, before anything is evaluated.
"""

from __future__ import annotations

import argparse

import numpy as np

from codegen.cli.command import Command, report_arguments, spec_argument
from codegen.lessons import network as nw
from codegen.lessons import output as out
from codegen.lessons.descent import behaviour
from codegen.lessons.landscape import PATHS, Landscape, landscape
from derive.errors import SpecError

HELP = "the cost over two parameters as a contour map, with a descent path"
DESCRIPTION = (
    "The cost (the generated module's loss over the spec's data) over a grid "
    "of two parameters, the others held at the spec's (or seeded) values, with the "
    "gradient-descent path from the derived gradients and the steepest-descent arrows.")


def _at(L: Landscape, point) -> str:
    return "(" + ", ".join(out.num(c) for c in point) + ")"


def render_text(L: Landscape, s: nw.Setting, paths) -> str:
    """The surface's extremes and the path's start, end and behaviour."""
    names = [f"{s.names[k].text} ({k})" for k in L.keys]
    held = (f"{L.held} other parameters held at the start" if L.held
            else "no other parameters")
    cost = s.names["E"].text.removesuffix("_k")
    lines = [f"{L.name}: cost {cost} over {names[0]} and {names[1]}; {held}"
             + ("; inputs standardised" if s.standardized else "")]
    i, j = np.unravel_index(np.nanargmin(L.values), L.values.shape)
    k, m = np.unravel_index(np.nanargmax(L.values), L.values.shape)
    lines.append(f"grid {len(L.axis)} × {len(L.axis)} over [{out.num(L.axis[0])}, "
                 f"{out.num(L.axis[-1])}]: lowest {cost} = {out.num(L.values[i, j])} at "
                 f"{_at(L, (L.axis[j], L.axis[i]))}, highest {out.num(L.values[k, m])} at "
                 f"{_at(L, (L.axis[m], L.axis[k]))}")
    if L.trace is not None:
        t = L.trace
        kind = "SGD" if L.path == "sgd" else f"SGD + momentum {out.num(L.momentum)}"
        lines.append(f"{kind}, ε = {out.num(L.rate)}, {len(t.points) - 1} full-batch steps: "
                     f"{cost} {out.num(t.values[0])} at {_at(L, t.points[0])} → "
                     f"{out.num(t.values[-1])} at {_at(L, t.points[-1])} "
                     f"({behaviour(t.points, t.values, t.stopped)})")
    lines += [f"plot: {p}" for p in paths]
    return "\n".join(lines) + "\n"


def render_json(L: Landscape, s: nw.Setting, paths) -> str:
    """Every grid value, the path and the arrows."""
    t = L.trace
    return out.dumps({
        "name": L.name, "params": L.keys, "symbols": [s.names[k].text for k in L.keys],
        "held": L.held, "standardized": s.standardized,
        "axis": [float(a) for a in L.axis],
        "values": [[out.finite(v) for v in row] for row in L.values],
        "path": None if t is None else {
            "kind": L.path, "learning_rate": L.rate, "momentum": L.momentum,
            "points": [[out.finite(c) for c in p] for p in t.points],
            "values": [out.finite(v) for v in t.values]},
        "arrows": {"at": L.arrows.tolist(), "direction": L.directions.tolist()},
        "plots": [str(p) for p in paths]})


def run_landscape(args: argparse.Namespace) -> int:
    """Evaluate, draw, then write the plot and print the report."""
    out.check_target(args.plots)
    if args.momentum is not None and args.path != "momentum":
        raise SpecError("--momentum goes with --path momentum")
    s = nw.setting(args.spec, args.seed)
    L = landscape(s, args.params, *args.range, args.resolution, args.path,
                  args.learning_rate, args.steps, args.momentum)
    files = out.figure_files(lambda plots: {"landscape": plots.landscape_figure(L)},
                             args.plots, L.name)
    text = (render_json if args.format == "json" else render_text)(L, s, list(files))
    return out.finish(text, files)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``landscape``'s arguments."""
    spec_argument(p)
    p.add_argument("--params", nargs=2, required=True, metavar="P",
                   help="two parameters, in the notation (w1, t_1) or canonical (W1[0,0])")
    p.add_argument("--range", nargs=2, type=float, default=[-4.0, 4.0], metavar=("LO", "HI"),
                   help="both axes' range (-4 4)")
    p.add_argument("--resolution", type=int, default=41, help="grid points per axis (41)")
    p.add_argument("--path", choices=PATHS, default="sgd",
                   help="the descent drawn: plain SGD (default), with momentum, or none")
    p.add_argument("--learning-rate", type=float, help="ε of the path (the spec's)")
    p.add_argument("--steps", type=int, help="steps of the path (the spec's epochs)")
    p.add_argument("--momentum", type=float,
                   help="m of --path momentum (the spec's, else 0.9)")
    p.add_argument("--seed", type=int, help="seed of the parameters the spec does not give")
    report_arguments(p, "the plot: into DIR as NAME_landscape.png, or to FILE")


COMMAND = Command("landscape", run_landscape, add_arguments, HELP, DESCRIPTION)
