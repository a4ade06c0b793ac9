"""The ``train`` subcommand: train with the spec's generated module, and compare settings.

Contract: ``COMMAND`` adds ``train SPEC [--epochs N] [--learning-rate ε]
[--batch-size B|all] [--momentum m] [--shuffle/--no-shuffle] [--standardize/--no-standardize]
[--seed S] [--compare-rates G …] [--compare-momentum] [--compare-batch] [--format text|json]
[--plots DIR|FILE]`` (``codegen.lessons.training``: the module is rendered fresh and loaded in
memory; no file is needed). Text prints the loss every ``print_every`` epochs (the spec's, else
a tenth of the run), the first and last loss, the accuracy of a classifier and each
comparison's final loss; JSON holds every history. Figures: ``NAME_loss``, ``NAME_boundary``
(two inputs), ``NAME_rates``, ``NAME_momentum``, ``NAME_batch``, all drawn before anything is
written. Bad input is one line on stderr and exit status 2, before anything trains.
"""

from __future__ import annotations

import argparse

from codegen import progress
from codegen.cli.command import Command, report_arguments, spec_argument
from codegen.lessons import network as nw
from codegen.lessons import output as out
from codegen.lessons.training import Training, train
from derive.errors import SpecError

HELP = "train with the generated module: loss history, comparisons, boundary"
DESCRIPTION = (
    "Train the spec's network with its generated NumPy module (rendered in "
    "memory) on the spec's data; the spec's training settings unless given here.")


def _batch(text: str) -> int | str:
    if text == "all":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number or 'all', not {text!r}") from None


def _settings(settings: dict) -> str:
    batch = "all rows" if settings["batch_size"] is None else settings["batch_size"]
    return (f"epochs {settings['epochs']}, ε = {out.num(settings['learning_rate'])}, "
            f"batch size {batch}, momentum {out.num(settings['momentum'])}, "
            f"shuffle {'on' if settings['shuffle'] else 'off'}, standardised inputs "
            f"{'on' if settings['standardize'] else 'off'}, seed {settings['seed']}")


def render_text(T: Training, s: nw.Setting, paths) -> str:
    """Progress, the result, and each comparison's final loss."""
    every = int(s.net.training.get("print_every") or max(1, len(T.history) // 10))
    lines = [f"{T.name}: training with its generated module ({_settings(T.settings)})"]
    lines += [f"epoch {e:>6}  loss {out.num(T.history[e - 1])}"
              for e in range(every, len(T.history) + 1, every)]
    trend = "falling" if T.history[-1] < T.history[0] else "NOT falling"
    lines.append(f"loss {out.num(T.history[0])} after epoch 1 → {out.num(T.history[-1])} "
                 f"after epoch {len(T.history)} ({trend})")
    if T.accuracy is not None:
        lines.append(f"training accuracy {T.accuracy:.1%}")
    for kind, curves in T.comparisons.items():
        lines.append(f"compared ({kind}):")
        lines += [f"  {c.label:<24} final loss {out.num(c.history[-1])}" for c in curves]
    lines += [f"plot: {p}" for p in paths]
    return "\n".join(lines) + "\n"


def render_json(T: Training, s: nw.Setting, paths) -> str:
    """The settings, every history, the accuracy."""
    return out.dumps({
        "name": T.name, "settings": T.settings,
        "history": {"loss": [out.finite(v) for v in T.history]}, "accuracy": T.accuracy,
        "comparisons": {kind: [{"label": c.label, "settings": c.settings,
                                "loss": [out.finite(v) for v in c.history]} for c in curves]
                        for kind, curves in T.comparisons.items()},
        "plots": [str(p) for p in paths]})


def run_train(args: argparse.Namespace) -> int:
    """Train, draw, then write the plots and print the report."""
    out.check_target(args.plots)
    if args.compare_rates and any(r <= 0 for r in args.compare_rates):
        raise SpecError("every rate of --compare-rates must be positive")
    batch = {None: "spec", "all": None}.get(args.batch_size, args.batch_size)
    s = nw.setting(args.spec, args.seed)
    T = train(s, epochs=args.epochs, learning_rate=args.learning_rate, batch_size=batch,
              momentum=args.momentum, shuffle=args.shuffle,
              standardize=args.standardize, seed=args.seed,
              compare_rates=args.compare_rates or (), compare_momentum=args.compare_momentum,
              compare_batch=args.compare_batch)
    files = out.figure_files(lambda plots: plots.training_figures(T), args.plots, T.name)
    text = (render_json if args.format == "json" else render_text)(T, s, list(files))
    return out.finish(text, files)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``train``'s arguments."""
    spec_argument(p)
    p.add_argument("--epochs", type=int)
    p.add_argument("--learning-rate", type=float)
    p.add_argument("--batch-size", type=_batch, metavar="B|all",
                   help="rows per step, or all (the full batch)")
    p.add_argument("--momentum", type=float)
    p.add_argument("--shuffle", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--standardize", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--seed", type=int, help="seed of initialisation and shuffling")
    p.add_argument("--compare-rates", nargs="+", type=float, metavar="G",
                   help="also train at each of these learning rates; one plot of all")
    p.add_argument("--compare-momentum", action="store_true",
                   help="also train SGD against SGD + momentum 0.9")
    p.add_argument("--compare-batch", action="store_true",
                   help="also train online (batch size 1) against full batch")
    report_arguments(p, "the plots: into DIR as NAME_loss.png, NAME_boundary.png, …, or as "
                        "FILE's stem with _KIND")
    progress.add_arguments(p)


COMMAND = Command("train", run_train, add_arguments, HELP, DESCRIPTION)
