"""The lessons' figures, drawn with matplotlib (Agg backend) from the lessons' data.

Contract: each ``*_figure`` function takes the data of one lesson module and returns a
``matplotlib.figure.Figure`` (for notebooks; the caller closes it) with a title, labelled axes
whose symbols are the notation's (w⁽¹⁾, b⁽¹⁾; w_x1, t_1 …, as mathtext) and a legend placed
outside the axes, so it covers no data. ``figure_bytes(fig, suffix)`` saves a figure as PNG,
PDF or SVG with no varying metadata (no software version, no date; SVG ids from a fixed
salt), so the same data give the same bytes.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from codegen.lessons.descent import Descent  # noqa: E402
from codegen.lessons.landscape import Landscape  # noqa: E402
from codegen.lessons.search import Search  # noqa: E402
from codegen.lessons.training import Boundary, Curve, Training  # noqa: E402
from derive.errors import SpecError  # noqa: E402

METADATA = {".png": {"Software": None},
            ".pdf": {"Creator": None, "Producer": None, "CreationDate": None},
            ".svg": {"Creator": None, "Date": None}}
COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown",
          "tab:pink", "tab:gray", "tab:olive", "tab:cyan", "navy", "maroon"]
SIZE = (8.0, 5.4)


def _figure(size=SIZE) -> tuple[Figure, plt.Axes]:
    fig = plt.figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _legend(fig: Figure) -> None:
    fig.legend(loc="outside lower center", ncols=2, fontsize=8)


def figure_bytes(fig: Figure, suffix: str = ".png") -> bytes:
    """``fig`` saved as PNG, PDF or SVG, the same bytes for the same figure."""
    if suffix not in METADATA:
        raise SpecError(f"plots are written as {', '.join(METADATA)}, not {suffix!r}")
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "chainrule"}):
        fig.savefig(buffer, format=suffix[1:], dpi=110, metadata=METADATA[suffix])
    return buffer.getvalue()


def close(figures: dict[str, Figure]) -> None:
    """Close figures that were not saved."""
    for fig in figures.values():
        plt.close(fig)


# --- descent on a function ------------------------------------------------------------------
def _run_label(run) -> str:
    clip = f", clipped at {run.clip:g}" if run.clip is not None else ""
    return f"γ = {run.rate:g}{clip}: {run.behaviour}"


def descent_figure(d: Descent) -> Figure:
    """f with each run's iterates joined (one variable), or its contours with the paths."""
    fig, ax = _figure()
    start = np.array(d.x0)
    shown = [r for r in d.runs if r.behaviour != "diverges"] or d.runs
    pts = np.concatenate([np.array(r.trace.points) for r in shown])
    pts = pts[np.all(np.abs(pts - start) <= 4 * max(1.0, np.abs(start).max()), axis=1)]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = 0.15 * np.maximum(hi - lo, 1.0)
    lo, hi = lo - pad, hi + pad
    symbols = [sp.Symbol(v) for v in d.variables]
    f = sp.lambdify(symbols, d.function, "numpy")
    formula = f"${d.output}({', '.join(d.variables)}) = {sp.latex(d.function)}$"
    with np.errstate(all="ignore"):
        if len(d.variables) == 1:
            xs = np.linspace(lo[0], hi[0], 400)
            ax.plot(xs, np.broadcast_to(f(xs), xs.shape), color="black", linewidth=1.2,
                    label=formula)
            for i, run in enumerate(d.runs):
                xk = [p[0] for p in run.trace.points]
                ax.plot(xk, run.trace.values, marker="o", markersize=4,
                        linestyle="--" if run.clip is not None else "-",
                        color=COLORS[i % len(COLORS)], label=_run_label(run))
            ax.set_xlim(lo[0], hi[0])
            top = np.nanmax(np.broadcast_to(f(xs), xs.shape))
            ax.set_ylim(min(0.0, np.nanmin(f(xs))) - 0.05 * abs(top), 1.1 * top)
            ax.set_xlabel(f"${d.variables[0]}$")
            ax.set_ylabel(f"${d.output}({d.variables[0]})$")
        else:
            gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
            contours = ax.contour(gx, gy, np.broadcast_to(f(gx, gy), gx.shape), levels=20,
                                  cmap="viridis", linewidths=0.8)
            fig.colorbar(contours, ax=ax, label=f"${d.output}$")
            for i, run in enumerate(d.runs):
                p = np.array(run.trace.points)
                ax.plot(p[:, 0], p[:, 1], marker="o", markersize=3,
                        linestyle="--" if run.clip is not None else "-",
                        color=COLORS[i % len(COLORS)], label=_run_label(run))
            ax.set_xlim(lo[0], hi[0])
            ax.set_ylim(lo[1], hi[1])
            ax.set_xlabel(f"${d.variables[0]}$")
            ax.set_ylabel(f"${d.variables[1]}$")
            ax.plot([], [], color="gray", linewidth=0.8, label=f"contours of {formula}")
    ax.set_title(f"Gradient descent from {_point(d)}, {d.steps} steps per rate γ",
                 fontsize=10)
    _legend(fig)
    return fig


