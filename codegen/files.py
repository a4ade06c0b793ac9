"""Writing output files whole or not at all.

Contract: ``write_atomic(path, content)`` writes text or bytes to a temporary file beside
``path`` and renames it into place, so a reader never sees a half-written file and a failure
leaves nothing behind. The file gets the usual permissions (0666 less the umask). An
``OSError`` becomes a one-line ``SpecError``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from derive.errors import SpecError


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
