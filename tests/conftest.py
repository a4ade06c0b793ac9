"""Shared test helpers: run the command line in-process and capture what it prints."""

import os

# One BLAS/OpenMP thread per test process: pytest-xdist already runs a process per core, and
# threads on top of that contend for the cores (a torch test on digits ran 15 times slower).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402

from codegen.cli import main  # noqa: E402


@pytest.fixture
def run(capsys):
    """Run ``chainrule ARGS``; return (exit status, stdout, stderr)."""

    def _run(*args: str):
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return _run
