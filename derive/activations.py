"""The activation registry: one entry per activation, read by every part of chainrule.

Contract: ``ACTIVATIONS[name]`` holds everything known about an activation — its SymPy
definition, its derivative identity (in terms of the unit's output where one exists), a
numerically stable form for float evaluation, its display symbols, and what it may be used
for. Derivation, rendering, numeric evaluation and code generation all read these entries;
adding an activation is adding one entry. ``get_activation`` turns an unknown name into a
``SpecError`` that lists the registered ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp
from sympy.codegen.numpy_nodes import logaddexp

from derive.errors import by_name, entry

Expr = sp.Expr


@dataclass(frozen=True)
class Activation:
    """One activation function.

    ``define(u)`` is the SymPy definition at argument ``u``. ``derivative(u, a)`` is the
    derivative identity, where ``a`` stands for the unit's output ``define(u)``; it is written
    in ``a`` alone when ``in_terms_of_output`` is true. ``stable(u)`` is an equal expression
    that float arithmetic evaluates without overflow, and whose logarithm stays exact (losses
    take ln of it). ``code(u)`` is the form generated code computes the output with (``stable``
    unless given): equal again, no overflow or warning for any finite u, and cheap;
    ``code_why`` says in one line why that form. Softmax is the one vector-valued entry
    (``elementwise`` false): its ``define``/``stable`` take the whole pre-activation vector and
    return the output vector, and ``partial`` gives the Jacobian entries.
    """

    name: str
    title: str
    latex: str
    text: str
    define: Callable[..., object]
    derivative: Callable[[Expr, Expr], Expr] | None
    stable: Callable[..., object]
    in_terms_of_output: bool
    identity_name: str
    elementwise: bool = True
    trainable: bool = True
    output_layer_only: bool = False
    note: str = ""
    code: Callable[..., object] | None = None
    code_why: str = ""

    def code_form(self, u):
        """The output as generated code computes it (see ``code``)."""
        return (self.code or self.stable)(u)

    def function(self) -> sp.FunctionClass:
        """The undefined SymPy function that stands for this activation in named forms."""
        return sp.Function(self.name)

    def partial(self, m: int, k: int, zs: list[Expr], outs: list[Expr]) -> Expr:
        """∂a_m/∂z_k, using the output symbols ``outs`` where the identity allows."""
        if self.elementwise:
            return self.derivative(zs[k], outs[k]) if m == k else sp.Integer(0)
        return outs[m] * ((1 if m == k else 0) - outs[k])


def _sigmoid(u: Expr) -> Expr:
    return 1 / (1 + sp.exp(-u))


def _softmax(zs: list[Expr]) -> list[Expr]:
    total = sp.Add(*[sp.exp(z) for z in zs])
    return [sp.exp(z) / total for z in zs]


def _softmax_stable(zs: list[Expr]) -> list[Expr]:
    # exp(z_k - logsumexp(z)): no term of the sum overflows.
    lse = zs[0]
    for z in zs[1:]:
        lse = logaddexp(lse, z)
    return [sp.exp(z - lse) for z in zs]


ACTIVATIONS: dict[str, Activation] = by_name(
    [
        Activation(
            name="identity",
            title="identity (linear)",
            latex=r"\operatorname{id}",
            text="id",
            define=lambda u: u,
            derivative=lambda u, a: sp.Integer(1),
            stable=lambda u: u,
            in_terms_of_output=True,
            identity_name="id' = 1",
        ),
        Activation(
            name="sigmoid",
            title="logistic sigmoid",
            latex=r"\sigma",
            text="σ",
            define=_sigmoid,
            derivative=lambda u, a: a * (1 - a),
            # exp(-log(1 + e^-u)) never overflows, for either sign of u.
            stable=lambda u: sp.exp(-logaddexp(0, -u)),
            in_terms_of_output=True,
            identity_name="σ' = σ(1 − σ)",
            # One transcendental call, no overflow or underflow for any u (the logaddexp form
            # needs two and underflows for u < −745); its relative precision is lost below
            # u ≈ −37, which is why losses take the log of ``stable``, never of this.
            code=lambda u: sp.Mul(sp.Add(sp.tanh(u / 2), 1), sp.Rational(1, 2), evaluate=False),
            code_why="as (1 + tanh(z/2))/2: one tanh, and no overflow for any z "
            "(the e^−z of 1/(1 + e^−z) overflows below z ≈ −709)",
        ),
        Activation(
            name="tanh",
            title="hyperbolic tangent",
            latex=r"\tanh",
            text="tanh",
            define=sp.tanh,
            derivative=lambda u, a: 1 - a**2,
            stable=sp.tanh,
            in_terms_of_output=True,
            identity_name="tanh' = 1 − tanh²",
        ),
        Activation(
            name="relu",
            title="rectified linear unit",
            latex=r"\operatorname{relu}",
            text="relu",
            define=lambda u: sp.Max(0, u),
            # H(u, 0): the derivative at u = 0 is taken as 0, as Keras and PyTorch do.
            derivative=lambda u, a: sp.Heaviside(u, 0),
            stable=lambda u: sp.Max(0, u),
            in_terms_of_output=False,
            identity_name="relu'(u) = H(u), with relu'(0) := 0",
            note="relu is not differentiable at 0; chainrule takes relu'(0) = 0, as Keras and "
            "PyTorch do.",
        ),
        Activation(
            name="softplus",
            title="softplus",
            latex=r"\operatorname{softplus}",
            text="softplus",
            define=lambda u: sp.log(1 + sp.exp(u)),
            derivative=lambda u, a: _sigmoid(u),
            stable=lambda u: logaddexp(0, u),
            code_why="as logaddexp(0, z): the e^z of ln(1 + e^z) overflows above z ≈ 709",
            in_terms_of_output=False,
            identity_name="softplus' = σ",
        ),
        Activation(
            name="gaussian",
            title="Gaussian (radial basis)",
            latex=r"\operatorname{gauss}",
            text="gauss",
            define=lambda u: sp.exp(-(u**2)),
            derivative=lambda u, a: -2 * u * a,
            stable=lambda u: sp.exp(-(u**2)),
            in_terms_of_output=False,
            identity_name="gauss'(u) = −2u·gauss(u)",
        ),
        Activation(
            name="threshold",
            title="threshold (step)",
            latex=r"\theta",
            text="θ",
            define=lambda u: sp.Heaviside(u, 1),
            derivative=lambda u, a: sp.Integer(0),
            stable=lambda u: sp.Heaviside(u, 1),
            in_terms_of_output=True,
            identity_name="θ' = 0 (wherever it exists)",
            trainable=False,
            note="the threshold's derivative is 0 wherever it exists (and undefined at 0), so "
            "gradient descent cannot train it.",
        ),
        Activation(
            name="softmax",
            title="softmax",
            latex=r"\operatorname{softmax}",
            text="softmax",
            define=_softmax,
            derivative=None,
            stable=_softmax_stable,
            in_terms_of_output=True,
            identity_name="∂a_m/∂z_k = a_m(δ_mk − a_k)",
            elementwise=False,
            output_layer_only=True,
        ),
    ]
)


def get_activation(name: str) -> Activation:
    """The registry entry for ``name``; a ``SpecError`` naming the known ones otherwise."""
    return entry(ACTIVATIONS, name, "activation")
