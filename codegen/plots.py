"""The two comparison plots, as PNG bytes: error against step, and time against size.

Contract: ``step_plot(comparison)`` draws, for each numeric method, the relative gradient error
‖g − r‖∞/‖r‖∞ against the step h on log–log axes (the V of truncation against rounding), each
method's best step circled and named in the legend, and the level the exact methods reach for scale.
``scaling_plot(comparisons)`` draws time per full gradient against the parameter count for
every method over networks of growing width. Both use matplotlib's Agg backend and return PNG
bytes with no varying metadata (no software version, no date), so the same numbers give the
same file; callers write them (atomically) where they like.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

from codegen.compare import Comparison  # noqa: E402

STYLE = {"forward difference": ("tab:orange", "o"), "central difference": ("tab:blue", "s"),
         "complex step": ("tab:green", "^"), "generated NumPy module": ("tab:purple", "D"),
         "mpmath, 50 digits (reference)": ("tab:gray", "x"), "autograd": ("tab:red", "v"),
         "PyTorch": ("tab:brown", "P"), "JAX": ("tab:pink", "*")}


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def step_plot(comparison: Comparison) -> bytes:
    """Relative error of the numeric methods against step size, best steps marked."""
    fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")
    for name, errors in comparison.sweep.items():
        color, marker = STYLE[name]
        step, best = comparison.best_step(name)
        floored = [max(e, 1e-17) for e in errors]
        ax.loglog(comparison.steps, floored, marker=marker, color=color,
                  label=f"{name} (best h = {step:.0e}, error {best:.1e})")
        ax.scatter([step], [max(best, 1e-17)], s=160, facecolors="none", edgecolors=color,
                   linewidths=2, zorder=3)
    exact = [m.rel_error for m in comparison.methods if m.kind in ("symbolic", "automatic")]
    if exact:
        ax.axhline(max(max(exact), 1e-17), color="black", linestyle=":", linewidth=1,
                   label=f"symbolic and AD (worst {max(exact):.1e})")
    ax.set_xlabel("step h (for |θ| ≤ 1; scaled by |θ| above)")
    ax.set_ylabel("relative error  ‖g − g_ref‖∞ / ‖g_ref‖∞")
    ax.set_title(f"{comparison.name}: finite-difference error against step size "
                 f"({comparison.n_params} parameters)", fontsize=10)
    ax.invert_xaxis()
    ax.grid(True, which="major", alpha=0.3)
    fig.legend(fontsize=8, loc="outside lower center", ncols=2)  # off the plotted points
    return _png(fig)


def scaling_plot(comparisons: list[Comparison]) -> bytes:
    """Time per full gradient against parameter count, one line per method."""
    fig, ax = plt.subplots(figsize=(9.5, 4.8), layout="constrained")
    names = [m.name for m in comparisons[0].methods]
    for name in names:
        color, marker = STYLE.get(name, ("black", "."))
        points = [(c.n_params, c.method(name).seconds * 1e3) for c in comparisons
                  if any(m.name == name for m in c.methods)]
        xs, ys = zip(*points, strict=True)
        ax.loglog(xs, ys, marker=marker, color=color, label=name)
    counts = sorted({c.n_params for c in comparisons})
    ax.set_xticks(counts)  # one tick per measured network, not one per decade
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("parameters (hidden layers widened)")
    ax.set_ylabel("time per full gradient (ms)")
    ax.set_title(f"{comparisons[0].name}: cost of one gradient as the network widens",
                 fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    fig.legend(fontsize=8, loc="outside right upper")
    return _png(fig)
