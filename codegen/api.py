"""The Python API of ``codegen``: a network's training module, its check, its comparison.

Contract: the three functions take a ``derive.Network`` (or, where said, a module or a spec)
and return plain results; nothing is written unless a path is given. Re-exported by
``codegen`` itself: ``from codegen import emit_module, check_module, compare_methods``.
"""

from __future__ import annotations

import types
from pathlib import Path

from codegen import check as checks
from codegen.compare import Comparison, compare_expression, compare_network
from codegen.emit import render
from codegen.files import write_atomic
from codegen.loader import load_source
from derive.network import Network


def emit_module(net: Network, path: str | Path | None = None) -> str:
    """The source of ``net``'s standalone NumPy module (``forward``, ``loss``, ``gradients``,
    ``train``, ``predict``); also written to ``path`` atomically when given. The same text as
    ``chainrule codegen``."""
    source = render(net)
    if path is not None:
        write_atomic(path, source)
    return source


def check_module(target: Network | types.ModuleType | str | Path,
                 seed: int = 0) -> checks.CheckReport:
    """Check a module's ``gradients`` against central differences and the complex step at a
    seeded random point. ``target`` is a ``Network`` (its module is generated in memory), an
    imported module, or a spec or ``.py`` module path. ``str(report)`` is what
    ``chainrule check`` prints; ``report.ok`` tells whether every tensor passed."""
    if isinstance(target, Network):
        return checks.check_module(load_source(render(target), target.name),
                                   target.name, seed, net=target)
    if isinstance(target, types.ModuleType):
        return checks.check_module(target, target.__name__, seed)
    return checks.check(target, seed)


def compare_methods(target, seed: int = 0, sweep: bool = True) -> Comparison:
    """Every differentiation method (the 50-digit reference, the generated module, finite
    differences, the complex step, automatic differentiation) at one seeded point of a
    ``Network`` or of a plain-expression report (``derive.expression.derive``); see
    ``codegen.compare``. ``sweep`` also runs the numeric methods over steps 10⁻¹ … 10⁻¹⁵.
    ``codegen.cli.compare.render_text(comparison, [])`` lays it out as ``chainrule compare``."""
    if isinstance(target, Network):
        return compare_network(target, seed, sweep)
    return compare_expression(target, seed)
