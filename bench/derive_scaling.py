"""How `chainrule derive` scales with depth and width, against SymPy's diff of the expanded loss.

Sigmoid networks with squared error, every layer of the same width (inputs and outputs
included), every gradient derived: depth 1–8 at width 3, then width 1–8 at depth 3. For each
network it measures

* the whole command, ``python -m codegen.cli derive SPEC`` in a process of its own (start-up,
  derivation, verification, rendering), as a user runs it: CPU and wall seconds;
* inside this process: the derivation alone, the verification alone and the text rendering;
* beside them, SymPy differentiating the fully expanded loss by every parameter (the route
  verification used to take), in a process of its own that is stopped after ``--cap`` wall
  seconds (60 by default); larger networks of that sweep are then not tried.

Times are CPU seconds (wall seconds grow with whatever else the machine runs), each the best of
``--repeat`` runs. It prints the operation counts of both routes, SymPy's time over the
command's and over the derivation's, the growth of each time from one row to the next, and the
last row over the second (linear growth in depth would give 8/2 = 4).
Run from the repository root: ``python bench/derive_scaling.py [--cap SECONDS]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sympy as sp
from sympy.core.cache import clear_cache

from derive.derivation import Deriver
from derive.network import Dense, Network
from derive.render.document import render_text
from derive.report import build
from derive.symbolic import Model
from derive.verify import clear_caches, verify

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


def command_time(depth: int, width: int, repeat: int) -> tuple[float, float]:
    """(wall, CPU) seconds of ``python -m codegen.cli derive SPEC``, every gradient, each in a
    new process: the best of ``repeat`` runs (other work on a shared machine only adds)."""
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / f"d{depth}w{width}.toml"
        spec.write_text(spec_text(depth, width))
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "codegen.cli", "derive", str(spec)],
                                  cwd=ROOT, env=ENV, capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if done.returncode != 0 or "Verified" not in done.stdout:
                raise SystemExit(f"chainrule derive failed on depth {depth}, width {width}: "
                                 f"{done.stderr.strip()}")
    return min(walls), min(cpus)


def best(repeat: int, run) -> float:
    """The least CPU time of ``repeat`` calls of ``run``, each from cold caches (SymPy's and
    the verifier's), as in a command that runs once."""
    times = []
    for _ in range(repeat):
        clear_cache()
        clear_caches()
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def parts(depth: int, width: int, repeat: int) -> dict:
    """CPU seconds of the derivation alone, the verification alone and the rendering, in this
    process, each the best of ``repeat``; and the operation count of the results."""
    net = network(depth, width)

    def derive() -> tuple[Deriver, list]:
        deriver = Deriver(Model(net))
        return deriver, [deriver.derive(p) for p in deriver.m.params]

    derived = best(repeat, derive)
    deriver, results = derive()
    ops = sum(sp.count_ops(d.result) for d in results)
    ops += sum(sp.count_ops(d.result) for d in deriver.lemmas.values())
    ops += sum(sp.count_ops(e) for e in deriver.m.definitions.values())
    verified = best(repeat, lambda: verify(deriver, results))
    report = build(net, check=False)
    rendered = best(repeat, lambda: render_text(report))
    return {"params": net.n_params, "derive": derived, "verify": verified,
            "render": rendered, "ops": ops}


def direct(depth: int, width: int) -> None:
    """(Run in a child process.) SymPy's diff of the expanded loss by every parameter."""
    model = Model(network(depth, width))
    start = time.process_time()
    loss = model.expanded_loss
    results = [sp.diff(loss, p) for p in model.params]
    elapsed = time.process_time() - start
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
    print(f"\n{title} (CPU seconds unless marked wall)")
    print(f"{vary:>5} {'params':>6} | {'command':>7} {'wall':>6} | {'derive':>6} {'verify':>6} "
          f"{'render':>6} {'ops':>5} | {'sympy.diff':>13} {'ops':>9} | {'sympy/':>7} "
          f"{'sympy/':>7} | growth from the row above")
    print(f"{'':>5} {'':>6} | {'':>7} {'':>6} | {'':>6} {'':>6} {'':>6} {'':>5} | {'':>13} "
          f"{'':>9} | {'command':>7} {'derive':>7} | command, derivation")
    rows, capped = [], False
    for depth, width in sizes:
        row = parts(depth, width, repeat)
        row["wall"], row["command"] = command_time(depth, width, repeat)
        reference = None if capped else direct_route(depth, width, cap)
        if reference is None:
            note = f"{f'>{cap:g} wall, cap' if not capped else 'not tried':>13} {'':>9}"
            ratio = f"{'':>7} {'':>7}"
            capped = True
        else:
            note = f"{reference['time']:>13.2f} {reference['ops']:>9}"
            ratio = (f"{reference['time'] / row['command']:>7.1f} "
                     f"{reference['time'] / row['derive']:>7.0f}")
        growth = ""
        if rows:
            growth = (f"×{row['command'] / rows[-1]['command']:.2f}, "
                      f"×{row['derive'] / rows[-1]['derive']:.2f}")
        size = depth if vary == "depth" else width
        print(f"{size:>5} {row['params']:>6} | {row['command']:>7.2f} {row['wall']:>6.2f} | "
              f"{row['derive']:>6.3f} {row['verify']:>6.3f} {row['render']:>6.3f} "
              f"{row['ops']:>5} | {note} | {ratio} | {growth}", flush=True)
        rows.append(row)
    second, last = rows[1], rows[-1]
    grown = sizes[-1][0] / sizes[1][0] if vary == "depth" else sizes[-1][1] / sizes[1][1]
    print(f"last row / second row: {vary} ×{grown:g}, parameters "
          f"×{last['params'] / second['params']:.2f}, command "
          f"×{last['command'] / second['command']:.2f} (wall ×{last['wall'] / second['wall']:.2f})"
          f", derivation ×{last['derive'] / second['derive']:.2f}, verification "
          f"×{last['verify'] / second['verify']:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=CAP, help="seconds for SymPy's route")
    parser.add_argument("--direct", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--depths", type=int, default=8, help="deepest network (default 8)")
    parser.add_argument("--widths", type=int, default=8, help="widest network (default 8)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measurement, the best kept (default 3)")
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
