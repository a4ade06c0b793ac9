"""Writing output files whole or not at all.

Contract: ``write_atomic(path, content)`` writes text or bytes to a temporary file beside
``path`` and renames it into place, so a reader never sees a half-written file and a failure
leaves nothing behind. The file gets the usual permissions (0666 less the umask). An
``OSError`` becomes a one-line ``SpecError``. ``output_dir()`` is where a command writes when
not told: the repository's ``generated/`` when run inside a chainrule checkout, else the
current directory (an installed package never writes into its own install).
A command that writes several files writes all of them or none: ``staged(directory)`` builds
them in a hidden temporary folder inside ``directory`` and moves them in together once every
one is built (``write_all(directory, files)`` for contents already in hand); on a failure the
folder, the files and any directory it created are removed, and a replaced file is restored.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from derive.errors import SpecError

REPO = Path(__file__).resolve().parent.parent


def in_checkout() -> bool:
    """Whether this code is a repository checkout and the current directory lies inside it."""
    if not ((REPO / ".git").exists() and (REPO / "pyproject.toml").is_file()):
        return False
    try:
        return Path.cwd().resolve().is_relative_to(REPO)
    except OSError:  # the current directory was removed
        return False


def output_dir() -> Path:
    """The default output directory: ``generated/`` inside the checkout, else ``.``."""
    return REPO / "generated" if in_checkout() else Path.cwd()


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


class Staging:
    """Files built in a hidden temporary folder inside their target directory, moved into
    place together by ``commit`` (see ``staged``)."""

    def __init__(self, directory: Path, folder: Path) -> None:
        self.directory, self.folder = directory, folder
        self.names: list[str] = []
        self.written: list[Path] = []

    def expect(self, names: list[str]) -> None:
        """Announce every file to be built, so a target that cannot be replaced (a
        directory) is refused before any work."""
        for name in names:
            self.path(name)
        self.check()

    def path(self, name: str) -> Path:
        """Where to build the file ``name`` (a plain file name) before the commit."""
        if Path(name).name != name or name in ("", ".", ".."):
            raise SpecError(f"output name {name!r} is not a plain file name")
        if name not in self.names:
            self.names.append(name)
        return self.folder / name

    def write(self, name: str, content: str | bytes) -> Path:
        """Build ``name`` with ``content``; return where it will be after the commit."""
        write_atomic(self.path(name), content)
        return self.directory / name

    def check(self) -> None:
        """Refuse, before anything is built or moved, a target that cannot be replaced."""
        for name in self.names:
            target = self.directory / name
            if target.is_dir() and not target.is_symlink():
                raise SpecError(f"cannot write {target}: it is a directory; remove it or "
                                "choose another -o")

    def commit(self) -> list[Path]:
        """Move every built file into place, or (on failure) none: a file a move replaced
        is restored."""
        missing = [n for n in self.names if not (self.folder / n).is_file()]
        if missing:
            raise SpecError(f"{', '.join(missing)} was not built")
        self.check()
        backup = self.folder / ".previous"
        backup.mkdir()
        moved: list[str] = []
        try:
            for name in self.names:
                target = self.directory / name
                if target.is_file() or target.is_symlink():
                    os.replace(target, backup / name)
                os.replace(self.folder / name, target)
                moved.append(name)
        except OSError as exc:
            for name in moved:
                (self.directory / name).unlink(missing_ok=True)
            for previous in backup.iterdir():
                os.replace(previous, self.directory / previous.name)
            raise SpecError(f"cannot write {self.directory / name}: "
                            f"{exc.strerror or exc}") from None
        return [self.directory / name for name in self.names]


@contextmanager
def staged(directory: str | Path) -> Iterator[Staging]:
    """Build several output files as one: ``with staged(d) as stage: stage.write(name, …)``.

    Files are built in a temporary folder inside ``directory`` (created if missing) and
    moved in when the block ends without an exception, after every target was checked
    (``Staging.commit``). On any failure — in the block or in the moves — nothing is left
    behind: not the folder, not a file, not a directory this created."""
    directory = Path(directory)
    created = [p for p in (directory, *directory.parents) if not p.exists()]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(dir=directory, prefix=".chainrule-"))
    except OSError as exc:
        _remove_empty(created)
        raise SpecError(f"cannot write into {directory}: {exc.strerror or exc}") from None
    stage, done = Staging(directory, folder), False
    try:
        yield stage
        stage.written = stage.commit()
        done = True
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if not done:
            _remove_empty(created)


def _remove_empty(directories: list[Path]) -> None:
    """Remove the directories (innermost first) that are empty."""
    for directory in directories:
        try:
            directory.rmdir()
        except OSError:
            return


def write_all(directory: str | Path, files: dict[str, str | bytes]) -> list[Path]:
    """Write every file (name → content) into ``directory``, or none of them."""
    with staged(directory) as stage:
        for name, content in files.items():
            stage.write(name, content)
    return stage.written
