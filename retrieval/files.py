"""Reading corpus files safely: never a file whose real path lies outside the corpus folder.

A corpus unpacked from an archive or a git checkout can carry symbolic links; one that points at
`/proc/self/environ` or `/etc/passwd` must not be indexed, quoted or hashed. Links that stay inside
the corpus folder are followed. Every read of a corpus file (ingestion, file hashing, the citation
check) goes through `read_inside`.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def display_name(name: str) -> str:
    """A file name as text that can be stored, printed and cited: a name that is not UTF-8 (its bytes held
    as surrogates, as Python gives them) shows its bad bytes as \\xNN; any other name is unchanged."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class OutsideCorpus(OSError):
    """The path resolves to something outside the corpus folder (or to something that is not a file)."""


def real_inside(root: Path, path: Path) -> Path:
    """The real path of `path`, if it is a regular file inside the real corpus folder; else OutsideCorpus."""
    real_root = root.resolve()
    real = path.resolve(strict=True)
    if real != real_root and not real.is_relative_to(real_root):
        raise OutsideCorpus(f"it links to {display_name(str(real))}, outside the corpus folder")
    return real


@contextmanager
def open_inside(root: Path, path: Path) -> Iterator[BinaryIO]:
    """A regular file under root opened for reading, following links only while they stay inside root.

    The resolved path is opened without following a last link (so a swap after the check is refused),
    and the opened file is checked once more through /proc/self/fd where that exists."""
    real = real_inside(root, path)
    fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OutsideCorpus(f"{display_name(path.name)} is not a regular file")
        opened = Path(f"/proc/self/fd/{fd}")
        if opened.is_symlink():
            real_root = root.resolve()
            target = Path(os.readlink(opened))
            if target != real_root and not target.is_relative_to(real_root):
                raise OutsideCorpus(f"it links to {display_name(str(target))}, outside the corpus folder")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            yield fh
    finally:
        os.close(fd)


def read_inside(root: Path, path: Path) -> bytes:
    """The bytes of a regular file under root (see open_inside)."""
    with open_inside(root, path) as fh:
        return fh.read()


def sha256_inside(root: Path, path: Path) -> str:
    """The SHA-256 of a regular file under root, read in blocks (a file of any size, in bounded memory)."""
    digest = hashlib.sha256()
    with open_inside(root, path) as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def is_regular_inside(root: Path, path: Path) -> bool:
    """A regular file whose real path is inside root (what the corpus may read)."""
    try:
        real = real_inside(root, path)
        return real.is_file()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop on older Pythons
        return False