def _point(d: Descent) -> str:
    names = ", ".join(d.variables)
    values = ", ".join(f"{c:g}" for c in d.x0)
    return f"$({names})_0 = ({values})$" if len(d.x0) > 1 else f"${names}_0 = {values}$"


# --- a network's cost surface ---------------------------------------------------------------
def _surface(fig: Figure, ax: plt.Axes, axis: np.ndarray, values: np.ndarray,
             cost: str) -> None:
    finite = values[np.isfinite(values)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    if hi <= lo:  # a flat surface still gets a (single-coloured) map
        lo, hi = lo - 0.5 * max(1.0, abs(lo)), hi + 0.5 * max(1.0, abs(hi))
    levels = np.linspace(lo, hi, 21)
    filled = ax.contourf(axis, axis, values, levels=levels, cmap="viridis", alpha=0.85)
    ax.contour(axis, axis, values, levels=levels, colors="white", linewidths=0.5)
    fig.colorbar(filled, ax=ax, label=f"cost {cost}")
    ax.set_xlim(axis[0], axis[-1])
    ax.set_ylim(axis[0], axis[-1])


def _path(ax: plt.Axes, points, label: str, color: str = "red") -> None:
    p = np.array(points)
    ax.plot(p[:, 0], p[:, 1], color=color, linewidth=1.5, marker=".", markersize=3,
            label=label)
    ax.plot(*p[0], marker="o", color=color, markersize=8, linestyle="none",
            markeredgecolor="black", label="start")
    ax.plot(*p[-1], marker="*", color=color, markersize=12, linestyle="none",
            markeredgecolor="black", label="end")


def landscape_figure(L: Landscape) -> Figure:
    """Contours of the cost over two parameters, the steepest-descent arrows, the path."""
    fig, ax = _figure((8.0, 7.6))
    _surface(fig, ax, L.axis, L.values, L.cost)
    ax.set_aspect("equal")  # so that the arrows stand perpendicular to the contours
    step = 0.6 * (L.axis[-1] - L.axis[0]) / 13
    ax.quiver(L.arrows[:, 0], L.arrows[:, 1], step * L.directions[:, 0],
              step * L.directions[:, 1], angles="xy", scale_units="xy", scale=1,
              color="black", width=0.003, label=f"$-\\nabla${L.cost} (direction)")
    if L.trace is not None:
        kind = "SGD" if L.path == "sgd" else f"SGD + momentum {L.momentum:g}"
        _path(ax, L.trace.points, f"{kind}, ε = {L.rate:g}, {len(L.trace.points) - 1} steps")
    ax.set_xlabel(L.labels[0])
    ax.set_ylabel(L.labels[1])
    held = f"{L.held} other parameters held" if L.held else "its only parameters"
    ax.set_title(f"{L.name}: cost {L.cost} over {L.labels[0]} and {L.labels[1]} ({held})",
                 fontsize=10)
    _legend(fig)
    return fig


def search_figure(S: Search) -> Figure:
    """Two parameters: the grid's points over its own contours, the random samples, the
    descent path and each method's best point."""
    if len(S.keys) != 2:
        raise SpecError("the search plot shows two parameters; give exactly two with --params")
    fig, ax = _figure((8.0, 7.0))
    axis = np.linspace(S.lo, S.hi, S.grid)
    _surface(fig, ax, axis, S.grid_values.reshape(S.grid, S.grid).T, S.cost)
    ax.scatter(S.grid_points[:, 0], S.grid_points[:, 1], s=6, color="white",
               edgecolors="black", linewidths=0.3, label=f"grid: {len(S.grid_points)} points")
    ax.scatter(S.samples[:, 0], S.samples[:, 1], s=6, color="orange", marker="x",
               linewidths=0.6, label=f"Monte Carlo: {len(S.samples)} samples")
    gd = S.method("gradient descent")
    _path(ax, S.trace.points, f"gradient descent: {len(S.trace.points) - 1} steps "
          f"({gd.evaluations} evaluations)")
    for m, marker in zip(S.methods, ("s", "D", "P"), strict=True):
        ax.plot(*m.best_point, marker=marker, markersize=9, color="cyan",
                markeredgecolor="black", linestyle="none",
                label=f"best of {m.name}: {m.best_cost:.4g}")
    pts = np.array(S.trace.points)
    for axis, limits in ((0, ax.set_xlim), (1, ax.set_ylim)):
        lo, hi = min(S.lo, pts[:, axis].min()), max(S.hi, pts[:, axis].max())
        limits(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))  # markers at the edge show whole
    ax.set_xlabel(S.labels[0])
    ax.set_ylabel(S.labels[1])
    ax.set_title(f"{S.name}: grid search, Monte Carlo and gradient descent, "
                 f"{S.budget} loss evaluations each", fontsize=10)
    _legend(fig)
    return fig


