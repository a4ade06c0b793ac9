"""Progress reports: on stderr only, only when asked for (or on a terminal), never in stdout."""

import re

import pytest

from codegen import progress


def test_compare_reports_progress_on_stderr_only(run):
    status, out, err = run("compare", "xor_gate", "--progress")
    assert status == 0 and "elapsed" not in out and "chainrule:" not in out
    lines = err.splitlines()
    assert lines, "no progress reported"
    pattern = re.compile(r"chainrule: comparing methods on xor_gate \(9 parameters\): "
                         r"(done, )?(\d) of 4( [a-zA-Z ,0-9]+)?, \d+\.\d s elapsed")
    assert all(pattern.fullmatch(line) for line in lines), lines
    assert lines[0].startswith("chainrule: comparing methods on xor_gate (9 parameters): 1 of 4 "
                               "reference, mpmath at 50 digits")
    assert "done, 4 of 4" in lines[-1]


def test_progress_does_not_change_stdout(run):
    _, plain, quiet_err = run("derive", "digits", "--delta")
    status, shown, err = run("derive", "digits", "--delta", "--progress")
    assert status == 0 and shown == plain and quiet_err == ""  # stderr is no terminal here
    assert "deriving digits (2410 parameters): 1 of 2 the delta form" in err
    assert err.rstrip().endswith("s elapsed") and "done, 2 of 2" in err.splitlines()[-1]


def test_training_reports_its_epochs(run):
    _, quiet, quiet_err = run("train", "keras_2_4_4_1", "--epochs", "20", "--quiet")
    status, shown, err = run("train", "keras_2_4_4_1", "--epochs", "20", "--progress")
    assert status == 0 and shown == quiet and quiet_err == ""
    lines = err.splitlines()
    assert lines[0].startswith("chainrule: training keras_2_4_4_1: 1 of 20 epochs, loss ")
    assert lines[-1].startswith("chainrule: training keras_2_4_4_1: done, 20 of 20, ")


def test_quiet_silences_and_flags_exclude_each_other(run, capsys):
    status, _, err = run("derive", "or_gate", "--quiet")
    assert status == 0 and err == ""
    status, _, err = run("derive", "or_gate", "--quiet", "--progress")
    assert status == 2 and "not allowed with argument" in err


def test_nested_tasks_report_only_the_outer_one(capsys):
    progress.configure("on")
    try:
        with progress.task("outer", 2) as outer:
            outer.step("a")
            with progress.task("inner", 3) as inner:
                inner.step()
            outer.step("b")
    finally:
        progress.configure("auto")
    err = capsys.readouterr().err
    assert "inner" not in err and "outer: 1 of 2 a" in err and "outer: done, 2 of 2" in err


def test_on_a_terminal_the_line_ticks_in_place_and_a_failure_clears_it(monkeypatch):
    import os
    import pty
    import select
    import sys
    import time

    master, slave = pty.openpty()
    terminal = os.fdopen(slave, "w", buffering=1)
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(progress, "DELAY", 0.2)
    monkeypatch.setattr(progress, "TICK", 0.3)
    progress.configure("auto")  # a terminal: reports without --progress
    with progress.task("demo", 2) as bar:
        bar.step("first")
        time.sleep(1.0)
        bar.step("second")
    with pytest.raises(ValueError), progress.task("failing", 1) as bar:
        bar.step("x")
        time.sleep(0.5)
        raise ValueError
    shown = b""
    while select.select([master], [], [], 0.2)[0]:
        shown += os.read(master, 4096)
    terminal.close()
    os.close(master)
    text = shown.decode()
    ticks = re.findall(r"\rchainrule: demo: 1 of 2 first, (\d\.\d) s elapsed\x1b\[K", text)
    assert len(ticks) >= 2 and len(set(ticks)) == len(ticks)  # the clock moved in place
    assert "\rchainrule: demo: done, 2 of 2, " in text and "\n" in text
    assert text.endswith("\r\x1b[K")  # the failed task's line is cleared for the error
