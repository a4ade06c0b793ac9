"""What the lesson commands share: numbers as text and JSON, and writing their figures.

Contract: ``num(v)`` writes a number in at most 10 significant digits (2.4, not
2.4000000000000004 — the exact runs are exact anyway); ``finite(v)`` is a float for JSON, or
None where it is not finite. ``drawing()`` is ``codegen.lessons.plots``, or a ``SpecError``
saying how to install matplotlib. ``figure_files(make, target, name)`` draws the figures
``make(plots)`` returns and turns them into bytes by path: for a directory ``NAME_KIND.png``
(``KIND.png`` with an empty name); for a path ending in .png, .pdf or .svg that file when
there is one figure, else ``STEM_KIND.EXT`` beside it. ``check_target`` refuses any other
``--plots`` path before anything is computed. ``write(files)`` writes all of them or none
(``codegen.files.write_all``), so a command draws everything before it writes anything;
``finish(text, files)`` writes them, then prints the report ``text``: a command's last step.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path

from codegen.files import write_all
from derive.errors import SpecError

INSTALL = "pip install 'chainrule[lessons]'"
SUFFIXES = (".png", ".pdf", ".svg")


def num(value: float) -> str:
    """A number for a table."""
    return f"{value:.10g}"


def finite(value: float) -> float | None:
    """``value`` for JSON, None where it is not finite."""
    value = float(value)
    return value if math.isfinite(value) else None


def dumps(payload: dict) -> str:
    """The payload as indented JSON, one document."""
    return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def drawing():
    """The plotting module, or a one-line error saying what to install."""
    try:
        from codegen.lessons import plots
    except ImportError:
        raise SpecError(f"the plots need matplotlib: {INSTALL}") from None
    return plots


def check_target(target: str | None) -> None:
    """Refuse a ``--plots`` path that is neither a directory nor a .png/.pdf/.svg file."""
    if target is None:
        return
    suffix = Path(target).suffix.lower()
    if suffix and suffix not in SUFFIXES:
        raise SpecError(f"--plots takes a directory or a file ending in "
                        f"{', '.join(SUFFIXES)}, not {Path(target).name!r}")
    drawing()


def figure_files(make: Callable, target: str | None, name: str) -> dict[Path, bytes]:
    """Path → bytes of the figures ``make(plots)`` (kind → figure) for ``--plots TARGET``;
    the figures are closed."""
    if target is None:
        return {}
    check_target(target)
    plots = drawing()
    figures = make(plots)
    path = Path(target)
    suffix = path.suffix.lower()
    out = {}
    try:
        for kind, fig in figures.items():
            if not suffix:
                stem = f"{name}_{kind}" if name else kind
                out[path / f"{stem}.png"] = plots.figure_bytes(fig, ".png")
            else:
                where = path if len(figures) == 1 else path.with_name(
                    f"{path.stem}_{kind}{suffix}")
                out[where] = plots.figure_bytes(fig, suffix)
    finally:
        plots.close(figures)
    return out


def write(files: dict[Path, bytes]) -> list[Path]:
    """Write every file, or none of those in one directory (all of a command's figures lie
    in one); return the paths."""
    folders: dict[Path, dict[str, bytes]] = {}
    for path, data in files.items():
        folders.setdefault(path.parent, {})[path.name] = data
    return [path for folder, named in folders.items() for path in write_all(folder, named)]


def finish(text: str, files: dict[Path, bytes]) -> int:
    """Write ``files`` (all or none), then print ``text``; exit status 0."""
    write(files)
    sys.stdout.write(text)
    return 0
