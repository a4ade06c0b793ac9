"""Handouts: the derivation of a network's gradients as a lecturer would hand it out.

Contract: ``render(net, …, sheet, markdown)`` returns the text of one sheet — ``handout``
(network drawing, parameter table, network function named, nested and expanded, loss, each
chosen derivation step by step with its rules, error terms, the delta form, stable-form notes
and a worked example in numbers), ``questions`` (the derivations with every second line and
the result left blank, and numeric questions on fresh seeded numbers) or ``solutions`` (the
same, filled in) — as a self-contained LaTeX document or as Markdown for GitHub, KaTeX and
MathJax. The text is a pure function of its arguments: no dates, the same bytes every time.
``files(…)`` names the sheets (``NAME.tex``, ``NAME-questions.tex``, …). The templates in
``templates/`` only lay out; every name, number and formula comes from here, already escaped
(spec text through ``derive.render.escape``; names are identifiers the notation spells).
Every derivation shown has been verified by ``derive.report.build``.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from derive.delta import Grad
from derive.derivation import DEFAULT_MAX_PARAMS
from derive.network import Network
from derive.render import sections as sec
from derive.render.document import _verified
from derive.render.escape import code_tex, md_text, tex_text
from derive.render.matrix import equation_latex
from derive.render.stability import stable_notes
from derive.render.tikz import network_tikz
from derive.render.worked import example_for, exercise_params, worked_example
from derive.report import Report, build

SHEETS = ("handout", "questions", "solutions")
ALL_PARAMS = 9  # derive every parameter up to this many; a per-layer subset above
EXPANDED_LIMIT = 40  # write the fully expanded function out up to this many parameters
EXERCISE_SEED = 1
ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    keep_trailing_newline=True, autoescape=False,
    block_start_string=r"\BLOCK{", block_end_string="}",
    variable_start_string=r"\VAR{", variable_end_string="}",
    comment_start_string=r"\#{", comment_end_string="}")
ENV.filters["rows"] = lambda rows: " \\\\\n".join(rows)


def default_wrt(net: Network) -> list[str] | None:
    """All parameters of a small network (``None``); else the first weight and bias of each
    layer, which between them show every shape of derivation the network has."""
    if net.n_params <= ALL_PARAMS:
        return None
    chosen = []
    for key in net.param_shapes():
        chosen.append(f"{key}[0,0]" if key.startswith("W") else f"{key}[0]")
    return chosen


def reports(net: Network, notation: str | None = None,
            wrt: list[str] | None = None) -> tuple[Report, Report]:
    """(the verified report of the chosen parameters, a report of every parameter for the
    numbers); networks over the scalar limit get the delta form only."""
    wide = net.n_params > DEFAULT_MAX_PARAMS
    shown = build(net, notation, wrt=wrt or default_wrt(net), delta_only=wide)
    if wide or len(shown.derivations) == net.n_params:
        return shown, shown
    return shown, build(net, notation, delta_only=False, check=False)


def _table(net: Network) -> tuple[list[dict], int, int]:
    """Keras-summary rows (layer, output shape, parameters, multiply-adds per example)."""
    rows = [{"layer": "input", "shape": f"(None, {net.sizes[0]})", "params": 0, "macs": 0}]
    for l, layer in enumerate(net.layers, start=1):
        fan_in = net.sizes[l - 1]
        params = fan_in * layer.units + (layer.units if layer.bias else 0)
        rows.append({"layer": f"dense {l} ({layer.activation})",
                     "shape": f"(None, {layer.units})", "params": params,
                     "macs": fan_in * layer.units})
    return rows, sum(r["params"] for r in rows), sum(r["macs"] for r in rows)


def context(net: Network, notation: str | None = None, wrt: list[str] | None = None,
            sheet: str = "handout", markdown: bool = False,
            implementation: dict[str, list[str]] | None = None,
            comparison: dict | None = None, lessons: dict | None = None) -> dict:
    """Everything the templates lay out, as strings, lists and numbers. ``implementation``
    maps delta-form equations (``Z1``, ``D2``, ``W2``, …) to the generated module's lines
    that compute them; the handout sets them side by side. ``comparison`` holds measured
    numbers of differentiation methods (see ``_compare_context``), ``lessons`` the training
    section's plots (see ``_lessons_context``); the handout (not the exercise sheets) gains a
    section laying out each."""
    shown, full = reports(net, notation, wrt)
    m = shown.model
    layout = sec.Layout(width=110.0 if markdown else 80.0, markdown=markdown)
    text = md_text if markdown else tex_text
    if sheet == "handout":
        params, (x, y, row) = net.parameters(seed=0), example_for(net)
    else:
        params, (x, y, row) = exercise_params(net, EXERCISE_SEED), example_for(net, EXERCISE_SEED)
    rate = float(net.training.get("learning_rate", 0.1))
    work = worked_example(full, params, x, y, rate)
    table, total, macs = _table(net)
    blank = sheet == "questions"
    derivations = []
    for kind, items in (("error term", shown.lemmas), ("gradient", shown.derivations)):
        for d in items:
            holes = sec.blanks(d) if sheet != "handout" else frozenset()
            derivations.append({
                "kind": kind, "target": sec.heading(m, d),
                "rows": sec.derivation_rows(m, d, layout, holes if blank else frozenset(),
                                            frozenset() if blank else holes)})
    scalar = bool(shown.derivations)
    return {
        "sheet": sheet, "name": text(net.name), "description": text(net.description),
        "sizes": " \\(\\to\\) ".join(str(s) for s in net.sizes) if not markdown
        else " → ".join(str(s) for s in net.sizes),
        "n_params": net.n_params, "notation": text(m.notation.key),
        "convention": m.notation.convention,
        "tikz": "" if markdown else network_tikz(m),
        "layers": [{k: text(str(v)) for k, v in r.items()} for r in table],
        "total": total, "macs": macs,
        "definitions": sec.equation_rows(m, list(m.definitions.items()), layout)
        if scalar else [],
        "nested": sec.equation_rows(m, list(zip(m.outputs, m.network_function(), strict=True)),
                                    layout) if scalar else [],
        "expanded": sec.equation_rows(m, [(a, m.expand(a)) for a in m.outputs], layout)
        if scalar and net.n_params <= EXPANDED_LIMIT else [],
        "loss": sec.equation_rows(m, [(m.loss_symbol, m.loss_expr)], layout),
        "loss_symbol": m.names["E"].latex, "loss_title": text(_loss_title(net)),
        "reduce_examples": net.loss.reduce_examples,
        "derivations": derivations, "all_params": len(shown.derivations) == net.n_params,
        "delta": sec.delta_rows(shown, layout),
        "code": _code_rows(shown, implementation or {}, markdown),
        "code_scale": any("scale" in line for lines in (implementation or {}).values()
                          for line in lines),
        "stable": stable_notes(m), "notes": [text(n) for n in shown.notes],
        "verified": text(_verified(shown)),
        "work": _work_context(full, work, layout, row), "rate": sec.fmt(rate),
        "compare": _compare_context(comparison, markdown)
        if comparison and sheet == "handout" else None,
        "lessons": _lessons_context(lessons, markdown) if lessons and sheet == "handout"
        else None,
    }


def _sci(value: float, markdown: bool) -> str:
    """``2.71e-16`` and ``1e-07`` (Markdown) or ``$2.71\\times 10^{-16}$`` and ``$10^{-7}$``
    (LaTeX)."""
    mantissa, _, exponent = f"{value:.2e}".partition("e")
    if markdown:
        return f"{value:.0e}" if mantissa == "1.00" else f"{value:.2e}"
    power = f"10^{{{int(exponent)}}}"
    return f"${power}$" if mantissa == "1.00" else rf"${mantissa}\times {power}$"


def _compare_context(data: dict, markdown: bool) -> dict:
    """Measured numbers laid out as strings. ``data`` is plain data: ``point`` (text);
    ``methods``, each ``{name, step, abs_error, rel_error, evaluations, seconds}`` (errors
    None for the reference); ``best``, each ``{name, step, rel_error}``; ``targets``, each
    ``{what, relative_error, target, met}``; ``skipped`` (names); ``plots``, each
    ``{file, caption}`` with ``file`` a name beside the sheet."""
    text = md_text if markdown else tex_text
    methods = []
    for m in data["methods"]:
        step = f" (h = {_sci(m['step'], markdown)})" if m.get("step") else ""
        errors = ([text("—")] * 2 if m["abs_error"] is None else
                  [_sci(m["abs_error"], markdown), _sci(m["rel_error"], markdown)])
        methods.append([text(m["name"]) + step, *errors, text(m["evaluations"]),
                        f"{m['seconds'] * 1e3:.3f}"])
    return {
        "point": text(data["point"]), "methods": methods,
        "best": [{"name": text(b["name"]), "step": _sci(b["step"], markdown),
                  "error": _sci(b["rel_error"], markdown)} for b in data["best"]],
        "targets": [{"what": text(t["what"]), "error": _sci(t["relative_error"], markdown),
                     "target": _sci(t["target"], markdown), "met": t["met"]}
                    for t in data["targets"]],
        "skipped": text(", ".join(data["skipped"])),
        "plots": [{"file": p["file"], "caption": text(p["caption"])} for p in data["plots"]],
    }


def _lessons_context(data: dict, markdown: bool) -> dict:
    """The training section laid out as strings. ``data`` is plain data: ``plots``, each
    ``{file, title, sentences}`` with ``file`` a name beside the sheet; a title and each
    sentence are lists of parts, plain text or ``{"math": LaTeX}``."""
    text = md_text if markdown else tex_text

    def laid(parts: list) -> str:
        return "".join(f"${p['math']}$" if isinstance(p, dict) else text(p) for p in parts)

    return {"plots": [{"file": p["file"], "title": laid(p["title"]),
                       "text": " ".join(laid(s) for s in p["sentences"])}
                      for p in data["plots"]]}


def _code_rows(report: Report, implementation: dict[str, list[str]],
               markdown: bool) -> list[dict]:
    """Each delta-form equation's left side beside the module lines that compute it."""
    rows = []
    for eq in report.equations:
        lines = implementation.get(eq.lhs.key, [])
        if lines:
            names = report.model.names
            left = (rf"\partial {names['E'].latex}/\partial {names[eq.lhs.key].latex}"
                    if isinstance(eq.lhs, Grad)
                    else equation_latex(eq, report.model).partition(" &= ")[0])
            rows.append({"lhs": left, "lines": lines if markdown else
                         [code_tex(line) for line in lines]})
    return rows


