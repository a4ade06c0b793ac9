"""Shared test helpers: run the command line in-process and capture what it prints."""

import pytest

from codegen.cli import main


@pytest.fixture
def run(capsys):
    """Run ``chainrule ARGS``; return (exit status, stdout, stderr)."""

    def _run(*args: str):
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return _run
