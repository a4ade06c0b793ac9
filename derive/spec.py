"""Spec files (TOML or JSON) and the built-in examples, turned into ``Network`` objects.

Contract: ``load(spec)`` accepts a path to a ``.toml`` or ``.json`` file or the name of a
built-in example (``examples()`` lists them) and returns a validated ``Network``; anything
wrong raises ``SpecError`` with one line saying what to fix. Keys (unknown ones are errors):
``name``, ``description``, ``inputs`` (a count or a list of names), ``targets`` (names),
``layers`` (list of ``{units, activation, bias = true, input_function = "weighted_sum"}``),
``loss`` (``{kind, factor, reduce_outputs, reduce_examples, tau}``), ``notation``, ``params``
(``{"W1": [[…]], "b1": […]}``), ``data`` (``{x: [[…]], y: [[…]]}`` or ``{file = "…csv.gz"}``
whose columns are the inputs, then the targets) and ``training`` (hyper-parameter defaults).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import tomllib
from pathlib import Path

from derive.errors import SpecError
from derive.network import Network

EXAMPLES_DIR = Path(__file__).with_name("examples")
SPEC_KEYS = {"name", "description", "inputs", "targets", "layers", "loss", "notation", "params",
             "data", "training"}
TRAINING_KEYS = {"epochs", "learning_rate", "batch_size", "momentum", "shuffle", "clip_norm",
                 "standardize", "init", "seed", "dtype", "print_every"}


def examples() -> dict[str, str]:
    """Built-in example names mapped to their one-line descriptions, sorted by name."""
    found = {}
    for path in sorted(EXAMPLES_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            found[path.stem] = tomllib.load(handle).get("description", "")
    return found


def resolve(spec: str | Path) -> Path:
    """The file behind ``spec``: an existing path, or a built-in example's file."""
    path = Path(spec)
    if path.suffix in {".toml", ".json"} and path.is_file():
        return path
    builtin = EXAMPLES_DIR / f"{spec}.toml"
    if isinstance(spec, str) and "/" not in spec and builtin.is_file():
        return builtin
    if path.suffix in {".toml", ".json"}:
        raise SpecError(f"spec file {str(spec)!r} not found")
    raise SpecError(f"{str(spec)!r} is neither a .toml/.json spec file nor a built-in example; "
                    "see `chainrule examples`")


def read_table(path: Path) -> dict:
    """The raw table of a spec file, decoded by its suffix."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}") from None
    try:
        if path.suffix == ".json":
            table = json.loads(raw.decode("utf-8"))
        else:
            table = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"{path} is not valid {path.suffix[1:].upper()}: {exc}") from None
    except RecursionError:
        raise SpecError(f"{path} nests lists or tables too deeply; a spec needs at most 3 "
                        "levels") from None
    if not isinstance(table, dict):
        raise SpecError(f"{path} must hold a table of settings at the top")
    return table


def load(spec: str | Path) -> Network:
    """A validated ``Network`` from a spec file or a built-in example's name."""
    path = resolve(spec)
    return from_table(read_table(path), base=path.parent, default_name=path.stem)


def from_table(table: dict, base: Path | None = None, default_name: str = "network") -> Network:
    """A ``Network`` from a decoded spec table; ``base`` resolves a data file's path."""
    unknown = sorted(set(table) - SPEC_KEYS)
    if unknown:
        raise SpecError(f"unknown spec key {unknown[0]!r}; use: {', '.join(sorted(SPEC_KEYS))}")
    if "layers" not in table or "inputs" not in table:
        raise SpecError("a spec needs 'inputs' and 'layers'")
    layers = table["layers"]
    if not isinstance(layers, list):
        raise SpecError("'layers' must be a list of layer tables")
    training = table.get("training", {})
    if not isinstance(training, dict):
        raise SpecError("'training' must be a table")
    bad = sorted(set(training) - TRAINING_KEYS)
    if bad:
        raise SpecError(f"unknown training key {bad[0]!r}; use: {', '.join(sorted(TRAINING_KEYS))}")
    data = table.get("data")
    if isinstance(data, dict) and "file" in data:
        data = _read_data_file(data, base, table)
    name = table.get("name", default_name.replace("-", "_"))
    return Network(
        inputs=table["inputs"],
        layers=layers,
        loss=table.get("loss"),
        name=name,
        notation=table.get("notation", "default"),
        targets=table.get("targets"),
        params=table.get("params"),
        data=data,
        description=str(table.get("description", "")),
        training=training,
    )


def _read_data_file(data: dict, base: Path | None, table: dict) -> dict:
    if set(data) != {"file"} or not isinstance(data["file"], str):
        raise SpecError("data with a file takes only file = \"name.csv\" or \"name.csv.gz\"")
    name = data["file"]
    if base is None or "/" in name or "\\" in name or name.startswith("."):
        raise SpecError(f"data file {name!r} must be a plain file name beside the spec")
    path = base / name
    try:
        raw = path.read_bytes()
        text = gzip.decompress(raw).decode() if name.endswith(".gz") else raw.decode()
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError):
        raise SpecError(f"cannot read data file {path}") from None
    rows = [r for r in csv.reader(io.StringIO(text)) if r and not r[0].startswith("#")]
    inputs = table["inputs"]
    if isinstance(inputs, int) and not isinstance(inputs, bool) and inputs >= 1:
        n_in = inputs
    elif isinstance(inputs, list) and inputs:
        n_in = len(inputs)
    else:
        raise SpecError("inputs must be a count or a list of names")
    try:
        values = [[float(v) for v in row] for row in rows]
    except ValueError:
        raise SpecError(f"data file {path} holds a value that is not a number") from None
    return {"x": [r[:n_in] for r in values], "y": [r[n_in:] for r in values]}
