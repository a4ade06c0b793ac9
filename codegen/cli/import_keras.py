"""The ``import-keras`` subcommand: a Keras model written out as a chainrule spec (TOML).

Contract: ``COMMAND`` adds ``import-keras``; its ``func`` reads a ``.keras``
archive or a ``model.to_json()`` file with ``derive.keras``, validates the result as a
``Network``, and writes the spec TOML to ``-o`` (atomically) or to stdout; it returns 0.
``toml_text(table)`` writes a spec table as TOML that ``tomllib`` reads back to the same
table (floats by ``repr``, which round-trips exactly).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from codegen.cli.command import Command
from codegen.files import write_atomic
from derive import keras
from derive.spec import from_table

HELP = "write a Keras model (.keras or model.to_json()) as a spec"
DESCRIPTION = (
    "Read a Keras 3 .keras archive (weights with h5py: pip install "
    "'chainrule[keras]') or a model.to_json() file and write its spec as TOML.")


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def toml_text(table: dict, header: str = "") -> str:
    """A spec table as TOML: plain keys first, then ``[loss]``/``[training]``/``[params]``
    tables and the ``[[layers]]`` array of tables."""
    lines = [f"# {line}" for line in header.splitlines()]
    tables = {}
    for key, value in table.items():
        if isinstance(value, dict) or key == "layers":
            tables[key] = value
        else:
            lines.append(f"{key} = {_value(value)}")
    for layer in tables.pop("layers", []):
        lines += ["", "[[layers]]"] + [f"{k} = {_value(v)}" for k, v in layer.items()]
    for key, value in tables.items():
        lines += ["", f"[{key}]"] + [f"{k} = {_value(v)}" for k, v in value.items()]
    return "\n".join(lines) + "\n"


def run_import_keras(args: argparse.Namespace) -> int:
    """Write the spec of the Keras model ``args.model``."""
    path = Path(args.model)
    table = keras.read(path)
    from_table(table, default_name=path.stem)  # refuse what chainrule cannot derive, now
    header = f"Imported by `chainrule import-keras {path.name}`."
    if "cross_entropy" in table.get("loss", {}).get("kind", ""):
        header += ("\nKeras guards its cross-entropy logarithms with eps = 1e-7 (a clipped to "
                   "[eps, 1 - eps]); this loss is the exact one.")
    if "params" not in table:
        header += "\nArchitecture only (no weights): parameters are seeded."
    text = toml_text(table, header)
    if args.output:
        print(f"wrote {write_atomic(args.output, text)}")
    else:
        sys.stdout.write(text)
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``import-keras``'s arguments."""
    p.add_argument("model", help="a .keras archive or a JSON file of model.to_json()")
    p.add_argument("-o", "--output", metavar="SPEC.toml", help="write here (default stdout)")


COMMAND = Command("import-keras", run_import_keras, add_arguments, HELP, DESCRIPTION)
