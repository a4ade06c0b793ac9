"""The ``compare`` subcommand: symbolic, numeric and automatic differentiation side by side.

Contract: ``COMMAND`` adds ``compare SPEC | --expr EXPRESSION [--at …]
[--format text|markdown|json] [--plots DIR] [--seed N]``. Everything is measured and drawn
before anything is written: the plots go to DIR (``NAME_steps.png``, and for a network with a
hidden layer ``NAME_scaling.png``) all or none, then the report to stdout; markdown embeds the
plots by their paths. Bad input raises a ``ChainruleError`` (one line, exit status 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from codegen import progress
from codegen.cli.command import Command, expression_arguments, spec_argument
from codegen.compare import (
    STEPS,
    USUAL,
    Comparison,
    compare_expression,
    compare_network,
    default_widths,
    scaling,
)
from codegen.files import write_all
from derive import spec as specs
from derive.errors import SpecError

HELP = "symbolic vs numeric vs automatic differentiation: errors and times"
DESCRIPTION = (
    "The gradient at one seeded point by the derived formulas (mpmath, 50 "
    "digits: the reference; and the generated NumPy module), forward/central differences "
    "and the complex step (with a sweep of steps), and autograd/PyTorch/JAX.")

TARGETS = {"symbolic": 1e-12, "automatic": 1e-12, "complex step": 1e-13,
           "central difference (best step)": 1e-8}


def verdicts(c: Comparison) -> list[tuple[str, float, float]]:
    """(what, worst relative error, target) for each claim the report makes."""
    rows = []
    for kind in ("symbolic", "automatic"):
        errors = [m.rel_error for m in c.methods if m.kind == kind]
        if errors:
            rows.append((kind, max(errors), TARGETS[kind]))
    rows.append(("complex step", c.method("complex step").rel_error, TARGETS["complex step"]))
    if "central difference" in c.sweep:
        rows.append(("central difference (best step)", c.best_step("central difference")[1],
                     TARGETS["central difference (best step)"]))
    return rows


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _table(c: Comparison) -> list[list[str]]:
    rows = [["method", "max abs error", "relative error", "loss evaluations", "time/gradient"]]
    for m in c.methods:
        name = m.name + (f" (h = {m.step:.1e})" if m.step else "")
        err = ("—", "—") if m.kind == "reference" else (f"{m.abs_error:.2e}",
                                                       f"{m.rel_error:.2e}")
        rows.append([name, *err, m.evaluations, f"{m.seconds * 1e3:.3f} ms"])
    return rows


def _lines(c: Comparison) -> list[str]:
    out = [f"Errors against the reference; relative error is ‖g − g_ref‖∞ / ‖g_ref‖∞. "
           f"Usual steps: forward √ε = {USUAL['forward difference']:.1e}, central ∛ε = "
           f"{USUAL['central difference']:.1e}, complex 1e-20, each times max(1, |θᵢ|)."]
    for name in c.sweep:
        step, err = c.best_step(name)
        out.append(f"{name}: best step over 1e-1 … 1e-15 is h = {step:.0e} "
                   f"(relative error {err:.2e}).")
    for what, worst, target in verdicts(c):
        verdict = "meets" if worst <= target else "MISSES"
        out.append(f"{what}: {worst:.2e} {verdict} the target ≤ {target:.0e}.")
    if c.skipped:
        out.append(f"Not importable here, skipped: {', '.join(c.skipped)}.")
    return out


def render_text(c: Comparison, plots: list[Path]) -> str:
    """A terminal table and the verdicts."""
    table = _table(c)
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    out = [f"{c.name}: {_count(c.n_params, 'parameter')}; point: {c.point}", ""]
    out += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
            for r in table]
    out += ["", *_lines(c)] + [f"plot: {p}" for p in plots]
    return "\n".join(out) + "\n"


def render_markdown(c: Comparison, plots: list[Path]) -> str:
    """A Markdown report with the table, the verdicts and the plots embedded."""
    table = _table(c)
    out = [f"# Differentiation methods compared: {c.name}", "",
           f"{_count(c.n_params, 'parameter')}; point: {c.point}.", "",
           "| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])]
    out += ["| " + " | ".join(r) + " |" for r in table[1:]]
    out += [""] + [f"- {line}" for line in _lines(c)]
    for p in plots:
        out += ["", f"![{p.stem.replace('_', ' ')}]({p.as_posix()})"]
    if not plots:
        out += ["", "Run with `--plots DIR` to draw and embed the plots."]
    return "\n".join(out) + "\n"


def render_json(c: Comparison, plots: list[Path]) -> str:
    """Every number of the comparison."""
    payload = {
        "name": c.name, "parameters": c.n_params, "point": c.point,
        "methods": [{"name": m.name, "kind": m.kind, "max_abs_error": m.abs_error,
                     "relative_error": m.rel_error, "evaluations": m.evaluations,
                     "seconds_per_gradient": m.seconds, "step": m.step} for m in c.methods],
        "sweep": {"steps": STEPS, **c.sweep},
        "targets": [{"what": w, "relative_error": e, "target": t, "met": e <= t}
                    for w, e, t in verdicts(c)],
        "skipped": c.skipped, "plots": [str(p) for p in plots],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


def _drawing():
    """``codegen.plots``, or a ``SpecError`` saying how to install matplotlib."""
    try:
        from codegen import plots
    except ImportError:
        raise SpecError("the plots need matplotlib: pip install 'chainrule[compare]'") from None
    return plots


def measure_network(net, seed: int = 0, plots: bool = True) -> tuple[Comparison, dict]:
    """The comparison at the seeded point and, with ``plots``, its figures: kind (``steps``,
    and ``scaling`` for a network with a hidden layer) → PNG bytes."""
    drawing = _drawing() if plots else None
    comparison = compare_network(net, seed)
    figures: dict[str, bytes] = {}
    if plots:
        figures["steps"] = drawing.step_plot(comparison)
        if len(net.layers) > 1:
            figures["scaling"] = drawing.scaling_plot(scaling(net, default_widths(net), seed))
    return comparison, figures


CAPTIONS = {"steps": "Relative error of the numeric methods against the step h; circles mark "
                     "the best step.",
            "scaling": "Time per full gradient as the hidden layers widen, measured on the "
                       "machine that wrote this sheet."}


def handout_data(net, seed: int = 0) -> tuple[dict, dict[str, bytes]]:
    """The comparison as the plain data a handout lays out (``derive.render.handout``), and
    its plots: file name → PNG bytes."""
    c, figures = measure_network(net, seed)
    files = {f"{c.name}_{kind}.png": data for kind, data in figures.items()}
    data = {
        "point": c.point,
        "methods": [{"name": m.name, "step": m.step,
                     "abs_error": None if m.kind == "reference" else m.abs_error,
                     "rel_error": None if m.kind == "reference" else m.rel_error,
                     "evaluations": m.evaluations, "seconds": m.seconds} for m in c.methods],
        "best": [{"name": name, "step": c.best_step(name)[0],
                  "rel_error": c.best_step(name)[1]} for name in c.sweep],
        "targets": [{"what": w, "relative_error": e, "target": t, "met": e <= t}
                    for w, e, t in verdicts(c)],
        "skipped": c.skipped,
        "plots": [{"file": f"{c.name}_{kind}.png", "caption": CAPTIONS[kind]}
                  for kind in figures],
    }
    return data, files


def run_compare(args: argparse.Namespace) -> int:
    """Measure, draw, then write the plots and print the report."""
    if (args.spec is None) == (args.expr is None):
        raise SpecError("give either a SPEC (a spec file or built-in example) or --expr")
    if args.at and args.expr is None:
        raise SpecError("--at goes with --expr")
    if args.expr is not None:
        from derive.expression.derive import derive_expression, parse_point

        report = derive_expression(args.expr, at=parse_point(args.at or []))
        comparison = compare_expression(report, args.seed)
        figures = {"steps": _drawing().step_plot(comparison)} if args.plots else {}
    else:
        comparison, figures = measure_network(specs.load(args.spec), args.seed,
                                              bool(args.plots))
    paths = [Path(args.plots) / f"{comparison.name}_{kind}.png" for kind in figures]
    text = RENDERERS[args.format](comparison, paths)
    if figures:
        write_all(Path(args.plots), {p.name: d for p, d in zip(paths, figures.values(),
                                                                strict=True)})
    sys.stdout.write(text)
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``compare``'s arguments."""
    spec_argument(p, optional=True)
    expression_arguments(p, 'instead of a network, e.g. "x**2*cos(x)"',
                         "(default: seeded values in [0.5, 1.5])")
    p.add_argument("--format", choices=sorted(RENDERERS), default="text")
    p.add_argument("--plots", metavar="DIR", help="write the PNG plots into DIR")
    p.add_argument("--seed", type=int, default=0, help="seed of the point (0)")
    progress.add_arguments(p)


COMMAND = Command("compare", run_compare, add_arguments, HELP, DESCRIPTION)
