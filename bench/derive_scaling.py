"""How `chainrule derive` scales with depth and width, against SymPy's diff of the expanded loss.

Sigmoid networks with squared error, every layer of the same width (inputs and outputs
included), every gradient derived: depth 1–8 at width 3, then width 1–8 at depth 3. For each
network it times

* the whole command, ``python -m codegen.cli derive SPEC`` in a process of its own (start-up,
  derivation, verification, rendering), as a user runs it: the best of ``--repeat`` runs;
* inside one process: the derivation alone, the verification alone and the text rendering;
* beside them, SymPy differentiating the fully expanded loss by every parameter (the route
  verification used to take), in a process of its own that is stopped after ``CAP`` seconds;
  larger networks of that sweep are then not tried.

It prints the operation counts of both routes, the ratio of SymPy's time to the command's, and
the growth of each time from one row to the next with the ratio of the last row to the second
(linear growth in depth would give 8/2 = 4). The other figures are one run each, so on a shared
machine they carry its noise.
Run from the repository root: ``python bench/derive_scaling.py [--cap SECONDS]``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

import sympy as sp

from derive.derivation import Deriver
from derive.network import Dense, Network
from derive.render.document import render_text
from derive.report import build
from derive.symbolic import Model
from derive.verify import verify

ROOT = Path(__file__).resolve().parent.parent
# Child processes import this checkout's code, whatever is installed.
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
    str(ROOT), os.environ.get("PYTHONPATH")]))}
CAP = 60.0  # seconds SymPy's route may take on one network before larger ones are skipped


def network(depth: int, width: int) -> Network:
    return Network(inputs=width, targets=[f"y{k}" for k in range(1, width + 1)],
                   layers=[Dense(width, "sigmoid") for _ in range(depth)],
                   loss={"kind": "squared_error", "factor": 0.5}, name=f"d{depth}w{width}")


def spec_text(depth: int, width: int) -> str:
    layers = ", ".join([f'{{units = {width}, activation = "sigmoid"}}'] * depth)
    targets = ", ".join(f'"y{k}"' for k in range(1, width + 1))
    return (f'name = "d{depth}w{width}"\ninputs = {width}\ntargets = [{targets}]\n'
            f'layers = [{layers}]\nloss = {{kind = "squared_error", factor = 0.5}}\n')


def command_time(depth: int, width: int, repeat: int) -> float:
    """Wall time of ``python -m codegen.cli derive SPEC``, every gradient, in a new process:
    the best of ``repeat`` runs (other work on a shared machine only ever adds time)."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / f"d{depth}w{width}.toml"
        spec.write_text(spec_text(depth, width))
        for _ in range(repeat):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "codegen.cli", "derive", str(spec)],
                                  cwd=ROOT, env=ENV, capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            if done.returncode != 0 or "Verified" not in done.stdout:
                raise SystemExit(f"chainrule derive failed on depth {depth}, width {width}: "
                                 f"{done.stderr.strip()}")
    return min(times)


def parts(depth: int, width: int) -> dict:
    """Derivation alone, verification alone and rendering, timed in this process."""
    net = network(depth, width)
    model = Model(net)
    start = time.perf_counter()
    deriver = Deriver(model)
    results = [deriver.derive(p) for p in model.params]
    derived = time.perf_counter() - start
    ops = sum(sp.count_ops(d.result) for d in results)
    ops += sum(sp.count_ops(d.result) for d in deriver.lemmas.values())
    ops += sum(sp.count_ops(e) for e in model.definitions.values())
    start = time.perf_counter()
    verify(deriver, results)
    verified = time.perf_counter() - start
    report = build(net, check=False)
    start = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        render_text(report)
    rendered = time.perf_counter() - start
    return {"params": net.n_params, "derive": derived, "verify": verified,
            "render": rendered, "ops": ops}


def direct(depth: int, width: int) -> None:
    """(Run in a child process.) SymPy's diff of the expanded loss by every parameter."""
    model = Model(network(depth, width))
    start = time.perf_counter()
    loss = model.expanded_loss
    results = [sp.diff(loss, p) for p in model.params]
    elapsed = time.perf_counter() - start
    print(json.dumps({"time": elapsed, "ops": sum(sp.count_ops(r) for r in results)}))


def direct_route(depth: int, width: int, cap: float) -> dict | None:
    """SymPy's route in a child process; None when it takes longer than ``cap`` seconds."""
    try:
        done = subprocess.run([sys.executable, __file__, "--direct", str(depth), str(width)],
                              cwd=ROOT, env=ENV, capture_output=True, text=True,
                              timeout=cap)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(done.stdout)


def sweep(title: str, sizes: list[tuple[int, int]], vary: str, cap: float,
          repeat: int) -> None:
    print(f"\n{title}")
    print(f"{vary:>5} {'params':>6} | {'command s':>9} {'derive s':>8} {'verify s':>8} "
          f"{'render s':>8} {'ops':>6} | {'sympy.diff s':>12} {'ops':>10} | "
          f"{'sympy/command':>13} {'sympy/derive':>12} | growth: command, derivation")
    rows, capped = [], False
    for depth, width in sizes:
        row = parts(depth, width)
        row["command"] = command_time(depth, width, repeat)
        reference = None if capped else direct_route(depth, width, cap)
        if reference is None:
            note = f"{f'> {cap:g} (capped)' if not capped else 'not tried':>12} {'':>10}"
            ratio = f"{'':>13} {'':>12}"
            capped = True
        else:
            note = f"{reference['time']:>12.3f} {reference['ops']:>10}"
            ratio = (f"{reference['time'] / row['command']:>13.1f} "
                     f"{reference['time'] / row['derive']:>12.0f}")
        growth = ""
        if rows:
            growth = (f"×{row['command'] / rows[-1]['command']:.2f}, "
                      f"×{row['derive'] / rows[-1]['derive']:.2f}")
        size = depth if vary == "depth" else width
        print(f"{size:>5} {row['params']:>6} | {row['command']:>9.2f} {row['derive']:>8.3f} "
              f"{row['verify']:>8.3f} {row['render']:>8.3f} {row['ops']:>6} | {note} | "
              f"{ratio} | {growth}", flush=True)
        rows.append(row)
    first, last = rows[1], rows[-1]
    size_ratio = (sizes[-1][0] / sizes[1][0]) if vary == "depth" else (
        sizes[-1][1] / sizes[1][1])
    print(f"last row / second row: {vary} ×{size_ratio:g}, parameters "
          f"×{last['params'] / first['params']:.2f}, command "
          f"×{last['command'] / first['command']:.2f}, derivation "
          f"×{last['derive'] / first['derive']:.2f}, verification "
          f"×{last['verify'] / first['verify']:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=CAP, help="seconds for SymPy's route")
    parser.add_argument("--direct", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--depths", type=int, default=8, help="deepest network (default 8)")
    parser.add_argument("--widths", type=int, default=8, help="widest network (default 8)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the command per network, the best kept (default 3)")
    args = parser.parse_args()
    if args.direct:
        direct(*args.direct)
        return 0
    sweep(f"Depth 1–{args.depths} at width 3", [(d, 3) for d in range(1, args.depths + 1)],
          "depth", args.cap, args.repeat)
    sweep(f"Width 1–{args.widths} at depth 3", [(3, w) for w in range(1, args.widths + 1)],
          "width", args.cap, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
