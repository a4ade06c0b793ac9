"""Renderers of a ``Report``: terminal text, Markdown, LaTeX and JSON.

Contract: each ``render_<format>(report) -> str`` walks the same report data — the network
function (named and expanded), the loss, every derivation step with its rule, the error-term
lemmas, the delta form and the verification — and differs only in spelling. Output is
deterministic: the same spec gives the same bytes.
"""

from __future__ import annotations

import json

import sympy as sp

from derive.render.escape import tex_text
from derive.render.matrix import equation_latex, equation_text
from derive.render.printers import TexPrinter, TextPrinter
from derive.report import Report
from derive.symbolic import Partial
from derive.verify import WORK_DIGITS

NESTED_LIMIT = 1000  # symbols per output beyond which the nested network function is left out

RULE_TITLES = {
    "definition": "definition",
    "chain": "chain rule",
    "power": "power rule",
    "sum": "sum rule",
    "factor": "factor rule",
    "product": "product rule",
    "constant": "constant rule",
    "exponential": "exponential rule",
    "logarithm": "logarithm rule",
    "activation identity": "activation identity",
    "simplification": "simplification",
    "substitution": "substitution",
}


def _blocks(steps):
    """Consecutive steps with the same left side, as (lhs, [steps])."""
    blocks: list[tuple[sp.Expr, list]] = []
    for step in steps:
        if blocks and blocks[-1][0] == step.lhs:
            blocks[-1][1].append(step)
        else:
            blocks.append((step.lhs, [step]))
    return blocks


def _nested_size(m) -> int:
    """Symbols in the largest output's nested form, counted over the one-level definitions
    (the nested form itself grows like width^depth, and so does printing it)."""
    size: dict[sp.Symbol, int] = {}
    for name, expr in m.definitions.items():
        size[name] = sum(size.get(s, 1) for s in expr.free_symbols)
    return max(size[a] for a in m.outputs)


def _verified(report: Report) -> str:
    if not report.checks:
        return ""
    exact = ", and sympy.diff of the expanded loss symbolically" if all(
        c.symbolic for c in report.checks) else ""
    worst = max(c.gap for c in report.checks)
    return ("Verified: each result, error term and step equals the loss's derivative taken "
            f"numerically at two random points (central differences in {WORK_DIGITS} digits of the "
            f"network built from the spec){exact}; largest relative gap {worst:.1e}.")


# --- text --------------------------------------------------------------------------------
def render_text(report: Report) -> str:
    """Unicode text for a terminal."""
    m, tp = report.model, TextPrinter(report.model)
    net = m.net
    out = [f"{net.name}: {' → '.join(str(s) for s in net.sizes)}, {net.n_params} parameters, "
           f"notation {m.notation.key}"]
    if report.derivations:
        out += ["", "Network function (one definition per unit):"]
        out += [f"  {tp.doprint(s)} = {tp.doprint(e)}" for s, e in m.definitions.items()]
        if _nested_size(m) <= NESTED_LIMIT:
            out += ["", "Nested:"]
            out += [f"  {tp.doprint(a)} = {tp.doprint(e)}"
                    for a, e in zip(m.outputs, m.network_function(), strict=True)]
        else:
            out += ["", f"Nested: not printed (over {NESTED_LIMIT} symbols per output)."]
        if net.n_params <= 40:
            out += ["", "Fully expanded:"]
            out += [f"  {tp.doprint(a)} = {tp.doprint(m.expand(a))}" for a in m.outputs]
    out += ["", f"Loss (one example): {tp.doprint(m.loss_symbol)} = {tp.doprint(m.output_loss)}"]
    for lemma in report.lemmas:
        out += ["", f"Error term {tp.doprint(lemma.target)}:"] + _text_steps(lemma.steps, tp)
    for derivation in report.derivations:
        out += ["", f"{tp.doprint(derivation.target)}:"] + _text_steps(derivation.steps, tp)
    out += ["", "Delta form (" + ("column convention, one example" if
                                  m.notation.convention == "column" else
                                  "row convention, a batch in rows") + "):"]
    out += [f"  {equation_text(eq, m)}" for eq in report.equations]
    out += [f"Note: {n}" for n in report.notes]
    if report.checks:
        out += ["", _verified(report)]
    return "\n".join(out) + "\n"


def _text_steps(steps, tp: TextPrinter) -> list[str]:
    lines = []
    for lhs, block in _blocks(steps):
        left = tp.doprint(lhs)
        for i, step in enumerate(block):
            prefix = f"  {left} = " if i == 0 else " " * (len(left) + 3) + "= "
            rule = RULE_TITLES[step.rule] + (f": {step.detail}" if step.detail else "")
            lines.append(f"{prefix}{tp.doprint(step.rhs)}    [{rule}]")
    return lines


