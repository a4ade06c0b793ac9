"""The errors chainrule raises on purpose; the command line turns each into one line on stderr.

Contract: every problem with the user's input is a ``ChainruleError`` whose message says what
is wrong and how to fix it. Anything else escaping is a bug in chainrule.
"""


class ChainruleError(Exception):
    """Base of the errors that reach the user as one line."""


class SpecError(ChainruleError):
    """A network spec, parameter file or data that cannot be used as given."""


class LimitError(ChainruleError):
    """A request too large for the chosen route (e.g. scalar derivations of a wide network)."""


class VerificationError(ChainruleError):
    """A derived result the independent check (``derive.verify``) refutes; never printed."""


def entry(table: dict, key: object, what: str):
    """``table[key]``, or a ``SpecError`` naming ``what`` was asked for and the known keys:
    how every registry (activations, losses, notations) answers an unknown name."""
    try:
        return table[key]
    except (KeyError, TypeError):
        raise SpecError(f"unknown {what} {key!r}; use one of: {', '.join(table)}") from None


def by_name(entries: list) -> dict:
    """A registry table: each entry under its ``name``, in order; a repeated name is a bug."""
    table = {e.name: e for e in entries}
    assert len(table) == len(entries), "two registry entries share a name"
    return table
