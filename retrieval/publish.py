"""Publishing index versions: write a version folder, switch CURRENT to it atomically, keep the retired
version for a grace period (a reader may have read CURRENT just before the switch), then collect it.

Readers take no lock; writers hold the index's writer lock (retrieval/locking.py). A failure leaves the
previous version live and no temporary files; a write error (full disk, read-only folder) is
IndexNotWritable."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from retrieval.embed import sha256_file
from retrieval.errors import IndexCorrupt, IndexMissing, IndexNotWritable
from retrieval.manifest import current_version

GRACE_SECONDS = 600.0  # a version no longer live is kept this long for readers that may still be opening it


def checksum(path: Path) -> list:
    return [sha256_file(path), path.stat().st_size]


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link (versions are never modified in place, so sharing the data is safe), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def link_carried(version: Path, tmp: Path, names: list[str], checksums: dict[str, list]) -> dict[str, list]:
    """The previous version's data files linked into the new one, their checksums carried over."""
    for name in names:
        link_or_copy(version / name, tmp / name)
    return {name: checksums[name] for name in names}


def publish(index_dir: Path, manifest: dict[str, object], write: Callable[[Path], dict[str, list]]) -> None:
    """Write a version folder (write() fills it and returns the checksums of its data files), then switch
    CURRENT to it atomically and collect the versions retired more than GRACE_SECONDS ago. A failure leaves
    the previous version live and no temporary files; a write error (full disk, read-only folder) is
    IndexNotWritable. The caller holds the writer lock."""
    name = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.perf_counter_ns() % 10**6}"
    version = index_dir / name
    tmp = index_dir / f".tmp-{name}"
    pointer = index_dir / ".CURRENT.tmp"
    try:
        previous = current_version(index_dir).name
    except (IndexMissing, IndexCorrupt):
        previous = None
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        manifest["checksums"] = write(tmp)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        os.replace(tmp, version)
        pointer.write_text(name)
        with pointer.open("rb") as fh:
            os.fsync(fh.fileno())
        if (index_dir / "CURRENT").is_dir() and not (index_dir / "CURRENT").is_symlink():
            shutil.rmtree(index_dir / "CURRENT")  # damage (load_index reports it): a rebuild repairs it
        os.replace(pointer, index_dir / "CURRENT")  # the switch: atomic on POSIX
    except BaseException as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if not _names(index_dir, version.name):  # written but never made live
            shutil.rmtree(version, ignore_errors=True)
        pointer.unlink(missing_ok=True)
        if isinstance(err, (OSError, sqlite3.Error)) and not isinstance(err, IndexCorrupt):
            raise IndexNotWritable(str(index_dir), err) from err
        raise
    if previous is not None:
        _retire(index_dir / previous)
    collect_versions(index_dir, keep=name)


def _names(index_dir: Path, name: str) -> bool:
    try:
        return current_version(index_dir).name == name
    except (IndexMissing, IndexCorrupt):
        return False


def _retire(version: Path) -> None:
    """Mark when a version stopped being live: its folder's time is the start of its grace period."""
    with suppress(OSError):
        os.utime(version)


def collect_versions(index_dir: Path, keep: str, grace: float | None = None) -> list[str]:
    """Remove versions retired more than `grace` seconds ago (a reader that read CURRENT just before the
    switch may still be opening one) and leftovers of interrupted builds. Needs the writer lock."""
    grace = GRACE_SECONDS if grace is None else grace
    removed = []
    for old in index_dir.iterdir():
        if not old.is_dir() or old.is_symlink() or old.name == keep:
            continue
        try:
            expired = time.time() - old.stat().st_mtime > grace
        except OSError:
            continue
        if old.name.startswith(".tmp-") or (old.name.startswith("v-") and expired):
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old.name)
    return removed
