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
from derive.errors import SpecError
from derive.network import Network
from derive.render import sections as sec
from derive.render.document import NESTED_LIMIT, nested_size, verified_line
from derive.render.escape import code_tex, md_text, tex_text
from derive.render.matrix import equation_latex
from derive.render.paths import drawable, path_tikz
from derive.render.stability import stable_notes
from derive.render.tikz import network_tikz
from derive.render.worked import example_for, exercise_params, worked_example
from derive.report import Report, build

SHEETS = ("handout", "questions", "solutions", "answers")
LEVELS = ("alternate", "results", "all")  # which derivation lines a question sheet leaves blank
PARTS = ("derivations", "forward", "loss", "errors", "gradients", "update")  # what it asks
NAMED_SCALARS = 12  # list the named scalars beside the matrices up to this many parameters
ALL_PARAMS = 9  # derive every parameter up to this many; a per-layer subset above
EXPANDED_LIMIT = 40  # write the fully expanded function out up to this many parameters
EXPANDED_ROWS = 40  # … and up to this many lines, about a page
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


def parse_blank(items: list[str] | None) -> tuple[str, tuple[str, ...]]:
    """(level, parts) from ``--blank`` items: at most one of ``LEVELS`` (default
    ``alternate``: every second line and the result) and any of ``PARTS`` (default all)."""
    items = list(items or [])
    unknown = [i for i in items if i not in LEVELS + PARTS]
    if unknown:
        raise SpecError(f"--blank does not know {', '.join(unknown)}; use levels "
                        f"{', '.join(LEVELS)} and parts {', '.join(PARTS)}")
    levels = [i for i in items if i in LEVELS]
    if len(levels) > 1:
        raise SpecError(f"--blank takes one level, not {' and '.join(levels)}")
    parts = tuple(p for p in PARTS if p in items) or PARTS
    return (levels[0] if levels else "alternate"), parts


def context(net: Network, notation: str | None = None, wrt: list[str] | None = None,
            sheet: str = "handout", markdown: bool = False,
            implementation: dict[str, list[str]] | None = None,
            comparison: dict | None = None, lessons: dict | None = None,
            blank: list[str] | None = None, seed: int = EXERCISE_SEED) -> dict:
    """Everything the templates lay out, as strings, lists and numbers. ``implementation``
    maps delta-form equations (``Z1``, ``D2``, ``W2``, …) to the generated module's lines
    that compute them; the handout sets them side by side. ``comparison`` holds measured
    numbers of differentiation methods (see ``_compare_context``), ``lessons`` the training
    section's plots (see ``_lessons_context``); the handout (not the exercise sheets) gains a
    section laying out each. ``blank`` chooses what an exercise sheet asks
    (``parse_blank``); ``seed`` its parameters and example, one per variant."""
    level, parts = parse_blank(blank)
    shown, full = reports(net, notation, wrt)
    m = shown.model
    layout = sec.Layout(width=110.0 if markdown else 77.0, markdown=markdown)
    text = md_text if markdown else tex_text
    if sheet == "handout":
        params, (x, y, row) = net.parameters(seed=0), example_for(net)
    else:
        params, (x, y, row) = exercise_params(net, seed), example_for(net, seed)
    rate = float(net.training.get("learning_rate", 0.1))
    work = worked_example(full, params, x, y, rate)
    table, total, macs = _table(net)
    blank = sheet == "questions"
    paths = not markdown and sheet != "answers" and drawable(m)
    derivations = []
    for number, d in enumerate(shown.sequence, start=1):
        holes = sec.blanks(d, level) if sheet != "handout" else frozenset()
        rows = sec.derivation_rows(m, d, layout, holes if blank else frozenset(),
                                   frozenset() if blank else holes, shown)
        if sheet == "answers":
            rows = sec.derivation_rows(m, d, layout, report=shown, only_last=True)
        derivations.append({
            "kind": "error term" if d.param is None else "gradient", "number": number,
            "target": sec.heading(m, d), "rows": rows,
            "paths": path_tikz(m, d) if paths else ""})
    if sheet != "handout" and "derivations" not in parts:
        derivations = []
    scalar = bool(shown.derivations)
    nested_fits = scalar and nested_size(m) <= NESTED_LIMIT
    nested = sec.function_rows(m, "nested", layout) if nested_fits else []
    expanded = sec.function_rows(m, "expanded", layout) \
        if scalar and net.n_params <= EXPANDED_LIMIT else []
    if len(expanded) > EXPANDED_ROWS:  # longer than a page: the sheet says so instead
        expanded = []
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
        "nested": nested,
        "nested_limit": NESTED_LIMIT if scalar and not nested_fits else 0,
        "expanded": expanded if expanded != nested else [],
        "expanded_same": bool(expanded) and expanded == nested,
        "scalar_limit": DEFAULT_MAX_PARAMS,
        "loss": sec.equation_rows(m, [(m.loss_symbol, m.loss_expr)], layout),
        "loss_symbol": m.names["E"].latex, "loss_title": text(_loss_title(net)),
        "reduce_examples": net.loss.reduce_examples,
        "derivations": derivations, "all_params": len(shown.derivations) == net.n_params,
        "delta": sec.delta_rows(shown, layout),
        "code": _code_rows(shown, implementation or {}, markdown),
        "code_scale": any("scale" in line for lines in (implementation or {}).values()
                          for line in lines),
        "stable": stable_notes(m), "notes": [text(n) for n in shown.notes],
        "verified": text(verified_line(shown)),
        "work": _work_context(full, work, layout, row), "rate": sec.fmt(rate),
        "compare": _compare_context(comparison, markdown)
        if comparison and sheet == "handout" else None,
        "lessons": _lessons_context(lessons, markdown) if lessons and sheet == "handout"
        else None,
        **_mapping(m, net.n_params <= EXPANDED_LIMIT),
        "shapes": _shapes(m, markdown),
        "weight_order": _weight_order(m),
        "questions": _questions(work, parts, m.names["E"].latex, sec.fmt(rate)),
        "numbers": any(p in parts for p in PARTS[1:]),
    }


