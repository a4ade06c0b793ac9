"""The handout's mathematics as align rows: network function, derivations, matrix form, numbers.

Contract: every function returns LaTeX math rows (``lhs &= rhs``, joined by the template)
already broken to fit ``Layout.width`` units (see ``derive.render.breaking``), for LaTeX's
``align*`` or KaTeX's ``aligned`` (``Layout.markdown``: rule column written ``&\\quad``).
Derivation rows reuse ``document.step_blocks`` and ``RULE_TITLES``; a step listed in ``blank`` is
printed as an answer line (``\\blank``, defined by the templates) and a step in ``highlight``
in the ``solution`` colour. Nothing here reads files or builds prose beyond short labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from derive.derivation import Derivation
from derive.render.breaking import BreakingTexPrinter, mark, rows, tex_width, unmark
from derive.render.document import rule_words, step_blocks, tag_tex
from derive.render.escape import tex_text
from derive.render.forms import WHERE, function_pairs
from derive.render.matrix import equation_latex
from derive.render.printers import TexPrinter
from derive.render.worked import Worked
from derive.report import Report
from derive.symbolic import Model

MATRIX_ROWS, MATRIX_COLS = 10, 8


@dataclass(frozen=True)
class Layout:
    """Where rows go: the usable width in ``tex_width`` units and the target format."""

    width: float = 80.0
    markdown: bool = False

    @property
    def blank(self) -> str:
        """An answer line (the LaTeX templates define ``\\blank``; KaTeX has no macros)."""
        return r"\underline{\hspace{14em}}" if self.markdown else r"\blank"

    @property
    def colour(self) -> str:
        return "blue" if self.markdown else "solution"

    def rule(self, title: str) -> str:
        """The rule column for a tag in LaTeX text (see ``document.tag_tex``)."""
        if self.markdown:
            return rf" &\quad \text{{({title})}}"
        return rf" && \text{{\small {title}}}"


def fmt(value: float) -> str:
    """A number with 3 decimals, never −0.000."""
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text


def equation_rows(model: Model, pairs: list[tuple[sp.Expr, sp.Expr]], layout: Layout,
                  suffix: list[str] | None = None) -> list[str]:
    """``lhs = rhs`` rows for (lhs, rhs) pairs, broken to fit; ``suffix[i]`` ends pair i."""
    # a row's right side has most of the width: a fraction or e^{…} of over half of it still
    # fits a continuation line of its own
    bp = BreakingTexPrinter(model, inline=layout.width * 0.55)
    lefts = [unmark(bp.doprint(lhs)) for lhs, _ in pairs]
    room = layout.width - max((tex_width(s) for s in lefts), default=0) - 3
    out: list[str] = []
    for i, (left, (_, rhs)) in enumerate(zip(lefts, pairs, strict=True)):
        end = suffix[i] if suffix else ""
        out += rows(left, bp.doprint(rhs) + end, room - tex_width(end))
    return out


def function_rows(model: Model, form: str, layout: Layout) -> list[str]:
    """The network function in ``form`` (``nested`` or ``expanded``), broken to fit; a softmax
    output over its pre-activations, then each pre-activation (``forms.function_pairs``)."""
    outputs, where = function_pairs(model, form)
    if not where:
        return equation_rows(model, outputs, layout)
    ends = [""] * (len(outputs) - 1) + [WHERE]
    return equation_rows(model, outputs, layout, ends) + equation_rows(model, where, layout)


def derivation_rows(model: Model, derivation: Derivation, layout: Layout,
                    blank: frozenset[int] = frozenset(),
                    highlight: frozenset[int] = frozenset(),
                    report: Report | None = None, only_last: bool = False) -> list[str]:
    """One derivation, one step per (possibly broken) row, each tagged with its rule and the
    numbers of the earlier results it reuses (when ``report`` numbers them); with
    ``only_last``, the result alone (an answers-only key)."""
    if only_last:
        last = derivation.steps[-1]
        derivation = Derivation(last.lhs, [last], derivation.result, derivation.style,
                                derivation.param)
    bp = BreakingTexPrinter(model, inline=layout.width / 3)
    blocks = step_blocks(derivation.steps)
    lefts = [unmark(bp.doprint(lhs)) for lhs, _ in blocks]
    tp = TexPrinter(model)
    tags = {id(s): tag_tex(s, report, tp) if report else tex_text(rule_words(s))
            for s in derivation.steps}
    rule_room = 0 if layout.markdown else max(_text_width(t) * 0.85 for t in tags.values())
    room = layout.width - max(tex_width(s) for s in lefts) - rule_room - 8
    out: list[str] = []
    index = 0
    for left, (_, steps) in zip(lefts, blocks, strict=True):
        for k, step in enumerate(steps):
            lhs = left if k == 0 else ""
            tag = layout.rule(tags[id(step)])
            if index in blank:
                out.append(rf"{lhs} &= {layout.blank}{tag}")
            else:
                body = rows(lhs, bp.doprint(step.rhs), room, tag)
                if index in highlight:
                    body = [_colour(row, layout.colour) for row in body]
                out += body
            index += 1
    return out


def _text_width(tag: str) -> float:
    """Width of a rule tag (LaTeX text with inline maths) in ``tex_width`` units."""
    plain, maths = "", ""
    for i, part in enumerate(tag.split("$")):
        if i % 2:
            maths += part
        else:
            plain += part
    return tex_width(maths) + len(plain.replace("--", "-").replace(r"\sigma", "s")) * 0.9


def heading(model: Model, derivation: Derivation) -> str:
    """A derivation's title in inline maths: ∂E/∂θ as a slash, an error term as its symbol."""
    if derivation.param is None:
        return unmark(BreakingTexPrinter(model).doprint(derivation.target))
    return (rf"\partial {model.names['E'].latex} / "
            rf"\partial {model.name(derivation.param).latex}")


