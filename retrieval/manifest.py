"""The manifest of an index version: what it was built from (model, chunking, files and their hashes),
what it holds (counts, segments) and the checksums of its data files. Read, checked and compared with
the corpus here; written by the builders (retrieval/index.py for FAISS, retrieval/stores/milvus.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from retrieval.errors import IndexCorrupt, IndexMissing

FORMAT = 5  # 5: the BM25 model stored (bm25-*); 4: paragraphs and per-sentence parses stored with the articles
READABLE_FORMATS = (4, 5)  # 4 is read (BM25 built at load); an older format is outdated: rebuilt like a missing one

VERSION_NAME = re.compile(r"v-[\w.-]+")  # what publish names a version: no separators, never ".."
FILE_NAME = re.compile(r"\w[\w.-]*")  # a data file of a version
MANIFEST_TYPES = {
    "files": dict,
    "checksums": dict,
    "chunking": dict,
    "counts": dict,
    "model_id": str,
    "dim": int,
    "index_type": str,
}


def current_version(index_dir: Path) -> Path:
    pointer = index_dir / "CURRENT"
    if not pointer.exists() and not pointer.is_symlink():
        raise IndexMissing(str(index_dir))
    try:
        name = pointer.read_bytes().decode("utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        why = "is not a file" if pointer.is_dir() else f"cannot be read ({type(err).__name__})"
        raise IndexCorrupt(str(index_dir), f"CURRENT {why}") from err
    if not VERSION_NAME.fullmatch(name):
        raise IndexCorrupt(str(index_dir), f"CURRENT holds {name[:40]!r}, not a version name")
    version = index_dir / name
    if not version.is_dir():
        raise IndexCorrupt(str(index_dir), f"CURRENT names {version.name}, which does not exist")
    return version


def read_manifest(index_dir: Path, version: Path) -> dict[str, Any]:
    """The version's manifest with the types the loader relies on; IndexCorrupt (naming the fix) otherwise."""
    try:
        manifest = json.loads((version / "manifest.json").read_bytes())
    except (OSError, ValueError, RecursionError) as err:
        raise IndexCorrupt(str(index_dir), f"manifest.json cannot be read ({type(err).__name__})") from err
    if not isinstance(manifest, dict):
        raise IndexCorrupt(str(index_dir), f"manifest.json holds {type(manifest).__name__}, not an object")
    for key, kind in MANIFEST_TYPES.items():
        if not isinstance(manifest.get(key), kind):
            raise IndexCorrupt(str(index_dir), f'manifest.json has no "{key}" {kind.__name__}')
    checksums = manifest["checksums"]
    if not all(is_file_name(k) and _is_checksum(v) for k, v in checksums.items()):
        raise IndexCorrupt(str(index_dir), 'manifest.json "checksums" are not file names with [sha256, size]')
    if not all(isinstance(manifest["counts"].get(n), int) for n in ("articles", "chunks", "sentences")):
        raise IndexCorrupt(str(index_dir), 'manifest.json "counts" are not numbers')
    segments = manifest.get("segments")
    if manifest.get("format") != 2 and not (
        isinstance(segments, list)
        and segments
        and all(
            isinstance(s, dict)
            and is_file_name(s.get("vectors"))
            and is_file_name(s.get("sqlite"))
            and all(isinstance(s.get(n), int) for n in ("articles", "chunks", "sentences"))
            for s in segments
        )
    ):
        raise IndexCorrupt(str(index_dir), 'manifest.json "segments" are not what this qabot wrote')
    faiss_file = manifest.get("faiss_file")
    if faiss_file is not None and not is_file_name(faiss_file):
        raise IndexCorrupt(str(index_dir), 'manifest.json "faiss_file" is not a file name')
    return manifest


def is_file_name(name: object) -> bool:
    """A plain file name inside the version folder (no folder part, no "..")."""
    return isinstance(name, str) and FILE_NAME.fullmatch(name) is not None


def _is_checksum(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], int)


def skipped_files(manifest: dict[str, Any], hashes: dict[str, str]) -> dict[str, str]:
    """Files the build read and left out whole (unreadable, too long, ...) that are still there unchanged:
    they are not read again until they change."""
    skipped = manifest.get("skipped")
    return {p: h for p, h in skipped.items() if hashes.get(p) == h} if isinstance(skipped, dict) else {}


def file_changes(manifest: dict[str, Any], hashes: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """(added, changed, removed) files of the corpus (`hashes`) against an index's manifest."""
    files: dict[str, str] = manifest["files"]
    skipped = skipped_files(manifest, hashes)
    added = sorted(p for p in hashes if p not in files and p not in skipped)
    changed = sorted(p for p in hashes if p in files and files[p] != hashes[p])
    removed = sorted(p for p in files if p not in hashes)
    return added, changed, removed


def segments_of(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's segments in order; a format-2 manifest is one segment."""
    if manifest.get("format") == 2:
        counts = manifest["counts"]
        return [{"vectors": "vectors.npy", "sqlite": "chunks.sqlite", **counts}]
    segments = manifest["segments"]
    assert isinstance(segments, list)
    return segments


def faiss_file_of(manifest: dict[str, Any]) -> str | None:
    """The stored FAISS file, if any (format 2 always stored one; later formats only for HNSW and IVF)."""
    if manifest.get("format") == 2:
        return "index.faiss"
    name = manifest.get("faiss_file")
    return str(name) if name else None