# --- training -------------------------------------------------------------------------------
def history_figure(T: Training) -> Figure:
    """The loss per epoch, as Keras' ``plt.plot(H.history['loss'])``."""
    fig, ax = _figure()
    epochs = np.arange(1, len(T.history) + 1)
    ax.plot(epochs, T.history, color="tab:blue", label=_settings_label(T.settings))
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"loss {T.cost} (mean over the epoch's batches)")
    ax.set_title(f"{T.name}: training loss per epoch", fontsize=10)
    ax.grid(True, alpha=0.3)
    _legend(fig)
    return fig


def _settings_label(s: dict) -> str:
    batch = "full batch" if s["batch_size"] is None else f"batch {s['batch_size']}"
    return f"ε = {s['learning_rate']:g}, momentum {s['momentum']:g}, {batch}"


TITLES = {"rates": "learning rates compared", "momentum": "SGD against SGD + momentum",
          "batch": "online (batch size 1) against full batch"}


def _fixed(kind: str, s: dict) -> str:
    """The settings a comparison holds fixed."""
    batch = "full batch" if s["batch_size"] is None else f"batch {s['batch_size']}"
    parts = {"rates": [f"momentum {s['momentum']:g}", batch],
             "momentum": [f"ε = {s['learning_rate']:g}", batch],
             "batch": [f"ε = {s['learning_rate']:g}", f"momentum {s['momentum']:g}"]}[kind]
    return ", ".join(parts + [f"{s['epochs']} epochs"])


def comparison_figure(name: str, kind: str, curves: list[Curve], cost: str) -> Figure:
    """Loss curves of several runs on one (logarithmic) axis."""
    fig, ax = _figure()
    for i, c in enumerate(curves):
        ax.semilogy(np.arange(1, len(c.history) + 1), c.history, color=COLORS[i % len(COLORS)],
                    label=c.label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"loss {cost} (log scale)")
    ax.set_title(f"{name}: {TITLES[kind]} ({_fixed(kind, curves[0].settings)})", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    _legend(fig)
    return fig


def boundary_figure(name: str, B: Boundary) -> Figure:
    """The data, coloured by class, over the trained network's output."""
    fig, ax = _figure((8.0, 6.4))
    if B.binary:
        filled = ax.contourf(B.x1, B.x2, B.output, levels=np.linspace(0, 1, 11), cmap="RdBu_r",
                             alpha=0.6)
        fig.colorbar(filled, ax=ax, label="network output (class 1 above 0.5)")
        ax.contour(B.x1, B.x2, B.output, levels=[0.5], colors="black", linewidths=1.5)
        ax.plot([], [], color="black", linewidth=1.5, label="decision boundary (output 0.5)")
    else:
        ax.contourf(B.x1, B.x2, B.output, levels=np.arange(B.output.max() + 2) - 0.5,
                    cmap="tab10", alpha=0.35)
    for k in np.unique(B.classes):
        rows = B.classes == k
        ax.scatter(B.X[rows, 0], B.X[rows, 1], s=18, color=COLORS[int(k) % len(COLORS)],
                   edgecolors="black", linewidths=0.4, label=f"class {k} ({rows.sum()} points)")
    ax.set_xlabel(B.inputs[0])
    ax.set_ylabel(B.inputs[1])
    ax.set_title(f"{name}: decision boundary of the trained network", fontsize=10)
    _legend(fig)
    return fig


def training_figures(T: Training) -> dict[str, Figure]:
    """Every figure of a training run: kind → figure."""
    figures = {"loss": history_figure(T)}
    if T.boundary is not None:
        figures["boundary"] = boundary_figure(T.name, T.boundary)
    for kind, curves in T.comparisons.items():
        figures[kind] = comparison_figure(T.name, kind, curves, T.cost)
    return figures
