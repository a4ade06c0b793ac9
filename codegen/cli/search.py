"""The ``search`` subcommand: grid search against Monte Carlo against gradient descent.

Contract: ``COMMAND`` adds ``search SPEC --params P … [--grid G] [--range LO
HI] [--budget N] [--seed S] [--learning-rate ε] [--format text|json] [--plots DIR|FILE]``
(``codegen.lessons.search``). Text gives the evaluations a grid needs as the parameters grow
(with the note where Gᵈ passes 10⁸⁰), then each method's evaluations, best cost, best point and
wall time. JSON holds every number, the grid's and the samples' costs included. For two
parameters the figure (``NAME_search``) shows the grid, the samples and the path. Bad input is
one line on stderr and exit status 2, before anything is evaluated.
"""

from __future__ import annotations

import argparse
import math

from codegen.cli.command import Command, report_arguments, spec_argument
from codegen.lessons import network as nw
from codegen.lessons import output as out
from codegen.lessons.search import ATOMS, Search, search
from derive.errors import SpecError

HELP = "grid search vs Monte Carlo vs gradient descent, at one budget"
DESCRIPTION = (
    "Search the chosen parameters (the others held) by a grid, by random "
    "samples and by gradient descent, each within the same number of loss evaluations; "
    "and how many evaluations a grid needs as the parameters grow.")

YEAR = 365.25 * 24 * 3600


def _count(n: int) -> str:
    """A count, exactly up to 10¹², then as m × 10^e (exact digits: no float overflow)."""
    if n < 10**12:
        return f"{n:,}"
    digits = str(n)
    return f"{digits[0]}.{digits[1:4]} × 10^{len(digits) - 1}"


def _duration(n: int, per: float) -> str:
    """How long n evaluations of ``per`` seconds take."""
    exponent = math.log10(n) + math.log10(per)
    if exponent > 15:  # beyond any float of seconds worth printing
        return f"10^{exponent - math.log10(YEAR):.0f} years"
    seconds = 10**exponent
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 2 * YEAR:
        return f"{seconds / 3600:.3g} hours"
    return f"{seconds / YEAR:.3g} years"


def render_text(S: Search, s: nw.Setting, paths) -> str:
    """The cost of grids, then the three methods side by side."""
    names = ", ".join(s.names[k].text for k in S.keys)
    cost = s.names["E"].text.removesuffix("_k")
    per = S.method("grid search").seconds / S.method("grid search").evaluations
    others = S.n_params - len(S.keys)
    held = f"the other {others} parameters held" if others else "no other parameters"
    lines = [f"{S.name}: searching {names} over [{out.num(S.lo)}, {out.num(S.hi)}], {held}",
             f"loss evaluations a grid of {S.grid} values per parameter needs "
             f"(at {per * 1e6:.3g} µs each, as measured here):"]
    for d, n in S.counts:
        atoms = "  > 10^80, the atoms in the universe" if n > ATOMS else ""
        lines.append(f"  d = {d:>4}: {S.grid}^{d} = {_count(n)}  ({_duration(n, per)})"
                     f"{atoms}")
    lines.append(f"  {S.grid}^d passes 10^80 at d = {S.atoms_at}; {S.name} has "
                 f"{S.n_params} parameters")
    lines += ["", f"the same budget, {S.budget} loss evaluations (a gradient counts as 3: one "
              "forward and one backward pass):"]
    rows = [["method", "evaluations", f"best {cost}", f"at ({names})", "time"]]
    for m in S.methods:
        rows.append([m.name, str(m.evaluations), out.num(m.best_cost),
                     "(" + ", ".join(out.num(c) for c in m.best_point) + ")",
                     f"{m.seconds * 1e3:.1f} ms"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    lines += [f"plot: {p}" for p in paths]
    return "\n".join(lines) + "\n"


def render_json(S: Search, s: nw.Setting, paths) -> str:
    """Every number of the search."""
    return out.dumps({
        "name": S.name, "params": S.keys, "symbols": [s.names[k].text for k in S.keys],
        "grid": S.grid, "range": [S.lo, S.hi], "budget": S.budget, "seed": S.seed,
        "learning_rate": S.rate, "n_params": S.n_params,
        "counts": [{"d": d, "evaluations": n, "beyond_atoms": n > ATOMS} for d, n in S.counts],
        "atoms_at": S.atoms_at,
        "methods": [{"name": m.name, "evaluations": m.evaluations,
                     "best_cost": out.finite(m.best_cost), "best_point": list(m.best_point),
                     "seconds": m.seconds} for m in S.methods],
        "grid_points": S.grid_points.tolist(),
        "grid_costs": [out.finite(v) for v in S.grid_values],
        "samples": S.samples.tolist(),
        "sample_costs": [out.finite(v) for v in S.sample_values],
        "descent": {"points": [list(p) for p in S.trace.points],
                    "costs": [out.finite(v) for v in S.trace.values]},
        "plots": [str(p) for p in paths]})


def run_search(args: argparse.Namespace) -> int:
    """Search, draw, then write the plot and print the report."""
    out.check_target(args.plots)
    if args.plots and len(args.params) != 2:
        raise SpecError("the search plot shows two parameters; give exactly two with "
                        "--params, or drop --plots")
    s = nw.setting(args.spec, args.seed)
    S = search(s, args.params, args.grid, *args.range, args.budget, args.seed or 0,
               args.learning_rate)
    files = out.figure_files(lambda plots: {"search": plots.search_figure(S)}, args.plots,
                             S.name)
    text = (render_json if args.format == "json" else render_text)(S, s, list(files))
    return out.finish(text, files)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``search``'s arguments."""
    spec_argument(p)
    p.add_argument("--params", nargs="+", required=True, metavar="P",
                   help="parameters, in the notation (w1, t_1) or canonical (W1[0,0])")
    p.add_argument("--grid", type=int, default=21, help="values per parameter (21)")
    p.add_argument("--range", nargs=2, type=float, default=[-1.0, 1.0], metavar=("LO", "HI"),
                   help="the range of every parameter (-1 1, as the lecture's grid)")
    p.add_argument("--budget", type=int,
                   help="loss evaluations per method (default: the grid's size)")
    p.add_argument("--learning-rate", type=float, help="ε of gradient descent (the spec's)")
    p.add_argument("--seed", type=int,
                   help="seed of the random samples, and of the parameters the spec does not "
                        "give (0)")
    report_arguments(p, "the plot (two parameters): into DIR as NAME_search.png, or to FILE")


COMMAND = Command("search", run_search, add_arguments, HELP, DESCRIPTION)
