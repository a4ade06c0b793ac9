"""Renderers of a ``Report``: terminal text, Markdown, LaTeX and JSON.

Contract: each ``render_<format>(report) -> str`` walks the same report data — the network
function (named and expanded), the loss, every derivation step with its rule, the error-term
lemmas, the delta form and the verification — and differs only in spelling. Output is
deterministic: the same spec gives the same bytes.
"""

from __future__ import annotations

import json
import re

import sympy as sp

from derive.derivation import RULES
from derive.render.escape import tex_text
from derive.render.forms import WHERE, function_pairs
from derive.render.matrix import equation_latex, equation_text
from derive.render.printers import TexPrinter, TextPrinter
from derive.report import Report
from derive.symbolic import Partial
from derive.verify import WORK_DIGITS

NESTED_LIMIT = 1000  # symbols per output beyond which the nested network function is left out

RULE_TITLES = RULES  # the one table, read here by every renderer


def identity_of(step) -> str:
    """The derivative identity an activation-identity step uses (plain text), else ``""``."""
    if step.rule != "activation identity":
        return ""
    return step.detail.split(";")[0].removeprefix("chain rule with ").strip()


def rule_words(step) -> str:
    """The rule a step applies, named with the identity it uses: "chain rule, σ' = σ(1 − σ)"."""
    identity = identity_of(step)
    return f"{RULES[step.rule]}, {identity}" if identity else RULES[step.rule]


def _rest_of_detail(step) -> str:
    """The step's detail without what ``rule_words`` already says."""
    if step.rule != "activation identity":
        return step.detail
    return "; ".join(step.detail.split(";")[1:]).strip()


def citations(step, report: Report, printer) -> list[tuple[str, int]]:
    """(printed target, number) of each earlier result the step reuses and the report shows."""
    out = []
    for target in step.cites:
        n = report.number(target)
        if n is not None:
            out.append((printer.doprint(target), n))
    return out


_MATH = {"σ": r"\sigma", "θ": r"\theta", "δ": r"\delta", "∂": r"\partial ", "−": "-",
         "²": "^2", "·": r"\cdot ", "tanh": r"\tanh"}


def identity_tex(identity: str) -> str:
    """A derivative identity in LaTeX: "σ' = σ(1 − σ)" → ``$\\sigma' = \\sigma(1 - \\sigma)$``;
    words of two letters or more are set upright, a trailing clause as text."""
    head, sep, tail = identity.partition(", with ")
    head, paren, note = head.partition(" (")
    out = []
    for token in re.findall(r"[A-Za-z]{2,}|.", head):
        if token in _MATH:
            out.append(_MATH[token])
        elif len(token) > 1 and out and out[-1] == "_":  # a subscript: δ_mk
            out.append(f"{{{token}}}")
        elif len(token) > 1:
            out.append(rf"\operatorname{{{token}}}")
        else:
            out.append(_MATH.get(token, token))
    tex = "$" + "".join(out) + "$"
    if paren:
        tex += " " + tex_text("(" + note)
    if sep:
        tex += " with " + identity_tex(tail)
    return tex


def tag_tex(step, report: Report, lp) -> str:
    r"""A step's rule tag as LaTeX text: "chain rule, $\partial E/\partial t_z$ from (1)"."""
    identity = identity_of(step)
    parts = [tex_text(RULES[step.rule]) + (", " + identity_tex(identity) if identity else "")]
    cited = [(t, report.number(t)) for t in step.cites if report.number(t) is not None]
    if len(cited) == 1:
        target, n = cited[0]
        tex = (rf"\partial {lp.doprint(target.args[0])}/\partial {lp.doprint(target.args[1])}"
               if isinstance(target, Partial) else lp.doprint(target))
        parts.append(f"${tex}$ from ({n})")
    elif cited:  # several error terms: their numbers say which
        parts.append("from " + ", ".join(f"({n})" for _, n in cited))
    return ", ".join(parts)


def heading_text(report: Report, derivation, printer, number: int) -> str:
    """``(n) ∂E/∂θ`` or ``(n) error term δ``, in the printer's spelling."""
    target = printer.doprint(derivation.target)
    return f"({number}) " + (target if derivation.param is not None
                             else f"error term {target}")


def step_blocks(steps):
    """Consecutive steps with the same left side, as (lhs, [steps])."""
    blocks: list[tuple[sp.Expr, list]] = []
    for step in steps:
        if blocks and blocks[-1][0] == step.lhs:
            blocks[-1][1].append(step)
        else:
            blocks.append((step.lhs, [step]))
    return blocks


def nested_size(m) -> int:
    """Symbols in the largest output's nested form, counted over the one-level definitions
    (the nested form itself grows like width^depth, and so does printing it)."""
    size: dict[sp.Symbol, int] = {}
    for name, expr in m.definitions.items():
        size[name] = sum(size.get(s, 1) for s in expr.free_symbols)
    return max(size[a] for a in m.outputs)


