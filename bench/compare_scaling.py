"""Time per gradient against parameter count: generated NumPy, AD, central differences.

Run ``python bench/compare_scaling.py [SPEC]`` (default or_gate): the spec's hidden layers are
widened by doublings and, for each width, one full gradient is timed by the generated NumPy
module, by each importable AD library and by central differences (vectorised over all
entries). Central differences need 2N loss evaluations, so their time grows with the parameter
count N; one backward pass does not, until the matrix products themselves dominate.
"""

from __future__ import annotations

import sys

from codegen.compare import compare_network, widened
from derive.spec import load

METHODS = ("generated NumPy module", "autograd", "PyTorch", "JAX", "central difference")


def main(spec: str = "or_gate") -> None:
    """Print one row per width: parameters, then milliseconds per gradient per method."""
    net = load(spec)
    rows = [compare_network(widened(net, w), sweep=False) for w in (2, 8, 32, 128, 512)]
    present = [m for m in METHODS if any(x.name == m for x in rows[0].methods)]
    print(f"{spec}: milliseconds per full gradient; the ratios are against the generated "
          "module")
    ratios = [m for m in present if m != "generated NumPy module"]
    print(f"{'params':>8}  " + "  ".join(f"{m:>22}" for m in present) + "  "
          + "  ".join(f"{m.split()[0] + ' ratio':>18}" for m in ratios))
    for c in rows:
        base = c.method("generated NumPy module").seconds
        cells = [f"{c.method(m).seconds * 1e3:>22.3f}" for m in present]
        cells += [f"{c.method(m).seconds / base:>18.1f}" for m in ratios]
        print(f"{c.n_params:>8}  " + "  ".join(cells))


if __name__ == "__main__":
    main(*sys.argv[1:2])
