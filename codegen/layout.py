"""Laying generated calls out in lines, from their structure, as ``ruff format`` does.

Contract: a ``Call`` is a call (or a bracketed list, dict or tuple) printed on one line — it
is that string, so it prints, compares and runs as one — that also keeps its parts: what
comes before the opening bracket, the brackets, and its arguments (strings or ``Call``).
``layout(code, indent, lead, tail)`` returns ``code``'s lines within ``LINE`` columns, the
rule ruff format follows for a bracketed expression: the whole on one line if it fits; else
the arguments on one line of their own, indented four spaces, between the opening and the
closing line (not for a list or dict literal of more than one element, which ruff always
breaks an element a line); else a sole argument laid out the same way, on lines of its own,
or one argument a line, each laid out the same way, with a trailing comma. A ``Call`` whose
``head`` is empty is such a literal; one marked ``rows`` (a matrix) is broken a row a line
whenever the call holding it is.
``indent`` is the column the statement starts at, ``lead`` the characters before ``code`` on
its first line and ``tail`` those after it on its last; the lines after the first are
indented relative to ``indent``. A plain string is one line, as it is. ``text(...)`` joins
the lines, the later ones indented by ``indent`` spaces, for a template that places the first.
``wrap(line, width)`` breaks a comment or docstring line at spaces.
"""

from __future__ import annotations

import textwrap

LINE = 100  # ruff's line length in this project and in generated modules


class Call(str):
    """``head`` + ``brackets[0]`` + the arguments joined by ", " + ``brackets[1]``; ``rows``
    marks a matrix's list of rows, laid out a row a line whenever the call holding it is
    broken (its trailing comma keeps ruff format from joining the rows again)."""

    head: str
    args: tuple[str, ...]
    brackets: str
    rows: bool

    def __new__(cls, head: str, args, brackets: str = "()", rows: bool = False) -> Call:
        args = tuple(args)
        self = super().__new__(cls, f"{head}{brackets[0]}{', '.join(args)}{brackets[1]}")
        self.head, self.args, self.brackets, self.rows = head, args, brackets, rows
        return self


def layout(code: str, indent: int = 0, lead: int = 0, tail: int = 0) -> list[str]:
    """``code`` in lines as ruff format lays it out (see the module docstring)."""
    if indent + lead + len(code) + tail <= LINE or not isinstance(code, Call) or not code.args:
        return [str(code)]
    return _broken(code, indent)


def _broken(code: Call, indent: int) -> list[str]:
    """``code`` over several lines: its arguments on a line of their own, or one a line."""
    opening, closing = code.head + code.brackets[0], code.brackets[1]
    body, literal = ", ".join(code.args), not code.head
    rows = [isinstance(arg, Call) and arg.rows for arg in code.args]
    if indent + 4 + len(body) <= LINE and not (literal and len(code.args) > 1) \
            and not any(rows):
        return [opening, f"    {body}", closing]
    if len(code.args) == 1:  # a sole argument is broken itself, with no comma after it
        inner = _broken if rows[0] else layout
        return [opening, *(f"    {line}" for line in inner(code.args[0], indent + 4)), closing]
    lines = [opening]
    for arg, matrix in zip(code.args, rows, strict=True):
        inner = _broken(arg, indent + 4) if matrix else layout(arg, indent + 4, 0, 1)
        inner[-1] += ","
        lines += [f"    {line}" for line in inner]
    return [*lines, closing]


def text(code: str, indent: int = 0, lead: int = 0, tail: int = 0) -> str:
    """``layout``'s lines joined, every line after the first indented by ``indent`` spaces."""
    first, *rest = layout(code, indent, lead, tail)
    return "\n".join([first, *(" " * indent + line for line in rest)])


def wrap(line: str, width: int = 92) -> list[str]:
    """``line`` in lines of at most ``width``, the later ones indented four spaces, written
    with ASCII minus signs (ruff's RUF00x rules)."""
    line = line.replace("−", "-")
    return textwrap.wrap(line, width, subsequent_indent="    ", break_on_hyphens=False)