def verified_line(report: Report) -> str:
    """The closing line on verification: what every result was checked against, the gap."""
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
        if nested_size(m) <= NESTED_LIMIT:
            out += ["", "Nested:", *_text_function(m, "nested", tp)]
        else:
            out += ["", f"Nested: not printed (over {NESTED_LIMIT} symbols per output)."]
        if net.n_params <= 40:
            out += ["", "Fully expanded:", *_text_function(m, "expanded", tp)]
    out += ["", f"Loss (one example): {tp.doprint(m.loss_symbol)} = {tp.doprint(m.output_loss)}"]
    for number, derivation in enumerate(report.sequence, start=1):
        out += ["", heading_text(report, derivation, tp, number) + ":"]
        out += _text_steps(derivation.steps, tp, report)
    out += ["", f"Delta form ({m.notation.layout}):"]
    out += [f"  {equation_text(eq, m)}" for eq in report.equations]
    out += [f"Note: {n}" for n in report.notes]
    if report.checks:
        out += ["", verified_line(report)]
    return "\n".join(out) + "\n"


def _text_function(m, form: str, tp: TextPrinter) -> list[str]:
    """The network function's lines in ``form`` (see ``forms.function_pairs``)."""
    outputs, where = function_pairs(m, form)
    lines = [f"  {tp.doprint(a)} = {tp.doprint(e)}" for a, e in outputs]
    if where:
        lines[-1] += ", where"
    return lines + [f"  {tp.doprint(z)} = {tp.doprint(e)}" for z, e in where]


def _text_steps(steps, tp: TextPrinter, report: Report) -> list[str]:
    lines = []
    for lhs, block in step_blocks(steps):
        left = tp.doprint(lhs)
        for i, step in enumerate(block):
            prefix = f"  {left} = " if i == 0 else " " * (len(left) + 3) + "= "
            words = [w for w in (_rest_of_detail(step),) if w]
            words += [f"{t} from ({n})" for t, n in citations(step, report, tp)]
            rule = rule_words(step) + (f": {'; '.join(words)}" if words else "")
            lines.append(f"{prefix}{tp.doprint(step.rhs)}    [{rule}]")
    return lines


# --- LaTeX and Markdown -------------------------------------------------------------------
def _tex_steps(steps, lp: TexPrinter, report: Report) -> list[str]:
    rows = []
    for lhs, block in step_blocks(steps):
        left = lp.doprint(lhs)
        for i, step in enumerate(block):
            rows.append(f"{left if i == 0 else ''} &= {lp.doprint(step.rhs)} "
                        f"&& \\text{{{tag_tex(step, report, lp)}}}")
    return rows


def _tex_sections(report: Report) -> list[tuple[str, list[str]]]:
    """(heading, aligned rows) for every part of the report, in LaTeX math."""
    m, lp = report.model, TexPrinter(report.model)
    sections = []
    if report.derivations:
        sections.append(("Network function", [f"{lp.doprint(s)} &= {lp.doprint(e)}"
                                              for s, e in m.definitions.items()]))
        if nested_size(m) <= NESTED_LIMIT:
            outputs, where = function_pairs(m, "nested")
            rows = [f"{lp.doprint(a)} &= {lp.doprint(e)}" for a, e in outputs]
            if where:
                rows[-1] += WHERE
            rows += [f"{lp.doprint(z)} &= {lp.doprint(e)}" for z, e in where]
            sections.append(("Nested", rows))
    sections.append(("Loss", [f"{lp.doprint(m.loss_symbol)} &= {lp.doprint(m.output_loss)}"]))
    for number, d in enumerate(report.sequence, start=1):
        title = f"${lp.doprint(d.target)}$"
        sections.append((f"({number}) " + (title if d.param is not None
                                            else f"Error term {title}"),
                         _tex_steps(d.steps, lp, report)))
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
        out.append(verified_line(report))
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
        out += ["", verified_line(report)]
    return "\n".join(out) + "\n"


# --- JSON --------------------------------------------------------------------------------
def _code(expr: sp.Expr) -> str:
    return sp.sstr(expr, order="none")


def _shown_result(derivation) -> sp.Expr:
    """The result as the last step writes it (lecture order), if that step has no ∂ left."""
    last = derivation.steps[-1].rhs
    return derivation.result if last.atoms(Partial) else last


def render_json(report: Report) -> str:
    """A list with one object per parameter: steps, result, definitions and symbols; for a
    report of the delta form alone (``derive --delta``), one object per delta equation: its
    role, layer, text and LaTeX."""
    m = report.model
    if not report.derivations:
        return json.dumps([{"role": eq.role, "layer": eq.layer, "text": equation_text(eq, m),
                            "latex": equation_latex(eq, m).replace(" &= ", " = ", 1)}
                           for eq in report.equations],
                          indent=2, ensure_ascii=False) + "\n"
    tp, lp = TextPrinter(m), TexPrinter(m)
    entries = []
    for derivation in report.derivations:
        steps = [{"rule": s.rule, "detail": s.detail,
                  "cites": [n for _, n in citations(s, report, tp)],
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
            "number": report.number(derivation.target),
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
