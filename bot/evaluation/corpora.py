"""Corpora that a question file brings with it, written to disk under the eval work dir so the run gets its own
index. Two sources share this: RGB's passages (pooled into one .jsonl file) and a header line naming records of
a data file kept outside the repository (one `<id>.txt` article per record, e.g. Reuters-21578 stories):

    {"corpus": {"file": "reuters21578.jsonl.gz", "ids": ["reuters-00006", ...]}}

The data file holds one JSON record a line (plain or gzipped) with `id` and `text`, and optionally `title` and
`date`; each listed record becomes `<id>.txt`: its title line, its date line as written in the data, an empty
line, then the text unchanged (hard line wraps kept)."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.errors import QabotError

HEADER_KEY = "corpus"
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


class CaseFileError(QabotError):
    """A question file (or the corpus its header names) that cannot be used: the message says what to fix."""


def write_corpus(work_dir: Path, label: str, files: Mapping[str, str]) -> Path:
    """Write `files` (name -> text) into `work_dir/<label>-<digest>/corpus` and return that folder. The digest
    covers every name and text, so a changed corpus gets a new folder (and index) and an unchanged one is reused
    as it is: files already holding the right text are not rewritten, and files the corpus no longer lists are
    removed. The index of the corpus goes next to it (`<folder>/index-<embedder>`)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    corpus = work_dir / f"{label}-{digest.hexdigest()[:10]}" / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        target = corpus / name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    for stray in corpus.iterdir():
        if stray.is_file() and stray.name not in files:
            stray.unlink()
    return corpus


# ------------------------------------------------------------------ the header: records of a data file


@dataclass(frozen=True)
class CorpusHeader:
    """What a question file's first line names: a data file of records and the ids of the records to use."""

    file: str
    ids: tuple[str, ...]


def parse_header(record: Mapping[str, Any], where: str) -> CorpusHeader | None:
    """The header when `record` is one (`{"corpus": {"file": ..., "ids": [...]}}`), else None."""
    if HEADER_KEY not in record or "question" in record:
        return None
    unknown = set(record) - {HEADER_KEY} - {k for k in record if k.startswith("_")}
    if unknown:
        raise CaseFileError(f"{where}: unknown field(s) {', '.join(sorted(unknown))} in the corpus header")
    spec = record[HEADER_KEY]
    if not isinstance(spec, dict):
        raise CaseFileError(f'{where}: "corpus" must be an object with "file" and "ids"')
    extra = set(spec) - {"file", "ids"}
    if extra:
        raise CaseFileError(f"{where}: unknown field(s) {', '.join(sorted(extra))} in the corpus header")
    file, ids = spec.get("file"), spec.get("ids")
    if not isinstance(file, str) or not file.strip():
        raise CaseFileError(f'{where}: the corpus header needs "file", the name of the data file')
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise CaseFileError(f'{where}: the corpus header needs "ids", a non-empty list of record ids')
    bad = [i for i in ids if not SAFE_ID.match(i)]
    if bad:
        raise CaseFileError(f"{where}: record id {bad[0]!r} cannot be a file name (letters, digits, . _ - only)")
    return CorpusHeader(file=file.strip(), ids=tuple(dict.fromkeys(ids)))


def data_dirs(question_file: Path, data_dir: Path | None = None) -> list[Path]:
    """Where a header's data file is looked for: `data_dir` alone when given; else next to the question file, then
    ../shared/data from the current directory and from the repository root, then /work/shared/data."""
    if data_dir is not None:
        return [data_dir]
    from bot.settings import ROOT

    candidates = [question_file.parent, Path.cwd() / ".." / "shared" / "data", ROOT.parent / "shared" / "data"]
    candidates.append(Path("/work/shared/data"))
    seen: dict[Path, None] = {}
    for candidate in candidates:
        seen.setdefault(candidate.resolve(), None)
    return list(seen)


def find_data_file(name: str, question_file: Path, data_dir: Path | None = None) -> Path:
    """The data file a header names; a clear error listing where it was looked for when it is nowhere."""
    given = Path(name).expanduser()
    if given.is_absolute():
        if given.is_file():
            return given
        raise CaseFileError(f"corpus data file {given} not found")
    places = data_dirs(question_file, data_dir)
    for place in places:
        if (place / given).is_file():
            return place / given
    where = ", ".join(str(p) for p in places)
    raise CaseFileError(f"corpus data file {name} not found (looked in {where}); pass --data-dir DIR")


def _lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            yield from f
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise CaseFileError(f"cannot read {path}: {e}") from e


def read_records(path: Path, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The records of a JSONL data file (plain or gzipped) whose id is listed, in the order of `ids`; a clear
    error naming the ids the file does not hold."""
    wanted = set(ids)
    found: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise CaseFileError(f"{path}:{number}: not valid JSON ({e.msg})") from e
        if isinstance(record, dict) and record.get("id") in wanted:
            if not isinstance(record.get("text"), str):
                raise CaseFileError(f"{path}:{number}: record {record['id']} has no text")
            found.setdefault(str(record["id"]), record)
    missing = [i for i in ids if i not in found]
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise CaseFileError(f"record id(s) {', '.join(missing[:5])}{more} not in {path}")
    return {i: found[i] for i in ids}


def record_article(record: Mapping[str, Any]) -> str:
    """One record as an article file: title line, date line (both as written in the data, a line break in them
    made a space), an empty line, the text unchanged, a trailing newline. Without title and date: the text alone."""
    head = [" ".join(str(record[k]).splitlines()) for k in ("title", "date") if str(record.get(k) or "").strip()]
    text = str(record["text"])
    body = text if text.endswith("\n") else text + "\n"
    return "\n".join(head) + "\n\n" + body if head else body


def header_corpus(
    header: CorpusHeader, question_file: Path, work_dir: Path, data_dir: Path | None = None
) -> tuple[Path, Path]:
    """Write the records a header names as `<id>.txt` articles; returns (corpus folder, data file)."""
    data_file = find_data_file(header.file, question_file, data_dir)
    records = read_records(data_file, header.ids)
    files = {f"{record_id}.txt": record_article(record) for record_id, record in records.items()}
    return write_corpus(work_dir, question_file.stem, files), data_file
