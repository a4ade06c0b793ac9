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
``statement(lead, code, indent, tail)`` lays out a statement whose expression ``code`` (one
line of ASCII Python, as the array printers print it) is too long, from its parsed structure:
its loosest operators and its brackets, as ruff format breaks them.
``wrap(line, width)`` breaks a comment or docstring line at spaces.
"""

from __future__ import annotations

import ast
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


# --- statements: an expression's operators and brackets, as ruff format breaks them ------
_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.FloorDiv: 2, ast.Mod: 2,
               ast.MatMult: 2}


class _Chain:
    """Operands joined by operators of one precedence: ``parts`` is operand, op, operand..."""

    def __init__(self, parts: list):
        self.parts = parts
        self.text = " ".join(p if isinstance(p, str) else p.text for p in parts)


class _Group:
    """A bracketed part: ``head`` (a call's function, or "" for parentheses), its items."""

    def __init__(self, head: str, items: list):
        self.head, self.items = head, items
        self.text = f"{head}({', '.join(i.text for i in items)})"


class _Leaf:
    """A part printed as it is."""

    def __init__(self, text: str):
        self.text = text


def _tree(src: str, node: ast.expr, wrapped: bool = True):
    """``node`` of ``src`` (one line) as chains, groups and leaves; ``wrapped``: look for
    parentheses around it (an operand's; a call's argument has none of its own)."""
    start, end = node.col_offset, node.end_col_offset  # the code is ASCII
    if wrapped and _wrapped(src, node):
        return _Group("", [_tree(src, node, False)])
    if isinstance(node, ast.BinOp) and type(node.op) in _PRECEDENCE:
        level, parts = _PRECEDENCE[type(node.op)], []
        while True:
            gap = src[node.left.end_col_offset:node.right.col_offset]
            parts[:0] = [gap.strip(" ()"), _tree(src, node.right)]
            left = node.left
            if not isinstance(left, ast.BinOp) or _PRECEDENCE.get(type(left.op)) != level \
                    or _wrapped(src, left):
                return _Chain([_tree(src, left), *parts])
            node = left
    if isinstance(node, ast.Call) and (node.args or node.keywords):
        args = sorted([*node.args, *node.keywords], key=lambda a: a.col_offset)
        return _Group(src[start:node.func.end_col_offset],
                      [_Leaf(src[a.col_offset:a.end_col_offset]) if isinstance(a, ast.keyword)
                       else _tree(src, a, False) for a in args])
    return _Leaf(src[start:end])


def _wrapped(src: str, node: ast.expr) -> bool:
    """Whether parentheses of its own enclose ``node`` in ``src``."""
    return src[:node.col_offset].rstrip().endswith("(") and \
        src[node.end_col_offset:].lstrip().startswith(")")


def statement(lead: str, code: str, indent: int = 4, tail: str = "") -> str:
    """``lead + code + tail`` (an assignment or ``return`` in a body at column ``indent``) as
    ruff format lays it out: on one line if it fits; else, when the expression has one
    operator of its loosest precedence and starts with parentheses or ends with brackets,
    no parentheses added and each bracketed part, from the left, broken if it does not fit;
    else the expression in parentheses of its own, broken at its loosest operators, one
    operand a line, each broken the same way if still too long."""
    if indent + len(lead) + len(code) + len(tail) <= LINE:
        return lead + code + tail
    tree = _tree(code, ast.parse(code, mode="eval").body, False)
    lines = _top(tree, indent, len(lead), len(tail))
    lines[0], lines[-1] = lead + lines[0], lines[-1] + tail
    return "\n".join([lines[0], *(" " * indent + line for line in lines[1:])])


def _top(tree, indent: int, lead: int, tail: int) -> list[str]:
    if indent + lead + len(tree.text) + tail <= LINE or isinstance(tree, _Leaf):
        return [tree.text]
    if isinstance(tree, _Group):
        return _bracketed(tree, indent, lead, tail)
    ends = [tree.parts[0], tree.parts[-1]]
    while isinstance(ends[0], _Chain):
        ends[0] = ends[0].parts[0]
    while isinstance(ends[1], _Chain):
        ends[1] = ends[1].parts[-1]
    # ruff keeps its own parentheses off when the loosest operator is alone and the
    # expression starts with parentheses (a call's name is no parenthesis) or ends with a
    # bracket: then its groups break where they must.
    starts = ends[0].text.startswith("(")
    if len(tree.parts) == 3 and _has_group(tree) and (starts or _bracket(ends[1])):
        return _natural(_flat(tree), indent, lead, tail)
    return ["(", *(f"    {line}" for line in _inside(tree, indent + 4, 0, 0)), ")"]


def _bracket(tree) -> bool:
    return isinstance(tree, _Group) and bool(tree.items)


def _flat(tree) -> list:
    """``tree`` as its text, but for its outermost groups, where the line may break."""
    if isinstance(tree, _Leaf):
        return [tree.text]
    if isinstance(tree, _Group):
        return [tree]
    out = []
    for part in tree.parts:
        out += [f" {part} "] if isinstance(part, str) else _flat(part)
    return out


def _natural(parts: list, indent: int, lead: int, tail: int) -> list[str]:
    """``parts`` (text and groups) with no parentheses added: each group, from the left,
    broken if it does not fit on its line with what follows up to the next group's bracket."""
    lines = [""]
    for i, part in enumerate(parts):
        if isinstance(part, str):
            lines[-1] += part
            continue
        rest, later = "", parts[i + 1:]
        for item in later:
            rest += item if isinstance(item, str) else item.head + "("
            if not isinstance(item, str):
                break
        else:
            rest += " " * tail
        column = indent + (lead if len(lines) == 1 else 0) + len(lines[-1])
        if column + len(part.text) + len(rest) <= LINE:
            lines[-1] += part.text
        else:
            broken = _bracketed(part, indent, 0, 0)
            lines[-1] += broken[0]
            lines += broken[1:]
    return lines


def _has_group(tree) -> bool:
    return isinstance(tree, _Group) or isinstance(tree, _Chain) and any(
        _has_group(p) for p in tree.parts if not isinstance(p, str))


def _inside(tree, indent: int, lead: int, tail: int) -> list[str]:
    """``tree`` within brackets, where operators may break a line."""
    if indent + lead + len(tree.text) + tail <= LINE or isinstance(tree, _Leaf):
        return [tree.text]
    if isinstance(tree, _Group):
        return _bracketed(tree, indent, lead, tail)
    parts, lines = tree.parts, []
    for i in range(0, len(parts), 2):
        op = f"{parts[i - 1]} " if i else ""
        sub = _inside(parts[i], indent, lead + len(op) if i == 0 else len(op),
                      tail if i == len(parts) - 1 else 0)
        lines += [op + sub[0], *sub[1:]]
    return lines


def _bracketed(group: _Group, indent: int, lead: int, tail: int) -> list[str]:
    """``group`` with its brackets broken: its items on a line of their own, or a sole item
    broken itself, or one item a line with a trailing comma."""
    body = ", ".join(item.text for item in group.items)
    opening = group.head + "("
    if indent + 4 + len(body) <= LINE:
        return [opening, f"    {body}", ")"]
    if len(group.items) == 1:
        return [opening, *(f"    {line}" for line in _inside(group.items[0], indent + 4, 0, 0)),
                ")"]
    lines = [opening]
    for item in group.items:
        inner = _inside(item, indent + 4, 0, 1)
        lines += [f"    {line}" for line in inner[:-1]] + [f"    {inner[-1]},"]
    return [*lines, ")"]
