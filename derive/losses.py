"""The loss registry: one entry per loss, read by derivation, evaluation, code and docs.

Contract: ``LOSSES[kind]`` builds the loss of one example from the output and target symbols
(``example``), says which output activations it accepts, and — for the pairs whose output
delta cancels to ``a − y`` — which activation it fuses with and a stable form in terms of the
pre-activations. ``LossSpec`` carries a spec's loss settings; the total loss over examples is
``reduce_examples`` (sum or mean) of the per-example losses. Exact formulas, with c the
``factor`` and R the output reduction (Σ_j or (1/K)Σ_j):

* squared_error:            c · R (a_j − y_j)²
* binary_cross_entropy:     c · R −[y_j ln a_j + (1 − y_j) ln(1 − a_j)]
* categorical_cross_entropy: −c · Σ_j y_j ln a_j            (targets sum to 1)
* exponential:              c · τ · exp(R (a_j − y_j)² / τ)
* hellinger:                c · R (√a_j − √y_j)² / √2
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp
from sympy.codegen.numpy_nodes import logaddexp

from derive.errors import SpecError, by_name, entry

Expr = sp.Expr
REDUCTIONS = ("sum", "mean")


@dataclass(frozen=True)
class LossSpec:
    """A spec's loss settings: which loss, its constant factor, and its two reductions."""

    kind: str = "squared_error"
    factor: sp.Rational = sp.Integer(1)
    reduce_outputs: str = "sum"
    reduce_examples: str = "sum"
    tau: sp.Rational = sp.Integer(1)

    def __post_init__(self) -> None:
        get_loss(self.kind)
        for key in ("reduce_outputs", "reduce_examples"):
            value = getattr(self, key)
            if value not in REDUCTIONS:
                raise SpecError(f"loss {key} is {value!r}; use 'sum' or 'mean'")
        if self.kind == "categorical_cross_entropy" and self.reduce_outputs != "sum":
            raise SpecError("categorical_cross_entropy sums over outputs; "
                            "set reduce_outputs = 'sum'")
        if not self.factor > 0 or not self.tau > 0:
            raise SpecError("loss factor and tau must be positive numbers")


def _reduce(terms: list[Expr], how: str) -> Expr:
    total = sp.Add(*terms)
    return total / len(terms) if how == "mean" else total


@dataclass(frozen=True)
class Loss:
    """One loss function.

    ``example(outs, targets, spec)`` is the loss of one example. ``rule`` names what
    differentiating it by an output uses. ``outputs`` lists the output activations it accepts
    (``None``: any). ``fused_with`` names the output activation whose delta cancels to
    ``a − y``; ``from_logits(zs, targets, spec)`` is then the same loss written stably in the
    pre-activations ``zs``.
    """

    name: str
    title: str
    example: Callable[[list[Expr], list[Expr], LossSpec], Expr]
    rule: str
    latex: str
    outputs: tuple[str, ...] | None = None
    fused_with: str | None = None
    from_logits: Callable[[list[Expr], list[Expr], LossSpec], Expr] | None = None
    note: str = ""


def _squared(outs, ys, spec):
    return spec.factor * _reduce([(a - y) ** 2 for a, y in zip(outs, ys, strict=True)],
                                 spec.reduce_outputs)


def _bce(outs, ys, spec):
    terms = [-(y * sp.log(a) + (1 - y) * sp.log(1 - a)) for a, y in zip(outs, ys, strict=True)]
    return spec.factor * _reduce(terms, spec.reduce_outputs)


def _bce_logits(zs, ys, spec):
    # −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = ln(1 + e^z) − y z, with ln(1 + e^z) as logaddexp.
    terms = [logaddexp(0, z) - y * z for z, y in zip(zs, ys, strict=True)]
    return spec.factor * _reduce(terms, spec.reduce_outputs)


def _cce(outs, ys, spec):
    return -spec.factor * sp.Add(*[y * sp.log(a) for a, y in zip(outs, ys, strict=True)])


def _cce_logits(zs, ys, spec):
    # −Σ y_j ln softmax_j(z) = Σ y_j (logsumexp(z) − z_j).
    lse = zs[0]
    for z in zs[1:]:
        lse = logaddexp(lse, z)
    return spec.factor * sp.Add(*[y * (lse - z) for z, y in zip(zs, ys, strict=True)])


def _exponential(outs, ys, spec):
    inner = _reduce([(a - y) ** 2 for a, y in zip(outs, ys, strict=True)], spec.reduce_outputs)
    return spec.factor * spec.tau * sp.exp(inner / spec.tau)


def _hellinger(outs, ys, spec):
    terms = [(sp.sqrt(a) - sp.sqrt(y)) ** 2 for a, y in zip(outs, ys, strict=True)]
    return spec.factor * _reduce(terms, spec.reduce_outputs) / sp.sqrt(2)


LOSSES: dict[str, Loss] = by_name(
    [
        Loss(
            name="squared_error",
            title="squared error",
            example=_squared,
            rule="power rule, chain rule",
            latex=r"c \cdot R_j\,(a_j - y_j)^2",
        ),
        Loss(
            name="binary_cross_entropy",
            title="binary cross-entropy",
            example=_bce,
            rule="logarithm rule, chain rule",
            latex=r"-c \cdot R_j\,\bigl[y_j \ln a_j + (1 - y_j)\ln(1 - a_j)\bigr]",
            outputs=("sigmoid",),
            fused_with="sigmoid",
            from_logits=_bce_logits,
        ),
        Loss(
            name="categorical_cross_entropy",
            title="categorical cross-entropy",
            example=_cce,
            rule="logarithm rule, chain rule",
            latex=r"-c \sum_j y_j \ln a_j",
            outputs=("softmax", "sigmoid"),
            fused_with="softmax",
            from_logits=_cce_logits,
            note="targets are taken to sum to 1 (one-hot or a distribution), which the "
            "cancellation to a − y uses",
        ),
        Loss(
            name="exponential",
            title="exponential cost",
            example=_exponential,
            rule="exponential rule, power rule, chain rule",
            latex=r"c\,\tau \exp\!\Bigl(\tfrac{1}{\tau} R_j\,(a_j - y_j)^2\Bigr)",
        ),
        Loss(
            name="hellinger",
            title="Hellinger distance",
            example=_hellinger,
            rule="power rule (√u = u^½), chain rule",
            latex=r"\tfrac{c}{\sqrt{2}}\, R_j\,\bigl(\sqrt{a_j} - \sqrt{y_j}\bigr)^2",
            outputs=("sigmoid", "softmax", "gaussian", "softplus"),
            note="needs positive outputs and non-negative targets",
        ),
    ]
)


def fuses(kind: str, activation: str) -> bool:
    """Whether loss ``kind`` after the output activation ``activation`` cancels to δ = a − y.

    The one place this is decided: derivation, the delta form, evaluation, stability notes and
    generated code all ask here. When it holds, the loss also has a stable ``from_logits``.
    """
    return get_loss(kind).fused_with == activation


def get_loss(kind: str) -> Loss:
    """The registry entry for ``kind``; a ``SpecError`` naming the known ones otherwise."""
    return entry(LOSSES, kind, "loss")
