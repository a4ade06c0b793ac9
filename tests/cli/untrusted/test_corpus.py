"""Every bad spec and option of ``corpus.toml``, through the command line it names.

Each case must end in exit status 2 with exactly one line on stderr (``chainrule: …``), no
traceback, no file left behind in its working folder or in the repository's committed
outputs, within ``LIMIT`` seconds. Cases run in-process through ``codegen.cli.main``; those
marked ``isolate`` (sizes that once hung or exhausted memory, or modules that run code) run in
a subprocess with its address space capped at ``MEMORY`` bytes and killed at the limit.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import resource
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from codegen.cli import main

HERE = Path(__file__).parent
REPO = HERE.parents[2]
CORPUS = tomllib.loads((HERE / "corpus.toml").read_text())["case"]
LIMIT = 10.0
MEMORY = 2 * 1024**3
WATCHED = [REPO / "generated", REPO / "docs" / "handouts"]


def _snapshot() -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for d in WATCHED for p in d.rglob("*")}


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _expand(text: str) -> str:
    """``{nest:N}`` stands for N opening brackets, then N closing ones."""
    return re.sub(r"\{nest:(\d+)\}", lambda m: "[" * int(m[1]) + "]" * int(m[1]), text)


def _setup(case: dict, folder: Path) -> list[str]:
    """Write the case's spec and files into ``folder``; return its arguments."""
    files = dict(case.get("files", {}))
    if "spec" in case:
        files[case.get("spec_name", "spec.toml")] = case["spec"]
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_expand(text))
    for name in case.get("dirs", []):
        (folder / name).mkdir(parents=True, exist_ok=True)
    spec = str(folder / case.get("spec_name", "spec.toml"))
    return [_expand(a).replace("{spec}", spec).replace("{dir}", str(folder))
            for a in case["args"]]


def _in_process(args: list[str]) -> tuple[object, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(args)
        except SystemExit as exc:  # main must return, not exit; record what it would have done
            status = f"SystemExit({exc.code})"
    return status, out.getvalue(), err.getvalue()


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _isolated(args: list[str], folder: Path, env: dict) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), **env}
    try:
        done = subprocess.run([sys.executable, "-m", "codegen.cli", *args], cwd=folder,
                              env=env, capture_output=True, text=True, timeout=LIMIT,
                              preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {LIMIT} s")
    return done.returncode, done.stdout, done.stderr


def test_corpus_is_large_and_ids_unique():
    ids = [c["id"] for c in CORPUS]
    assert len(ids) >= 150
    assert len(set(ids)) == len(ids)
    commands = {c["args"][0] for c in CORPUS if c["args"]}
    assert commands >= {"examples", "derive", "eval", "codegen", "check", "handout", "compare",
                        "descent", "landscape", "search", "train"}


@pytest.mark.parametrize("case", CORPUS, ids=[c["id"] for c in CORPUS])
def test_refused_in_one_line(case, tmp_path, monkeypatch):
    folder = tmp_path / "work"
    folder.mkdir()
    args = _setup(case, folder)
    before_files = _tree(folder)
    before_repo = _snapshot()
    monkeypatch.chdir(folder)
    start = time.perf_counter()
    if case.get("isolate") or case.get("env"):
        status, _out, err = _isolated(args, folder, case.get("env", {}))
    else:
        status, _out, err = _in_process(args)
    took = time.perf_counter() - start
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("chainrule: "), err
    assert case["expect"].lower() in lines[0].lower(), err
    assert status == 2, err
    assert _tree(folder) == before_files
    assert _snapshot() == before_repo
    assert not list(folder.glob("pwned*")), "a spec ran code"
    assert took < LIMIT
