"""Files about a person: private whatever the umask, written whole or not at all, and
named only inside the folder they belong to.

A recording is a health record of someone exercising at home, so every folder formcoach
creates for one is 0700 and every file 0600 on POSIX (elsewhere the modes are ignored).
"""

from __future__ import annotations

import errno
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import FileIO
from pathlib import Path
from typing import IO, Any

from formcoach.errors import FormcoachError

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# Exercise and routine ids name a file in their folder: letters, digits, _ and - only, so an
# id can never climb out of it ("../x", "/etc/x", "a/b").
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def make_private_dir(path: Path, exist_ok: bool = False) -> None:
    """Create ``path`` (its parents as usual) readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir(mode=PRIVATE_DIR, exist_ok=exist_ok)  # a umask only ever takes bits away


def create_unique_dir(root: Path, name: str) -> Path:
    """A new private folder ``root/name`` (``name_2``, ``name_3``… if taken). Atomic: two
    runs started in the same second each get their own folder."""
    if not root.exists():
        make_private_dir(root, exist_ok=True)
    for n in range(1, 1000):
        folder = root / (name if n == 1 else f"{name}_{n}")
        try:
            make_private_dir(folder)
        except FileExistsError:
            continue
        return folder
    raise FormcoachError(f"cannot create a new folder named {name} in {root}: 999 are taken")


def touch_private(path: Path) -> Path:
    """Create ``path`` empty (or keep it, made owner-only): for files another library opens
    by name, which would otherwise get the umask's mode."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
    path.chmod(PRIVATE_FILE)
    return path


# What a write on a full disk raises (no space, the file-size limit, the user's quota), in words.
_NO_ROOM = {errno.ENOSPC: "disk full", errno.EFBIG: "file size limit reached", errno.EDQUOT: "disk quota exceeded"}


def no_room(error: OSError) -> str | None:
    """What ran out, if ``error`` is a write that found no room; None for any other error."""
    return _NO_ROOM.get(error.errno or 0)


class WholeWrites:
    """An owner-only file written piece by piece, each piece handed to the OS before
    ``append`` returns, or none of it: a failed write (a full disk) cuts the file back to
    its last whole piece and raises, so a reader never finds half a line or half a frame."""

    def __init__(self, path: Path, truncate: bool = False) -> None:
        self._file = FileIO(touch_private(path), "w" if truncate else "a")  # unbuffered
        self.length = self._file.seek(0, os.SEEK_END)

    def append(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:
                view = view[self._file.write(view) or 0 :]
        except OSError:
            self._file.truncate(self.length)
            raise
        self.length += len(data)

    def overwrite(self, at: int, data: bytes) -> None:
        """Replace bytes the file already has (a header's counts)."""
        self._file.seek(at)
        self._file.write(data)
        self._file.seek(0, os.SEEK_END)

    def close(self) -> None:
        self._file.close()


@contextmanager
def atomic_writer(path: Path) -> Iterator[IO[str]]:
    """A private temporary file beside ``path`` that replaces it only when the block ends
    without an error: a reader never sees half a file, and a failed write leaves nothing."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:100]}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            yield f
        Path(temporary).replace(path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_writer(path) as f:
        f.write(text)


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write atomically and privately (0600): a reader never sees half a file."""
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def write_json_if_room(data: dict[str, Any], path: Path) -> bool:
    """``write_json``, or False (and nothing left behind) on a full disk."""
    try:
        write_json(data, path)
    except OSError as error:
        if no_room(error) is None:
            raise
        return False
    return True


def plain_name(name: str, what: str) -> str:
    """``name`` if it can only name a file inside its folder; else a one-line error."""
    if not _PLAIN_NAME.fullmatch(name):
        raise FormcoachError(f"{what} {name!r} is not a plain name (letters, digits, _ and - only)")
    return name


def inside(root: Path, path: Path) -> bool:
    """Whether ``path``, symlinks followed, is strictly inside ``root``."""
    real_root = root.resolve()
    return path.resolve().is_relative_to(real_root) and path.resolve() != real_root


def library_file(directory: Path, name: str, what: str) -> Path:
    """``directory/name.toml``, the file an exercise or routine id names; refused if the id
    or a symlink leads out of ``directory``."""
    path = directory / f"{plain_name(name, what)}.toml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.toml")))
        raise FormcoachError(f"unknown {what} {name!r}; known: {known}")
    if not inside(directory, path):
        raise FormcoachError(f"{what} {name!r} is a link out of {directory}; refusing to read it")
    return path
