"""The ``eval`` subcommand: output, loss and gradients from the derived delta equations.

Contract: ``COMMAND`` adds ``eval``; its ``func`` prints one JSON document
(``output``, ``loss``, ``gradients``) computed in float64 by ``derive.numeric.evaluate`` and
returns 0. A non-finite result, unreadable parameters or data raise a ``ChainruleError``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from codegen.cli.command import Command, spec_argument
from derive.errors import SpecError
from derive.numeric import evaluate
from derive.spec import load

HELP = "output, loss and gradients from the derived formulas"


def _json_arg(text: str | None, what: str):
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"--{what} is not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise SpecError(f"--{what} nests lists too deeply; give rows of numbers, "
                        "[[…], […]]") from None


def _params(path_text: str) -> dict:
    path = Path(path_text)
    try:
        params = json.loads(path.read_text())
    except OSError:
        raise SpecError(f"cannot read parameter file {path_text}") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise SpecError(f"parameter file {path_text} is not valid JSON") from None
    except RecursionError:
        raise SpecError(f"parameter file {path_text} nests lists too deeply") from None
    if not isinstance(params, dict):
        raise SpecError("a parameter file holds {\"W1\": [[…]], \"b1\": […], …}")
    return params


def run_eval(args: argparse.Namespace) -> int:
    """Print the output, loss and gradients of ``args.spec`` as JSON."""
    net = load(args.spec)
    params = net.check_params(_params(args.params)) if args.params else net.parameters(seed=0)
    x, y = _json_arg(args.x, "x"), _json_arg(args.y, "y")
    if (x is None) != (y is None):
        raise SpecError("give --x and --y together (or neither, for the spec's own data)")
    if x is None:
        if net.data is None:
            raise SpecError(f"{net.name} carries no data; give --x and --y")
        x, y = net.data["x"], net.data["y"]
    with np.errstate(all="ignore"):  # a non-finite result is refused below, in one line
        result = evaluate(net, params, x, y)
    payload = {
        "output": result["output"].tolist(),
        "loss": result["loss"],
        "gradients": {k: v.tolist() for k, v in result["gradients"].items()},
    }
    try:
        text = json.dumps(payload, indent=2, allow_nan=False)
    except ValueError:  # JSON has no inf or NaN
        raise SpecError("the loss or a gradient is not finite in float64 at these parameters "
                        "and data (see the limits in docs/spec.md)") from None
    sys.stdout.write(text + "\n")
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``eval``'s arguments."""
    spec_argument(p)
    p.add_argument("--params", help="JSON file {\"W1\": [[…]], \"b1\": […], …}")
    p.add_argument("--x", help="inputs as JSON, shape (n, inputs)")
    p.add_argument("--y", help="targets as JSON, shape (n, outputs)")


COMMAND = Command("eval", run_eval, add_arguments, HELP)