def _loss_title(net: Network) -> str:
    from derive.losses import get_loss

    return get_loss(net.loss.kind).title


def _work_context(full: Report, work, layout: sec.Layout, row: int | None) -> dict:
    m = full.model
    inputs = [f"x[{i}]" for i in range(len(m.net.inputs))]
    targets = [f"y[{k}]" for k in range(len(m.net.targets))]
    last = len(m.net.layers)
    outputs = [f"a{last}[{j}]" for j in range(len(m.net.targets))]
    return {
        "by_hand": work.by_hand, "row": row,
        "given": (sec.matrix_rows(m, work.params) + sec.vector_rows(m, inputs, work.x)
                  + sec.vector_rows(m, targets, work.y)),
        "forward": sec.forward_rows(m, work, layout) if work.by_hand else [],
        "output": sec.vector_rows(m, outputs, work.output),
        "loss": sec.fmt(work.loss), "float64_loss": f"{work.float64_loss:.4f}",
        "errors": sec.error_rows(m, work),
        "gradients": sec.matrix_rows(m, work.gradients, "gradient"),
        "updated": sec.matrix_rows(m, work.updated, "update"),
        "output_bias": m.names[f"b{last}"].latex if m.net.layers[-1].bias else "",
    }


def render(net: Network, notation: str | None = None, wrt: list[str] | None = None,
           sheet: str = "handout", markdown: bool = False,
           implementation: dict[str, list[str]] | None = None,
           comparison: dict | None = None, lessons: dict | None = None) -> str:
    """One sheet as LaTeX (or Markdown); see the module docstring."""
    if sheet not in SHEETS:
        raise ValueError(f"sheet must be one of {SHEETS}")
    template = ENV.get_template("handout.md.j2" if markdown else "handout.tex.j2")
    return template.render(**context(net, notation, wrt, sheet, markdown, implementation,
                                     comparison, lessons))


def files(net: Network, notation: str | None = None, wrt: list[str] | None = None,
          exercises: bool = False, markdown: bool = False,
          implementation: dict[str, list[str]] | None = None,
          comparison: dict | None = None, lessons: dict | None = None) -> dict[str, str]:
    """File name → text of the handout (and, with ``exercises``, its two exercise sheets)."""
    suffix = ".md" if markdown else ".tex"
    sheets = SHEETS if exercises else SHEETS[:1]
    return {net.name + ("" if s == "handout" else f"-{s}") + suffix:
            render(net, notation, wrt, s, markdown, implementation, comparison, lessons)
            for s in sheets}
