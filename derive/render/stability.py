"""Notes on the numerically stable forms chainrule evaluates instead of the textbook ones.

Contract: ``stable_notes(model)`` returns one short note per stable form that evaluating this
network uses — read from the registries (an activation's ``stable`` differing from its
``define``; a loss whose ``fused_with`` is the output activation, with its ``from_logits``) —
each saying what was replaced, by what, and why. Notes are LaTeX-ready text with inline
``$…$`` maths, valid in Markdown (KaTeX/MathJax) too. Why a form is stable is prose that the
registries do not hold, so it lives in ``WHY`` here, keyed like the registries.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter

from derive.activations import get_activation
from derive.losses import LossSpec, fuses, get_loss
from derive.symbolic import Model

WHY = {
    "sigmoid": "$e^{-u}$ overflows float64 for $u < -709$, while $\\tanh$ saturates at "
               "$\\pm 1$ and never overflows; the two forms are equal for every $u$.",
    "softplus": "$e^{u}$ overflows float64 for $u > 709$, while "
                "$\\operatorname{logaddexp}(0, u) = \\max(0, u) + \\ln(1 + e^{-|u|})$ never does.",
    "softmax": "$e^{z_j}$ overflows for $z_j > 709$; subtracting "
               "$\\operatorname{logsumexp}(z)$ first leaves only exponents $\\le 0$.",
    "binary_cross_entropy": "the factor $a(1 - a)$ of the output's derivative cancels the "
                            "loss's $1/(a(1 - a))$, so no vanishing derivative is multiplied by "
                            "an exploding $1/a$; and $\\ln a$ would be $\\ln 0 = -\\infty$ "
                            "once $a$ rounds to 0 or 1.",
    "categorical_cross_entropy": "the softmax Jacobian cancels the loss's $1/a_j$ (the targets "
                                 "sum to 1), and $\\ln a_j$ would be $-\\infty$ once $a_j$ "
                                 "underflows.",
}
# The form the generated NumPy module computes, where it differs from the registry's stable
# form: one note per form the emitted code uses.
EMITTED = {"sigmoid": r"\bigl(1 + \tanh(u/2)\bigr)/2"}


class _Tex(LatexPrinter):
    def _print_logaddexp(self, expr, exp=None):
        a, b = (self._print(x) for x in expr.args)
        return rf"\operatorname{{logaddexp}}({a}, {b})"

    def _print_Pow(self, expr):
        if expr.exp == -1:  # inline in a sentence: 1/(1 + e^{-u}), not a tiny fraction
            return rf"1/({self._print(expr.base)})"
        return super()._print_Pow(expr)


def _tex(expr) -> str:
    return _Tex({"order": "none", "fold_short_frac": True, "fold_frac_powers": True}).doprint(expr)


def stable_notes(model: Model) -> list[str]:
    """What chainrule evaluates in place of the textbook form, and why (module docstring)."""
    net = model.net
    notes = []
    out = get_activation(net.layers[-1].activation)
    loss = get_loss(net.loss.kind)
    k = len(net.targets)
    if fuses(loss.name, out.name):
        zs = sp.symbols(f"z_1:{k + 1}") if k > 1 else [sp.Symbol("z")]
        ys = sp.symbols(f"y_1:{k + 1}") if k > 1 else [sp.Symbol("y")]
        written = (_tex(loss.from_logits(list(zs), list(ys), LossSpec(loss.name)))
                   if k <= 3 else r"\sum_j y_j\,(\operatorname{logsumexp}(z) - z_j)")
        notes.append(f"{out.title.capitalize()} output with {loss.title}: the output error "
                     f"term simplifies to $\\delta = a - y$, which chainrule uses directly, "
                     f"and the loss is evaluated from the pre-activations as ${written}$. "
                     f"Why: {WHY.get(loss.name, '')}")
    u = sp.Symbol("u")
    seen = []
    for layer in net.layers:
        act = get_activation(layer.activation)
        if act.name in seen:
            continue
        seen.append(act.name)
        if not act.elementwise:
            notes.append(r"Softmax is evaluated as $a_j = \exp(z_j - "
                         r"\operatorname{logsumexp}(z))$ rather than "
                         rf"$e^{{z_j}} / \sum_k e^{{z_k}}$. Why: {WHY['softmax']}")
        elif act.stable(u) != act.define(u):
            fn = model.notation.function(act).latex
            form = EMITTED.get(act.name) or _tex(act.stable(u))
            notes.append(f"${fn}(u) = {_tex(act.define(u))}$ is computed as "
                         f"${form}$. Why: {WHY.get(act.name, '')}")
    return notes
