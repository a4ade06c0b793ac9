"""How derivation cost grows with depth: chainrule's named intermediates against SymPy's diff.

For networks of width 3 and depth 1–6 (sigmoid units, squared error), times the derivation of
every ∂E/∂θ and counts the operations in the results (with the error-term lemmas they use),
beside SymPy differentiating the fully expanded loss directly. Prints a table and the growth
ratio of each route from one depth to the next. Run: ``python bench/derive_scaling.py``.
"""

from __future__ import annotations

import sys
import time

import sympy as sp

from derive.derivation import Deriver
from derive.network import Dense, Network
from derive.symbolic import Model

WIDTH = 3
BUDGET = 120.0  # seconds the direct route may take at one depth before deeper ones are skipped


def network(depth: int) -> Network:
    layers = [Dense(WIDTH, "sigmoid") for _ in range(depth - 1)] + [Dense(1, "sigmoid")]
    return Network(inputs=WIDTH, layers=layers, loss={"kind": "squared_error", "factor": 0.5})


def chainrule_route(model: Model) -> tuple[float, int]:
    start = time.perf_counter()
    deriver = Deriver(model)
    results = [deriver.derive(p).result for p in model.params]
    elapsed = time.perf_counter() - start
    ops = sum(sp.count_ops(r) for r in results)
    ops += sum(sp.count_ops(d.result) for d in deriver.lemmas.values())
    ops += sum(sp.count_ops(e) for e in model.definitions.values())
    return elapsed, ops


def direct_route(model: Model) -> tuple[float, int]:
    start = time.perf_counter()
    loss = model.expanded_loss
    results = [sp.diff(loss, p) for p in model.params]
    elapsed = time.perf_counter() - start
    return elapsed, sum(sp.count_ops(r) for r in results)


def main() -> int:
    print(f"{'depth':>5} {'params':>6} | {'chainrule s':>11} {'ops':>8} | "
          f"{'sympy.diff s':>12} {'ops':>12} | {'time ratio':>10}")
    previous = None
    skip = False
    for depth in range(1, 7):
        model = Model(network(depth))
        t_chain, ops_chain = chainrule_route(model)
        if skip:
            t_direct, ops_direct = float("nan"), -1
        else:
            t_direct, ops_direct = direct_route(model)
            skip = t_direct > BUDGET
        ratio = t_direct / t_chain if ops_direct >= 0 else float("nan")
        direct_ops = f"{ops_direct:>12}" if ops_direct >= 0 else f"{'skipped':>12}"
        print(f"{depth:>5} {model.net.n_params:>6} | {t_chain:>11.3f} {ops_chain:>8} | "
              f"{t_direct:>12.3f} {direct_ops} | {ratio:>10.1f}")
        if previous is not None:
            growth_chain = ops_chain / previous[0]
            growth_direct = ops_direct / previous[1] if ops_direct >= 0 else float("nan")
            print(f"{'':>14} ops growth: chainrule ×{growth_chain:.2f}, "
                  f"direct ×{growth_direct:.2f}")
        previous = (ops_chain, ops_direct)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