def _mapping(model, shown: bool) -> dict:
    """The parameter map (rows of name = entry; none unless ``shown``) and the sentence that
    leads it, which for names that are their entry in lower case says so once, by example."""
    example, rows = sec.mapping_rows(model) if shown else ("", [])
    lead = "Each named parameter is one entry of its matrix:" if rows else ""
    if example:
        lead = ("A parameter written as an entry of its matrix in lower case is that entry "
                f"(${example}$, and so on)" + ("; the others are:" if rows else "."))
    return {"mapping": rows, "mapping_lead": lead}


def _weight_order(model) -> str:
    """Which way a weight's indices run in this notation, said on one weight:
    "$w_{x1}$ runs from input $x$ to unit 1 of the first layer" (Keras' order in the default
    notation; Nielsen's book writes it the other way round)."""
    net = model.net
    j = net.layers[0].units - 1
    weight = model.names[f"W1[0,{j}]"].latex
    source = model.names["x[0]"].latex
    return f"${weight}$ runs from input ${source}$ to unit {j + 1} of the first layer"


def _shapes(model, markdown: bool) -> str:
    """The matrix form's shapes, ``$X$: $n \\times 2$, …`` (n examples in the rows; in the
    column convention one example, a column)."""
    net, names = model.net, model.names
    column = model.notation.convention == "column"
    times = " × " if markdown else r" \times "

    def shape(rows, cols) -> str:
        if column:  # one example: vectors stand as columns
            return f"${cols}{times}{1 if rows == 'n' else rows}$"
        return f"${rows}{times}{cols}$"

    items = [(names["X"].latex, shape("n", net.sizes[0]))]
    for l, layer in enumerate(net.layers, start=1):
        items.append((names[f"W{l}"].latex, shape(net.sizes[l - 1], layer.units)
                      if not column else f"${layer.units}{times}{net.sizes[l - 1]}$"))
        if layer.bias:
            items.append((names[f"b{l}"].latex, shape(1, layer.units)))
        for key in (f"Z{l}", f"A{l}", f"D{l}"):
            items.append((names[key].latex, shape("n", layer.units)))
    items.append((names["Y"].latex, shape("n", net.sizes[-1])))
    seen: dict[str, str] = {}
    for name, size in items:
        seen.setdefault(name, size)
    return ", ".join(f"${name}$: {size}" for name, size in seen.items())