def _colour(row: str, colour: str) -> str:
    """A row with its right side (and continuation) in ``colour``."""
    head, sep, rest = row.partition("&")
    if rest.startswith("="):
        return rf"{head}&= \color{{{colour}}}{rest[1:]}"
    return rf"{head}{sep}\color{{{colour}}}{rest}"


def blanks(derivation: Derivation, level: str = "alternate") -> frozenset[int]:
    """The steps a question sheet leaves blank: ``alternate``, every second one and the
    result; ``results``, the result alone; ``all``, every line after the first."""
    n = len(derivation.steps)
    if level == "results":
        return frozenset({n - 1})
    if level == "all":
        return frozenset(range(1, n))
    return frozenset(i for i in range(1, n) if i % 2 == 1 or i == n - 1)


def entry_tex(model: Model, key: str) -> str:
    """A parameter's place in its matrix, in the notation's orientation: W^{(1)}_{21}."""
    head, _, rest = key.partition("[")
    index = [int(i) + 1 for i in rest.rstrip("]").split(",")]
    if model.notation.convention == "column":
        index.reverse()
    name = model.names[head].latex
    base = rf"\left({name}\right)" if "_" in name else name
    sep = "," if max(index) > 9 else ""
    return f"{base}_{{{sep.join(str(i) for i in index)}}}"


def mapping_rows(model: Model) -> tuple[str, list[str]]:
    """Which matrix entry each named scalar is (w_{x1} = W^{(1)}_{11}), four to a row.

    A name that is its entry (t_1 = t_1) is left out, and so is one that is its entry in lower
    case (w^{(1)}_{11} = W^{(1)}_{11}, or = \\mathbf{W}^{(1)}_{11}): the first such pair is
    returned apart, to stand for them all ("" when there is none)."""
    def plain(tex: str) -> str:
        for token in (r"\left", r"\right", r"\mathbf", "{", "}", " "):
            tex = tex.replace(token, "")
        return tex

    pairs = [(model.name(p).latex, entry_tex(model, model.canonical[p])) for p in model.params]
    cased = next((f"{name} = {entry}" for name, entry in pairs
                  if plain(name) != plain(entry) and plain(name) == plain(entry).lower()), "")
    parts = [f"{name} = {entry}" for name, entry in pairs
             if plain(name) not in (plain(entry), plain(entry).lower())]
    rows = ["&" + ", \\quad ".join(parts[i:i + 4]) for i in range(0, len(parts), 4)]
    return cased, rows