# --- LaTeX and Markdown -------------------------------------------------------------------
def _tex_steps(steps, lp: TexPrinter) -> list[str]:
    rows = []
    for lhs, block in _blocks(steps):
        left = lp.doprint(lhs)
        for i, step in enumerate(block):
            rule = RULE_TITLES[step.rule]
            rows.append(f"{left if i == 0 else ''} &= {lp.doprint(step.rhs)} "
                        f"&& \\text{{{rule}}}")
    return rows


def _tex_sections(report: Report) -> list[tuple[str, list[str]]]:
    """(heading, aligned rows) for every part of the report, in LaTeX math."""
    m, lp = report.model, TexPrinter(report.model)
    sections = []
    if report.derivations:
        sections.append(("Network function", [f"{lp.doprint(s)} &= {lp.doprint(e)}"
                                              for s, e in m.definitions.items()]))
        if _nested_size(m) <= NESTED_LIMIT:
            sections.append(("Nested", [f"{lp.doprint(a)} &= {lp.doprint(e)}" for a, e in
                                        zip(m.outputs, m.network_function(), strict=True)]))
    sections.append(("Loss", [f"{lp.doprint(m.loss_symbol)} &= {lp.doprint(m.output_loss)}"]))
    for lemma in report.lemmas:
        sections.append((f"Error term ${lp.doprint(lemma.target)}$", _tex_steps(lemma.steps, lp)))
    for derivation in report.derivations:
        sections.append((f"${lp.doprint(derivation.target)}$", _tex_steps(derivation.steps, lp)))
    sections.append(("Delta form", [equation_latex(eq, m) for eq in report.equations]))
    return sections


def render_latex(report: Report) -> str:
    """A LaTeX fragment (amsmath): one ``align*`` per part, rules in a right-hand column."""
    out = [f"% chainrule derive {report.model.net.name} --format latex"]
    for heading, rows in _tex_sections(report):
        out += [f"\\paragraph{{{heading}}}", "\\begin{align*}", " \\\\\n".join(rows),
                "\\end{align*}"]
    out += [f"Note: {tex_text(n)}\n" for n in report.notes]
    if report.checks:
        out.append(_verified(report))
    return "\n".join(out) + "\n"


def render_markdown(report: Report) -> str:
    """Markdown with ``$$\\begin{aligned}…$$`` blocks (GitHub, KaTeX and MathJax)."""
    net = report.model.net
    out = [f"# {net.name}", "",
           f"{' → '.join(str(s) for s in net.sizes)}, {net.n_params} parameters, notation "
           f"`{report.model.notation.key}`."]
    for heading, rows in _tex_sections(report):
        out += ["", f"## {heading}", "", "$$", "\\begin{aligned}",
                " \\\\\n".join(r.replace("&&", "&\\quad") for r in rows),
                "\\end{aligned}", "$$"]
    out += [f"\n*Note:* {n}" for n in report.notes]
    if report.checks:
        out += ["", _verified(report)]
    return "\n".join(out) + "\n"


# --- JSON --------------------------------------------------------------------------------
def _code(expr: sp.Expr) -> str:
    return sp.sstr(expr, order="none")


def _shown_result(derivation) -> sp.Expr:
    """The result as the last step writes it (lecture order), if that step has no ∂ left."""
    last = derivation.steps[-1].rhs
    return derivation.result if last.atoms(Partial) else last


def render_json(report: Report) -> str:
    """A list with one object per parameter: steps, result, definitions and symbols."""
    m = report.model
    tp, lp = TextPrinter(m), TexPrinter(m)
    entries = []
    for derivation in report.derivations:
        steps = [{"rule": s.rule, "detail": s.detail,
                  "latex": f"{lp.doprint(s.lhs)} = {lp.doprint(s.rhs)}",
                  "text": f"{tp.doprint(s.lhs)} = {tp.doprint(s.rhs)}"}
                 for s in derivation.steps]
        definitions = report.definitions(derivation)
        used = set(derivation.result.free_symbols)
        for expr in definitions.values():
            used |= expr.free_symbols
        symbols = {s.name: m.canonical[s] for s in sorted(used, key=str)
                   if m.canonical.get(s, "")[:1] in ("W", "b", "x", "y")
                   and s not in m.definitions}
        entries.append({
            "parameter": derivation.param.name,
            "canonical": m.canonical[derivation.param],
            "style": derivation.style,
            "steps": steps,
            "result": _code(_shown_result(derivation)),
            "definitions": {s.name: _code(e) for s, e in definitions.items()},
            "symbols": symbols,
        })
    for entry in entries:
        entry["notes"] = list(report.notes)
    return json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