def _questions(work, parts: tuple[str, ...], loss: str, rate: str) -> list[str]:
    """The numeric questions asked, in order; the template letters them (a), (b), …"""
    if not work.by_hand:
        return []
    asked = {
        "forward": "the forward pass: every intermediate of the network function, to three "
                   "decimals, each from the rounded values before it;",
        "loss": f"the loss ${loss}$ of this example;",
        "errors": r"the error terms $\delta$;" if work.errors else "",
        "gradients": rf"the gradient $\partial {loss} / \partial \theta$ for every parameter "
                     r"$\theta$ (each weight and bias in turn);",
        "update": r"the parameters after one gradient-descent step, "
                  rf"$\theta - \eta\, \partial {loss}/\partial\theta$ with $\eta = {rate}$.",
    }
    return [asked[p] for p in parts if p in asked and asked[p]]


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
        "by_hand": work.by_hand, "why_float64": work.why_float64, "row": row,
        "given": (sec.matrix_rows(m, work.params)
                  + (sec.scalar_rows(m, work.params) if m.net.n_params <= NAMED_SCALARS else [])
                  + sec.vector_rows(m, inputs, work.x, "X")
                  + sec.vector_rows(m, targets, work.y, "Y")),
        "forward": sec.forward_rows(m, work, layout) if work.by_hand else [],
        "output": sec.vector_rows(m, outputs, work.output, f"A{last}", rounded=True),
        "loss": sec.fmt(work.loss), "float64_loss": f"{work.float64_loss:.4f}",
        "errors": sec.error_rows(m, work),
        "gradients": sec.matrix_rows(m, work.gradients, "gradient"),
        "updated": sec.matrix_rows(m, work.updated, "update"),
        "output_bias": m.names[f"b{last}"].latex if m.net.layers[-1].bias else "",
    }


def render(net: Network, notation: str | None = None, wrt: list[str] | None = None,
           sheet: str = "handout", markdown: bool = False,
           implementation: dict[str, list[str]] | None = None,
           comparison: dict | None = None, lessons: dict | None = None,
           blank: list[str] | None = None, seed: int = EXERCISE_SEED) -> str:
    """One sheet as LaTeX (or Markdown); see the module docstring."""
    if sheet not in SHEETS:
        raise ValueError(f"sheet must be one of {SHEETS}")
    template = ENV.get_template("handout.md.j2" if markdown else "handout.tex.j2")
    return template.render(**context(net, notation, wrt, sheet, markdown, implementation,
                                     comparison, lessons, blank, seed))


def files(net: Network, notation: str | None = None, wrt: list[str] | None = None,
          exercises: bool = False, markdown: bool = False,
          implementation: dict[str, list[str]] | None = None,
          comparison: dict | None = None, lessons: dict | None = None,
          blank: list[str] | None = None, variants: int = 0,
          answers: bool = False) -> dict[str, str]:
    """File name → text of the handout and, with ``exercises``, its question and solution
    sheets (and with ``answers`` an answers-only key); with ``variants`` N, N seeded variants
    of those (``NAME-questions-v1`` …, variant k on seed k), each with its own solutions."""
    suffix = ".md" if markdown else ".tex"
    out = {net.name + suffix: render(net, notation, wrt, "handout", markdown, implementation,
                                     comparison, lessons)}
    sheets = ["questions", "solutions"] + (["answers"] if answers else [])
    runs = [("", EXERCISE_SEED)] if exercises and not variants else []
    runs += [(f"-v{k}", k) for k in range(1, variants + 1)]
    for tail, seed in runs:
        for sheet in sheets:
            out[f"{net.name}-{sheet}{tail}{suffix}"] = render(
                net, notation, wrt, sheet, markdown, implementation, None, None, blank, seed)
    return out
