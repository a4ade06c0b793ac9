"""Which lines of the lesson module implement which equation of the delta form.

Contract: ``implementation(net)`` returns, for each delta-form equation (keyed as
``derive.delta`` names what it defines: ``Z1``, ``A1``, ``D2``, ``W2``, ``b2``, …), the
statements of the lesson module (``codegen.lesson``) that compute it — taken from the
lowering (``codegen.lower``) and printed by the same printer, so what a handout shows beside
an equation is the line the module runs. Networks the generator refuses (threshold units)
raise its ``SpecError``.
"""

from __future__ import annotations

from codegen.lesson import statements
from derive.network import Network


def implementation(net: Network) -> dict[str, list[str]]:
    """Equation key → the lesson module's statements computing it."""
    net.trainable()
    forward, backward, _ = statements(net)
    lines: dict[str, list[str]] = {}
    for st in forward + backward:
        lines.setdefault(st["key"], []).append(f"{st['target']} = {st['code']}")
    return lines
