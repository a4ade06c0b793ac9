"""Which lines of a generated module implement which equation of the delta form.

Contract: ``implementation(net)`` renders the module ``codegen.emit`` would write for ``net``
and returns, for each delta-form equation (keyed as ``derive.delta`` names what it defines:
``Z1``, ``A1``, ``D2``, ``W2``, ``b2``, …), the statements of ``_forward`` and ``_backward``
that compute it, in order. A handout sets them beside the equations, so what is shown is
what is run. Networks the generator refuses (threshold units) raise its ``SpecError``.
"""

from __future__ import annotations

import re

from codegen.emit import render
from derive.network import Network

_TARGETS = [
    (re.compile(r"""grads\["([Wb]\d+)"\]"""), lambda m: m.group(1)),
    (re.compile(r"\bout=(z|a|delta)(\d+)\b"), lambda m: _key(m.group(1), m.group(2))),
    (re.compile(r"^(z|a|delta)(\d+)\s*[-+*/]?=(?!=)"), lambda m: _key(m.group(1), m.group(2))),
]


def _key(kind: str, layer: str) -> str:
    return {"z": "Z", "a": "A", "delta": "D"}[kind] + layer


_BINDING = re.compile(r"""^\w+ = (work|grads|p)\["\w+"\]$""")


def _body(source: str, function: str) -> list[str]:
    """The statements of one top-level function, joined across lines, without comments,
    docstring or the lines that only bind a work array to a local name."""
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"def {function}("))
    statements, pending, depth = [], "", 0
    for line in lines[start + 1:]:
        if line and not line[0].isspace() and not line.startswith(")"):
            break
        code = line.split("  #", 1)[0].strip()
        if not code or code.startswith(("#", '"""')):
            continue
        pending = f"{pending} {code}".strip() if depth else code
        depth += code.count("(") + code.count("[") - code.count(")") - code.count("]")
        if depth <= 0:
            depth = 0
            if not _BINDING.match(pending):
                statements.append(pending.replace("( ", "(").replace(", )", ")"))
    return statements


def implementation(net: Network) -> dict[str, list[str]]:
    """Equation key → the module's statements computing it (see the module docstring)."""
    source = render(net)
    found: dict[str, list[str]] = {}
    for function in ("_forward", "_backward"):
        for statement in _body(source, function):
            for pattern, key in _TARGETS:
                match = pattern.search(statement)
                if match:
                    found.setdefault(key(match), []).append(statement)
                    break
    return found
