"""The element-wise code of a network, derived from the registries and printed as NumPy.

Contract: ``network_code(net)`` returns a ``NetworkCode``: for each layer the statements that
compute its output into ``a{l}``; the statements computing the output delta ``delta{L}`` =
scale · ∂E/∂z_L, the ``reduce_examples`` mean's 1/n and the scalar ``scale`` (1 for the
gradient, −ε when training steps) folded into one final multiply; and the expression of the
total loss. The output delta is the first backward statement of ``codegen.lower.lower(net)``,
its element-wise parts (∂E/∂a, f′) the registry forms ``codegen.print_arrays`` gives every
printer; nothing here differentiates. The activations and the loss terms are
``ACTIVATIONS``/``LOSSES`` entries, vectorised over the outputs and rewritten for float safety
before printing; the loss terms are also printed as statements building them in ``delta{L}``
(whose sum is the loss; for terms r², r, summed as r · r) when they fill an (n, K) array;
nothing here is typed by hand. Array names: ``X`` (the first layer's input), ``Y`` (targets),
``z{l}``, ``a{l}``, ``delta{l}``, ``n`` (examples in the batch), and ``lse{L}`` when the output
layer is a softmax: ln Σ_k exp(z_k) of each row, which its forward statements leave behind so
that the loss reuses it instead of reducing z{L} again. ``factors(expr)`` prints a product's
factors, to be multiplied into an array one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.printing.precedence import PRECEDENCE

from codegen import sympy_code as sc
from codegen.lower import Named, lower
from codegen.print_arrays import ArrayPrinter
from derive import delta as d
from derive.activations import get_activation
from derive.losses import fuses, get_loss
from derive.network import Network

PRINTER = sc.NumpyPrinter()


@dataclass(frozen=True)
class LayerCode:
    """Printed code of one layer: the statements computing its output, and that output."""

    activation: str
    output: list[str]
    output_text: str


@dataclass(frozen=True)
class NetworkCode:
    """Printed code of a whole network's element-wise parts."""

    layers: list[LayerCode]
    q: str | None
    delta: list[str]
    delta_text: str
    delta_rule: str
    loss: str
    lse: str | None
    loss_into: list[str] | None = None
    residual: str | None = None


def _arrays(l: int) -> tuple[sp.Symbol, sp.Symbol]:
    return sp.Symbol(f"z{l}"), sp.Symbol(f"a{l}")


def _layer_code(net: Network, l: int) -> LayerCode:
    act = get_activation(net.layers[l - 1].activation)
    z, a = _arrays(l)
    if act.elementwise:
        output = sc.stabilize(act.stable(z))
    else:
        zs = sp.symbols(f"z_0:{net.layers[l - 1].units}")
        output = sc.vectorize(sc.stabilize(act.stable(list(zs))[0]), [{zk: z} for zk in zs])
    return LayerCode(
        activation=act.name,
        output=PRINTER.doprint_into(output, str(a), lse=_lse(net, l)),
        output_text=PRINTER.doprint(_named_lse(output, net, l)),
    )


def factors(expr: sp.Expr) -> list[str] | None:
    """The factors of a product of arrays, printed (multiplied in one at a time, they need
    no temporary for the product); None unless ``expr`` is such a product."""
    parts = sp.Mul.make_args(expr)
    if len(parts) < 2 or any(f.is_Number for f in parts):
        return None
    return [PRINTER.doprint(f) for f in parts]


def _lse(net: Network, l: int) -> str | None:
    """The name of layer l's row log-sum-exp array when it is a softmax, else None."""
    return None if get_activation(net.layers[l - 1].activation).elementwise else f"lse{l}"


def _named_lse(expr: sp.Expr, net: Network, l: int) -> sp.Expr:
    """``expr`` with layer l's row log-sum-exp written as its array ``lse{l}``, if it has one."""
    lse = _lse(net, l)
    return expr if lse is None else expr.xreplace({sc.RowLogSumExp(_arrays(l)[0]): sp.Symbol(lse)})


def _symbolic(node, printer: ArrayPrinter) -> sp.Expr:
    """An element-wise tree of the lowering as a vectorised SymPy expression (a per-example
    mean's 1/n left out: ``network_code`` folds it into the final multiply)."""
    match node:
        case d.Mat() | Named():
            return sp.Symbol(printer.code(node))
        case d.Had(a, b):
            return _symbolic(a, printer) * _symbolic(b, printer)
        case d.Sub(a, b):
            return _symbolic(a, printer) - _symbolic(b, printer)
        case d.Plus(a, b):
            return _symbolic(a, printer) + _symbolic(b, printer)
        case d.Scale(factor, x, _):
            return sp.nsimplify(factor) * _symbolic(x, printer)
        case d.Ident() | d.DLoss():
            return printer.symbolic(node)
    raise TypeError(f"no element-wise form for {node!r}")


