"""Everything ``chainrule derive`` shows for one network, gathered and verified.

Contract: ``build(net, ...)`` resolves the parameters asked for (by the notation's name or the
canonical ``W1[0,1]``), derives each in the lecture's order (output layer first, each result
free to reuse those before it), numbers them in ``sequence`` (error terms just before the
first result that uses them), verifies every result against SymPy's diff (raising
``VerificationError`` on any gap) and returns a ``Report`` that renderers walk. Scalar
derivations refuse networks over ``max_params`` (``LimitError``); ``delta_only`` skips them
and keeps the matrix form, which serves any width.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from derive.delta import Equation, delta_form
from derive.derivation import DEFAULT_MAX_PARAMS, Derivation, Deriver, check_size
from derive.errors import SpecError
from derive.network import Network
from derive.symbolic import Model
from derive.verify import Check, verify


@dataclass
class Report:
    """A network's named and expanded function, its loss, derivations, lemmas and checks."""

    model: Model
    derivations: list[Derivation]
    lemmas: list[Derivation]
    checks: list[Check]
    equations: list[Equation]
    deriver: Deriver | None = None
    notes: list[str] = field(default_factory=list)
    sequence: list[Derivation] = field(default_factory=list)

    def number(self, target: sp.Expr) -> int | None:
        """The number (1, 2, …) under which ``target``'s derivation is shown, if it is."""
        for i, d in enumerate(self.sequence, start=1):
            if d.target == target:
                return i
        return None

    def definitions(self, derivation: Derivation) -> dict[sp.Symbol, sp.Expr]:
        """The intermediates a result uses, dependencies first, functions written out."""
        m = self.model
        lemma_results = {d.target: d.result for d in self.lemmas}
        needed: dict[sp.Symbol, sp.Expr] = {}
        todo = list(derivation.result.free_symbols)
        while todo:
            s = todo.pop()
            if s in needed:
                continue
            if s in lemma_results:
                needed[s] = lemma_results[s]
            elif s in m.definitions:
                needed[s] = m.functions_defined(m.definitions[s])
            else:
                continue
            todo += list(needed[s].free_symbols)
        order = [s for s in m.definitions] + [d for layer in reversed(m.deltas) for d in layer]
        return {s: needed[s] for s in order if s in needed}



def lecture_order(model: Model) -> list[sp.Symbol]:
    """Every parameter in the order a lecture derives them: output layer first, and in each
    layer unit by unit, the bias before the unit's incoming weights (t_z, w_1z, w_2z, t_1, …),
    so each result can reuse one derived before it."""
    order = []
    for l in range(len(model.net.layers), 0, -1):
        for j in range(model.net.layers[l - 1].units):
            if model.b[l][j] != 0:
                order.append(model.b[l][j])
            order += [row[j] for row in model.W[l]]
    return order


def resolve_params(model: Model, wrt: list[str] | None) -> list[sp.Symbol]:
    """Parameter symbols from names in the notation or canonical form, in the lecture's order
    (``lecture_order``); all when ``None``."""
    if not wrt:
        return lecture_order(model)
    by_name = {p.name: p for p in model.params}
    by_key = {model.canonical[p]: p for p in model.params}
    found = []
    for name in wrt:
        key = name.replace(" ", "")
        if name in by_name:
            found.append(by_name[name])
        elif key in by_key:
            found.append(by_key[key])
        else:
            sample = ", ".join(list(by_name)[:6])
            raise SpecError(f"no parameter {name!r} in {model.net.name}; use a name such as "
                            f"{sample} or a canonical entry such as W1[0,0]")
    rank = {p: i for i, p in enumerate(lecture_order(model))}
    return sorted(dict.fromkeys(found), key=rank.__getitem__)


def build(net: Network, notation: str | None = None, wrt: list[str] | None = None,
          max_params: int = DEFAULT_MAX_PARAMS, style: str = "auto",
          delta_only: bool = False, check: bool = True) -> Report:
    """Derive and verify what was asked for; see the module docstring."""
    if not delta_only:
        check_size(net, max_params)
    model = Model(net, notation)
    equations = delta_form(net)
    notes = [a.note for a in {model.activation_of(l) for l in range(1, len(net.layers) + 1)}
             if a.note]
    if delta_only:
        return Report(model, [], [], [], equations, None, sorted(notes))
    deriver = Deriver(model)
    params = resolve_params(model, wrt)
    derivations = [deriver.derive(p, style) for p in params]
    sequence: list[Derivation] = []
    shown: set[sp.Expr] = set()
    for derivation in derivations:
        for lemma in deriver.lemma_chain(derivation):
            if lemma.target not in shown:
                shown.add(lemma.target)
                sequence.append(lemma)
        sequence.append(derivation)
    lemmas = [d for d in sequence if d.param is None]
    checks = verify(deriver, derivations) if check else []
    return Report(model, derivations, lemmas, checks, equations, deriver, sorted(notes),
                  sequence)
