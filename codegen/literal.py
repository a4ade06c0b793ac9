"""The one way spec text reaches generated Python: as a safe literal, docstring or comment.

Contract: every piece of text that comes from a spec or the command line (description, spec
path, names, notation names in equations, training values) enters a generated module through
one of these functions, and through nothing else:

* ``py_string(text)`` — a double-quoted Python string literal whose value is exactly ``text``
  (``eval`` of it round-trips); quotes, backslashes and every character that is not printable
  (line breaks, NUL, U+2028, …) are escaped.
* ``docstring_text(text)`` — text to place inside a ``\"\"\"`` docstring so that the docstring's
  value holds exactly ``text``: a backslash or quote is escaped, so the text can neither close
  the docstring nor form an escape; non-printable characters are escaped as in a literal.
  Line breaks are kept only where ``multiline`` says so.
* ``comment_text(text)`` — text for after ``#``: one line, whatever ``text`` holds (every
  non-printable character, line breaks included, is written as its escape, visibly).
* ``comment_lines(text)`` — the same, wrapped over several comment lines.
* ``py_number(value)`` — the literal of a finite int or float, a bool or None; anything else
  (NaN, inf, strings) is a ``SpecError``.

The Jinja2 templates receive these as the filters ``pystr``, ``doc``, ``comment`` and
``pynum`` (``install(env)``), and lay no other spec text out.
"""

from __future__ import annotations

import math
import textwrap

from derive.errors import SpecError


def _escape_char(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _escaped(text: str, quote: bool, keep_newlines: bool = False) -> str:
    out = []
    for char in str(text):
        if char == "\\":
            out.append("\\\\")
        elif char == '"' and quote:
            out.append('\\"')
        elif char == "\n" and keep_newlines:
            out.append("\n")
        elif not char.isprintable():
            out.append(_escape_char(char))
        else:
            out.append(char)
    return "".join(out)


def py_string(text: str) -> str:
    """A double-quoted Python literal whose value is ``text``."""
    return '"' + _escaped(text, quote=True) + '"'


def docstring_text(text: str, multiline: bool = False) -> str:
    """``text`` for inside a triple-double-quoted docstring, its value kept exactly."""
    return _escaped(text, quote=True, keep_newlines=multiline)


def comment_text(text: str) -> str:
    """``text`` for after ``#``: one line that shows it, escapes and all."""
    return _escaped(text, quote=False)


def comment_lines(text: str, width: int = 90) -> list[str]:
    """``text`` as comment lines of at most ``width`` characters, broken at spaces only;
    each continuation line starts with two spaces."""
    lines = textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)
    return [comment_text(line) if i == 0 else "  " + comment_text(line)
            for i, line in enumerate(lines)]


def py_number(value: object) -> str:
    """The literal of a finite number, a bool or None; a ``SpecError`` for anything else."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float) and math.isfinite(value):
        return repr(float(value))
    raise SpecError(f"{value!r} is not a finite number; use one")


def install(env) -> None:
    """Register the four emitters as filters of a Jinja2 environment."""
    env.filters.update(pystr=py_string, doc=docstring_text, comment=comment_text, pynum=py_number)