def _output_delta(net: Network) -> tuple[sp.Expr, str, sp.Expr | None]:
    """δ_L = ∂E/∂z_L, the lowering's first backward statement, vectorised; the rule it
    follows; and, for a softmax with a loss it does not fuse with, q = a ⊙ ∂E/∂a, which δ_L
    then names ``q{L}``."""
    printer, last = ArrayPrinter(net), len(net.layers)
    node = lower(net).backward[0].rhs
    factor = 1
    if isinstance(node, d.Scale):
        factor, node = sp.nsimplify(node.factor), node.x
    A = sp.Symbol(f"a{last}")
    if isinstance(node, d.SoftmaxJvp):
        named = sp.Symbol(f"q{last}")
        rule = "q − a ⊙ Σ_k q_k with q = a ⊙ ∂E/∂a (softmax Jacobian-vector product)"
        return factor * (named - A * sc.Rowsum(named)), rule, printer.softmax_q(node.a, node.g)
    loss, act = get_loss(net.loss.kind), get_activation(net.layers[-1].activation)
    if fuses(loss.name, act.name):
        rule = f"{loss.name} fused with {act.name}: the derivatives cancel to a − y"
    else:
        rule = f"∂E/∂a ⊙ {act.name}'(z)"
    return factor * sc.cancel_outputs(_symbolic(node, printer), [A]), rule, None


def _total_loss(net: Network, outs, ys, zs, comps) -> sp.Expr:
    """Σ over examples and outputs of the loss terms, as one (n, K) or (n, 1) array."""
    loss, act = get_loss(net.loss.kind), get_activation(net.layers[-1].activation)
    if fuses(loss.name, act.name):
        example = loss.from_logits(zs, ys, net.loss)
    else:
        stable = act.stable(zs) if not act.elementwise else [act.stable(z) for z in zs]
        # ln a_k is taken of the stable form, so that ln σ(z) never meets an underflowed 0.
        example = loss.example(outs, ys, net.loss).replace(
            lambda e: isinstance(e, sp.log) and e.args[0] in outs,
            lambda e: sp.log(stable[outs.index(e.args[0])]),
        )
    terms = sc.vectorize(sc.stabilize(example), comps)
    # Summing every entry makes an outermost sum over outputs redundant: c Σ_k h_k → c h.
    coeff, rest = terms.as_coeff_Mul()
    if isinstance(rest, sc.Rowsum):
        terms = coeff * rest.args[0]
    return sc.stabilize(sp.factor_terms(terms))


def _loss_into(total: sp.Expr, last: int) -> tuple[list[str] | None, str | None]:
    """Statements building the loss terms in place in ``delta{last}``, which the loss may use
    until the backward pass fills it, and, when what they build is the r of terms r²
    (squared error), whose sum is r · r, r printed. None when the terms are not an (n, K) array (one
    number per row, after a sum over the outputs), which that array cannot hold."""
    outputs = {sp.Symbol("Y"), *_arrays(last)}
    if total.has(sc.Rowsum, sc.RowLogSumExp) or not total.free_symbols & outputs:
        return None, None
    target = f"delta{last}"
    if isinstance(total, sp.Pow) and total.exp == 2 and total.base.free_symbols & outputs:
        if not total.base.is_Atom:
            return PRINTER.doprint_into(total.base, target), PRINTER.doprint(total.base)
    return PRINTER.doprint_into(total, target), None


def network_code(net: Network) -> NetworkCode:
    """The printed element-wise code of ``net`` (see the module docstring)."""
    last = len(net.layers)
    units = net.layers[-1].units
    outs = list(sp.symbols(f"a_0:{units}"))
    ys = list(sp.symbols(f"y_0:{units}"))
    zs = list(sp.symbols(f"z_0:{units}"))
    z, a = _arrays(last)
    comps = [
        {ak: a, yk: sp.Symbol("Y"), zk: z} for ak, yk, zk in zip(outs, ys, zs, strict=True)
    ]
    delta, rule, q = _output_delta(net)
    # The constant factor of δ_L, the mean's 1/n and the caller's scale are one multiply
    # at the end: δ_L ← (c · scale / n) δ_L, so that training folds −ε into it for free.
    whole = sc.stabilize(sp.factor_terms(delta))
    coeff, core = whole.as_independent(*whole.free_symbols, as_Add=False)
    core = _named_lse(core, net, last)
    factor = coeff * sp.Symbol("scale")
    if net.loss.reduce_examples == "mean":
        delta, factor = delta / sp.Symbol("n"), factor / sp.Symbol("n")
    num, den = sp.fraction(factor)
    factor_text = PRINTER.doprint(num)
    if den != 1:
        factor_text += f" / {PRINTER.parenthesize(den, PRECEDENCE['Mul'])}"
    delta = sc.stabilize(sp.factor_terms(delta))
    total = _total_loss(net, outs, ys, zs, comps)
    # The forward pass has computed ln Σ_k exp(z_k) of each row of a softmax already.
    delta, total = _named_lse(delta, net, last), _named_lse(total, net, last)
    q = None if q is None else _named_lse(q, net, last)
    target = f"delta{last}"
    loss_into, residual = _loss_into(total, last)
    return NetworkCode(
        layers=[_layer_code(net, l) for l in range(1, last + 1)],
        q=None if q is None else PRINTER.doprint(sc.stabilize(sp.factor_terms(q))),
        delta=[*PRINTER.doprint_into(core, target), f"{target} *= {factor_text}"],
        delta_text=PRINTER.doprint(delta),
        delta_rule=rule,
        loss=PRINTER.doprint(total),
        lse=_lse(net, last),
        loss_into=loss_into,
        residual=residual,
    )
