"""The ``codegen`` and ``check`` subcommands of the chainrule command line.

Contract: ``COMMAND`` and ``CHECK`` (``codegen.cli.command.Command``) add them, and set
``func`` on each; a ``func`` takes the parsed arguments and returns the exit status (0 on
success, 1 when a gradient check fails). Bad input raises a ``ChainruleError`` whose one-line
message the main command line prints (exit status 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from codegen.check import check
from codegen.cli.command import Command, spec_argument
from codegen.emit import regenerate_all, write_module
from codegen.files import check_module_name, in_checkout
from derive import spec as specs
from derive.errors import SpecError

HELP = "write a standalone NumPy training module for a network"
DESCRIPTION = "Write NAME.py: forward, loss, gradients and SGD training."
CHECK_HELP = "check a module's gradients against finite differences"
CHECK_DESCRIPTION = (
    "Compare gradients() with central differences (and the complex step where the loss allows "
    "complex numbers) for every parameter entry.")


def run_codegen(args: argparse.Namespace) -> int:
    """Write the training module of ``args.spec`` (or of every built-in example)."""
    if args.all:
        if not in_checkout():
            raise SpecError("codegen --all remakes the repository's generated/; run it inside a "
                            "chainrule checkout, or give one SPEC")
        if args.output or args.style != "lesson" or args.target != "numpy":
            raise SpecError("--all writes generated/ in every style; give no -o, --style or "
                            "--target with it")
        for path in regenerate_all():
            print(f"wrote {path}")
        return 0
    if args.spec is None:
        raise SpecError("give a spec file or example name, or --all")
    net = specs.load(args.spec)
    if args.output:
        check_module_name(Path(args.output).stem, f"-o {args.output}")
    else:
        check_module_name(net.name, f"the module of network {net.name!r}")
    path = write_module(net, args.output, spec=args.spec, style=args.style, target=args.target)
    print(f"wrote {path}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Print the gradient check of a spec or generated module; 1 when it fails."""
    report = check(args.target, seed=args.seed)
    print(report)
    return 0 if report.ok else 1


def add_codegen_arguments(p: argparse.ArgumentParser) -> None:
    """``codegen``'s arguments."""
    spec_argument(p, optional=True)
    p.add_argument("-o", "--output", help="where to write (default NAME.py in the current "
                   "directory; inside a chainrule checkout generated/NAME.py, or "
                   "generated/fast/NAME.py or generated/torch/NAME.py)")
    p.add_argument("--style", choices=["lesson", "fast"], default="lesson",
                   help="lesson: plain NumPy, one statement per equation (default); fast: "
                   "tuned NumPy with in-place buffers")
    p.add_argument("--target", choices=["numpy", "torch"], default="numpy",
                   help="numpy (default) or torch: a torch.autograd.Function whose backward "
                   "is the derived delta equations")
    p.add_argument("--all", action="store_true",
                   help="regenerate the module of every built-in example")


def add_check_arguments(p: argparse.ArgumentParser) -> None:
    """``check``'s arguments."""
    p.add_argument("target", help="a spec, an example name, or a generated .py module")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the random point, a whole number ≥ 0 (default 0)")


COMMAND = Command("codegen", run_codegen, add_codegen_arguments, HELP, DESCRIPTION)
CHECK = Command("check", run_check, add_check_arguments, CHECK_HELP, CHECK_DESCRIPTION)