def scalar_rows(model: Model, params: dict[str, np.ndarray]) -> list[str]:
    """The parameters by their scalar names (w_{x1} = 0.089, …), four to a row."""
    parts = []
    for p in model.params:
        head, _, rest = model.canonical[p].partition("[")
        index = tuple(int(i) for i in rest.rstrip("]").split(","))
        parts.append(f"{model.name(p).latex} = {fmt(params[head][index])}")
    return ["&" + ", \\quad ".join(parts[i:i + 4]) for i in range(0, len(parts), 4)]


def delta_rows(report: Report, layout: Layout) -> list[str]:
    """The delta (backprop) equations, broken to fit."""
    out: list[str] = []
    for eq in report.equations:
        left, _, right = equation_latex(eq, report.model).partition(" &= ")
        out += rows(left, mark(right), layout.width - tex_width(left) - 3)
    return out


# --- numbers -----------------------------------------------------------------------------
def matrix_tex(values: np.ndarray, column: bool) -> str:
    """A parameter-shaped array in the notation's orientation, or a summary when large."""
    a = np.asarray(values, dtype=float)
    if a.ndim == 2 and column:
        a = a.T
    if a.ndim == 1:
        a = a.reshape(-1, 1) if column else a.reshape(1, -1)
    if a.size == 1:
        return fmt(a.ravel()[0])
    top = ""
    if a.shape[0] == 1 and a.shape[1] > MATRIX_COLS:
        a, top = a.T, r"^{\top}"  # a long row reads better standing up
    if a.shape[0] > MATRIX_ROWS or a.shape[1] > MATRIX_COLS:
        size = f"{a.size}" if 1 in a.shape else rf"{a.shape[0]} \times {a.shape[1]}"
        return (rf"\bigl[{size}\text{{ entries, largest }}"
                rf"|\cdot| = {fmt(np.abs(a).max())}\bigr]")
    body = r" \\ ".join(" & ".join(fmt(v) for v in row) for row in a)
    return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}{top}"


def matrix_rows(model: Model, arrays: dict[str, np.ndarray], kind: str = "value") -> list[str]:
    """One row per parameter matrix: its value, its gradient (``kind="gradient"``) or its
    gradient-descent update (``kind="update"``), in the notation's names and orientation."""
    column = model.notation.convention == "column"
    e = model.names["E"].latex
    out = []
    for key, value in arrays.items():
        name = model.names[key].latex
        left = {"value": name,
                "gradient": rf"\frac{{\partial {e}}}{{\partial {name}}}",
                "update": rf"{name} - \eta\,\frac{{\partial {e}}}{{\partial {name}}}"}[kind]
        out.append(rf"{left} &= {matrix_tex(value, column)}")
    return out


def vector_rows(model: Model, keys: list[str], values: np.ndarray, vector: str,
                rounded: bool = False) -> list[str]:
    """``x_1 = 0.3, x_2 = 1`` (data as given, or to three decimals when ``rounded``), 4 to a
    row; when many, one summary row headed by the ``vector``'s name (``X``, ``Y``, an output
    matrix): a sample is one row of it."""
    show = fmt if rounded else (lambda v: f"{v:g}")
    if len(keys) > 12:
        name = model.names[vector].latex
        return [rf"{name} &= \bigl[{len(keys)}\text{{ values from }}{show(values.min())}"
                rf"\text{{ to }}{show(values.max())}\bigr]"]
    parts = [rf"{model.names[k].latex} = {show(v)}" for k, v in zip(keys, values, strict=True)]
    lines = [", \\quad ".join(parts[i:i + 4]) for i in range(0, len(parts), 4)]
    return ["&" + line for line in lines]


def forward_rows(model: Model, work: Worked, layout: Layout) -> list[str]:
    """Each intermediate: its definition, then its value."""
    pairs = [(s, expr) for s, expr, _ in work.forward]
    ends = [f" = {fmt(v)}" for _, _, v in work.forward]
    return equation_rows(model, pairs, layout, ends)


def error_rows(model: Model, work: Worked) -> list[str]:
    """``δ_j = value`` rows of the error terms."""
    bp = BreakingTexPrinter(model)
    return [rf"{unmark(bp.doprint(s))} &= {fmt(v)}" for s, v in work.errors]
