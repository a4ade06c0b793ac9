"""Writing output files whole or not at all.

Contract: ``write_atomic(path, content)`` writes text or bytes to a temporary file beside
``path`` and renames it into place, so a reader never sees a half-written file and a failure
leaves nothing behind. The file gets the usual permissions (0666 less the umask). An
``OSError`` becomes a one-line ``SpecError``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from derive.errors import SpecError

# What a generated module imports, and what imports it: a module file of one of these names
# would be imported in its place from the folder it sits in.
SHADOWED = frozenset(sys.stdlib_module_names) | {
    "numpy", "sympy", "mpmath", "jinja2", "torch", "autograd", "matplotlib", "scipy",
    "sklearn", "pytest", "derive", "codegen", "chainrule"}


def check_module_name(stem: str, what: str = "the module") -> None:
    """Refuse a Python module file name that would shadow NumPy, the standard library or
    another package a generated module or chainrule itself imports."""
    if stem in SHADOWED:
        raise SpecError(f"{what} would be {stem}.py, which shadows the module {stem!r} "
                        f"(NumPy, the standard library or a package chainrule uses); set "
                        f"another name in the spec or give -o OTHER.py")


def _mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: str | Path, content: str | bytes) -> Path:
    """Write ``content`` to ``path`` atomically; return the path."""
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temp, _mode())
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise
    except OSError as exc:
        raise SpecError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
