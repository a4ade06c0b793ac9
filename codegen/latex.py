"""Compiling LaTeX to PDF safely: no shell escape, a time limit, nothing half-written.

Contract: ``compile_pdf(tex, pdf_path)`` runs ``pdflatex -no-shell-escape -halt-on-error
-interaction=nonstopmode`` on ``tex`` in a fresh temporary directory (TeX may read files only
below it or from the TeX tree: ``openin_any=p``, ``openout_any=p``), with a timeout, and
writes the PDF to ``pdf_path`` atomically (temp file, then ``os.replace``). It returns the
run's log. Any failure — pdflatex missing, a LaTeX error, the timeout — raises a
``ChainruleError`` whose one-line message names the file, the LaTeX line and the error.
PDFs are reproducible: the document sets ``\\pdfinfoomitdate`` and ``\\pdftrailerid{}``, and
``SOURCE_DATE_EPOCH`` is fixed here for anything else that reads the clock.
``require_pdflatex()`` raises that error up front, for a command to refuse before any work.
``overfull(log)`` lists the widths (pt) of the overfull boxes a log reports.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from codegen.files import write_atomic
from derive.errors import ChainruleError

TIMEOUT = 120.0
COMMAND = ["pdflatex", "-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode",
           "-file-line-error"]
_OVERFULL = re.compile(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)")


def latex_error(log: str) -> str:
    """The first LaTeX error in ``log`` as 'line N: message' (or the log's last line)."""
    match = re.search(r"^(?:\./)?[^:\n]+\.tex:(\d+): (.+)$", log, re.MULTILINE)
    if match:
        return f"line {match.group(1)}: {match.group(2).strip()}"
    match = re.search(r"^! (.+)$(?:.|\n)*?^l\.(\d+)", log, re.MULTILINE)
    if match:
        return f"line {match.group(2)}: {match.group(1).strip()}"
    lines = [line for line in log.splitlines() if line.strip()]
    return lines[-1] if lines else "pdflatex failed without a log"


def require_pdflatex() -> None:
    """Raise the one-line error of a missing ``pdflatex`` (found on ``PATH``)."""
    if shutil.which(COMMAND[0]) is None:
        raise ChainruleError("pdflatex is not installed (not found on PATH); install TeX Live "
                             "or drop --pdf")


def compile_pdf(tex: str, pdf_path: str | Path, timeout: float = TIMEOUT,
                files: dict[str, bytes] | None = None) -> str:
    """Compile ``tex`` and write ``pdf_path``; return the log (see the module docstring).
    ``files`` (name → bytes, e.g. the PNGs it includes) are put beside the source first."""
    pdf_path = Path(pdf_path)
    require_pdflatex()
    env = {**os.environ, "openin_any": "p", "openout_any": "p", "SOURCE_DATE_EPOCH": "0",
           "FORCE_SOURCE_DATE": "1"}
    with tempfile.TemporaryDirectory(prefix="chainrule-tex-") as work:
        source = Path(work) / "handout.tex"
        source.write_text(tex, encoding="utf-8")
        for name, data in (files or {}).items():
            (Path(work) / Path(name).name).write_bytes(data)
        try:
            run = subprocess.run([*COMMAND, source.name], cwd=work, env=env, timeout=timeout,
                           stdin=subprocess.DEVNULL, capture_output=True, check=False)
        except subprocess.TimeoutExpired:
            raise ChainruleError(f"pdflatex took over {timeout:.0f} s on {pdf_path.name}; "
                                 "stopped") from None
        log_path = source.with_suffix(".log")
        log = log_path.read_text(encoding="latin-1") if log_path.exists() else ""
        built = source.with_suffix(".pdf")
        if run.returncode != 0 or not built.exists():
            raise ChainruleError(f"LaTeX failed on {pdf_path.stem}.tex, {latex_error(log)}")
        write_atomic(pdf_path, built.read_bytes())
    return log


def overfull(log: str) -> list[float]:
    """Widths in pt of every ``Overfull \\hbox`` in a pdflatex log."""
    return [float(w) for w in _OVERFULL.findall(log)]
