"""Documents on disk -> Articles: decoding, Unicode normalisation, title/date, boilerplate marks.

Supported: .txt and .md (the file's text), .html/.htm (main text by trafilatura), .jsonl (one
article a line: "text" plus optional title/date/url/source). Anything else is skipped with a
reason, and a file that cannot be read is reported, never raised.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from retrieval.files import OutsideCorpus, display_name, read_inside, sha256_inside
from retrieval.records import Article, Span

log = logging.getLogger(__name__)

TEXT_TYPES = {".txt", ".md", ".markdown"}
HTML_TYPES = {".html", ".htm"}
JSONL_TYPES = {".jsonl"}
SUPPORTED = TEXT_TYPES | HTML_TYPES | JSONL_TYPES

# Lines that belong to the site, not the story. Matched case-insensitively against a whole line.
BOILERPLATE_PATTERNS = [
    r".*can also be accessed at the following alternate address(es)?.*",
    r".*all rights reserved.*",
    r"(subscribe|sign up)( now)? (to|for) (our|the) newsletter.*",
    r"(follow|like) us on .*",
    r"(click here|read more|related( stories| articles)?|advertisement|share this( article)?)\W*",
    r"(live|news|home|menu|search|share|comments?)\W*",  # lone navigation words
    r"[\w .&-]{1,40}(\s+/\s+[\w .&-]{1,40})+",  # breadcrumbs: "News / Afghanistan"
    r".*\bpic\.twitter\.com/\S+.*",  # an embedded tweet's footer line
    r".*\(@\w+\)\s+\w+ \d{1,2}, \d{4}",  # "— Name (@handle) September 6, 2021"
]
_BOILERPLATE = [re.compile(p, re.IGNORECASE) for p in BOILERPLATE_PATTERNS]

DATE_LINE_MAX = 40  # characters: a line this short that parses as a date is the article's date, not text
# An article longer than this is skipped with the reason (a .jsonl record: that line). Indexing is linear
# in size, but parsing every sentence runs at roughly 15k characters a second on one core.
MAX_ARTICLE_CHARS = 1_000_000
DATE_MARK = re.compile(r"^\s*date[:\s]+(\d{4}-\d{2}-\d{2})\b\s*", re.IGNORECASE)
_DATE_FORMATS = ["%Y-%m-%d", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y"]
# A time after the date, as news feeds stamp stories: "26-FEB-1987 15:14:36.41", "2021-09-06T10:00:00Z",
# "2021-09-06 10:00 +0200". The date part is what an article's date is.
_TIME_TAIL = re.compile(
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AP]M)?\s*(?:Z|[A-Z]{2,4}|[+-]\d{2}:?\d{2})?)$", re.IGNORECASE
)


@dataclass
class Corpus:
    """What a folder yielded: the articles, and what was left out and why."""

    root: Path
    articles: list[Article] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    hashes: dict[str, str] = field(default_factory=dict)  # file path -> sha256 of its bytes

    @property
    def unread(self) -> set[str]:
        """Files left out whole (a skipped .jsonl line leaves its file read: its good lines are indexed)."""
        return {path for path, _ in self.skipped if path not in self.hashes}


def normalise(text: str) -> str:
    """NFC, no BOM, Unix newlines: the one form of text that is chunked, quoted and verified."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


# what a feed leaves after a dateline: character references of control codes and its routing codes, short
# groups of capitals ("27-MAR-1987 13:23:36.32&#5;&#5;&#5;F", "...&#5;&#5;&#5;RM", "...&#5;&#5;&#5;C G T M")
_FEED_RESIDUE = re.compile(r"(?:\s*&#\d+;)+(?:\s*[A-Z]{1,2}\b)*\s*$")


def parse_date(text: str) -> str | None:
    """An ISO date from one of the common news spellings ("2021-09-06", "7 Sep 2021", "Sep 7, 2021")."""
    text = _FEED_RESIDUE.sub("", text.strip()).rstrip(".")
    for candidate in dict.fromkeys((text, _TIME_TAIL.sub("", text).strip().rstrip(","))):
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(candidate, fmt).date().isoformat()
            except ValueError:
                continue
    try:  # RFC 2822, as RSS feeds and mail give it: "Mon, 06 Sep 2021 10:00:00 GMT"
        return email.utils.parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def find_date(text: str, head_lines: int = 12) -> str | None:
    """The article's own date: a leading "date 2021-09-06" mark, or a line that is only a date."""
    lines = text.split("\n")[:head_lines]
    for line in lines:
        mark = DATE_MARK.match(line)
        if mark:
            try:
                return date.fromisoformat(mark.group(1)).isoformat()
            except ValueError:
                pass
    for line in lines:
        if 6 <= len(_FEED_RESIDUE.sub("", line.strip())) <= DATE_LINE_MAX:
            found = parse_date(line)
            if found:
                return found
    return None


def is_boilerplate(line: str) -> bool:
    """Site furniture, or a line that is only a date (metadata: it is kept as Article.date)."""
    stripped = line.strip()
    if not stripped:
        return False
    return any(p.fullmatch(stripped) for p in _BOILERPLATE) or (
        len(_FEED_RESIDUE.sub("", stripped)) <= DATE_LINE_MAX and parse_date(stripped) is not None
    )


def boilerplate_spans(text: str) -> tuple[Span, ...]:
    """Spans of lines that are site furniture. A short line after a footer at the end counts too."""
    spans: list[Span] = []
    offset = 0
    in_footer = False
    for line in text.split("\n"):
        stripped = line.strip()
        footer_tail = in_footer and stripped and len(stripped.split()) <= 6 and stripped[-1] not in '.!?"”'
        if is_boilerplate(line) or footer_tail:
            spans.append(Span(start=offset, end=offset + len(line)))
            in_footer = in_footer or "alternate address" in stripped.lower() or "rights reserved" in stripped.lower()
        offset += len(line) + 1
    return tuple(spans)


def guess_title(text: str, boilerplate: tuple[Span, ...]) -> str:
    """A headline-like first line (4-25 words, no closing period), else the first sentence."""
    furniture = {(s.start, s.end) for s in boilerplate}
    offset = 0
    for line in text.split("\n"):
        span = (offset, offset + len(line))
        offset += len(line) + 1
        stripped = DATE_MARK.sub("", line).strip().lstrip("#").strip()
        if not stripped or span in furniture or is_boilerplate(stripped) or parse_date(stripped):
            continue
        if 4 <= len(stripped.split()) <= 25 and stripped[-1] not in ".:;,":
            return stripped
        sentence = re.split(r"(?<=[.!?])\s", stripped, maxsplit=1)[0]
        return sentence if len(sentence) <= 120 else sentence[:117].rsplit(" ", 1)[0] + "..."
    return "(untitled)"


def _too_long(size: int, unit: str) -> str:
    return f"too long for one article ({size:,} {unit}; the limit is {MAX_ARTICLE_CHARS:,} characters)"


def _article(
    source: str,
    text: str,
    sha: str,
    title: str | None = None,
    day: str | None = None,
    url: str | None = None,
    line_offset: int = 0,
    file: str | None = None,
    record: int | None = None,
) -> Article:
    text = normalise(text)
    if len(text) > MAX_ARTICLE_CHARS:
        raise ValueError(_too_long(len(text), "characters"))
    furniture = boilerplate_spans(text)
    return Article(
        source=source,
        file=file or source,
        record=record,
        title=(title or "").strip() or guess_title(text, furniture),
        date=(parse_date(day) if day else None) or find_date(text),
        url=url,
        sha256=sha,
        text=text,
        line_offset=line_offset,
        boilerplate=furniture,
    )


def read_text_file(path: Path, source: str, data: bytes) -> list[Article]:
    return [_article(source, data.decode("utf-8"), hashlib.sha256(data).hexdigest())]


def read_html_file(path: Path, source: str, data: bytes) -> list[Article]:
    import trafilatura  # only when there is HTML to read

    html = data.decode("utf-8", errors="replace")
    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    if not text:
        raise ValueError("no article text found in the HTML")
    meta = trafilatura.extract_metadata(html)
    title = meta.title if meta else None
    day = meta.date if meta else None
    url = meta.url if meta else None
    return [_article(source, text, hashlib.sha256(data).hexdigest(), title, day, url)]


JSONL_FIELDS = ("title", "date", "url", "source")  # optional; each a string when present


def jsonl_record(line: bytes | str) -> dict[str, object]:
    """One .jsonl line as a record with a "text" string and optional string fields; ValueError (with a
    reason a person can act on) for anything else: bad JSON, nesting too deep, a missing or wrongly typed field."""
    try:
        record = json.loads(line.decode("utf-8") if isinstance(line, bytes) else line)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    except UnicodeDecodeError:
        raise ValueError("the line is not valid UTF-8") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"not valid JSON ({err.msg} at column {err.colno})") from None
    if not isinstance(record, dict):
        raise ValueError(f'expected an object with a "text" string, found {type(record).__name__}')
    if not isinstance(record.get("text"), str):
        found = "no" if "text" not in record else f"a {type(record['text']).__name__}"
        raise ValueError(f'expected a "text" string, found {found} "text"')
    for name in JSONL_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f'"{name}" should be a string, not {type(value).__name__} {str(value)[:40]!r}')
    return record


def jsonl_record_text(line: bytes | str) -> str:
    """The article text of one .jsonl line, normalised exactly as it is indexed (and quoted)."""
    return normalise(str(jsonl_record(line)["text"]))


def read_jsonl_file(
    path: Path, source: str, data: bytes, problems: list[tuple[int, str]] | None = None
) -> list[Article]:
    """One article per good line; a bad line is recorded in `problems` (line number, reason) and left out."""
    articles = []
    for number, line in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):  # no BOM
        if not line.strip():
            continue
        try:
            record = jsonl_record(line)
            article = _article(
                f"{source}#{number}",
                str(record["text"]),
                hashlib.sha256(line).hexdigest(),
                record.get("title"),  # type: ignore[arg-type]
                record.get("date"),  # type: ignore[arg-type]
                record.get("url"),  # type: ignore[arg-type]
                line_offset=number - 1,
                file=source,
                record=number,
            )
        except ValueError as err:
            log.warning("skipping line %d of %s: %s", number, source, err)
            if problems is not None:
                problems.append((number, str(err)))
            continue
        articles.append(article)
    return articles


READERS = {
    **{suffix: read_text_file for suffix in TEXT_TYPES},
    **{suffix: read_html_file for suffix in HTML_TYPES},
    **{suffix: read_jsonl_file for suffix in JSONL_TYPES},
}


def file_hashes(root: Path, skipped: list[tuple[str, str]] | None = None) -> dict[str, str]:
    """sha256 of every supported file under root, keyed by its path relative to root. A link out of the
    corpus is never read: it has no hash (so it is never indexed) and is added to `skipped` with the reason."""
    hashes = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in SUPPORTED and not _hidden(path, root):
            source = path.relative_to(root).as_posix()
            try:
                hashes[source] = sha256_inside(root, path)
            except OutsideCorpus as err:
                if skipped is not None:
                    skipped.append((source, f"not read: {err}"))
            except (OSError, RuntimeError):
                continue
    return hashes


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def load_corpus(root: Path, only: set[str] | None = None) -> Corpus:
    """Read every supported file under root (or just the relative paths in `only`)."""
    if not root.is_dir():
        from retrieval.errors import CorpusError

        raise CorpusError(f"The corpus folder {root} does not exist.")
    corpus = Corpus(root=root)
    for path in sorted(root.rglob("*")):
        if not path.is_file() or _hidden(path, root):
            continue
        file = path.relative_to(root).as_posix()  # the key of hashes, the manifest and `only`
        if only is not None and file not in only:
            continue
        source = display_name(file)  # what answers cite: the same, unless the name is not UTF-8
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            log.warning("skipping %s: unsupported file type %r", source, path.suffix or "(none)")
            corpus.skipped.append((file, f"unsupported file type {path.suffix or '(none)'}"))
            continue
        try:
            if reader is not read_jsonl_file and path.stat().st_size > 4 * MAX_ARTICLE_CHARS:  # not even read
                raise ValueError(_too_long(path.stat().st_size, "bytes"))
            data = read_inside(root, path)
            corpus.hashes[file] = hashlib.sha256(data).hexdigest()
            problems: list[tuple[int, str]] = []
            articles = (
                read_jsonl_file(path, source, data, problems)
                if reader is read_jsonl_file
                else reader(path, source, data)
            )
            corpus.articles.extend(a.model_copy(update={"file": file}) for a in articles if a.text.strip())
            corpus.skipped.extend((file, f"line {number}: {reason}") for number, reason in problems)
        except OutsideCorpus as err:
            log.warning("not reading %s: %s", source, err)
            corpus.skipped.append((file, f"not read: {err}"))
            corpus.hashes.pop(file, None)
        except (OSError, RuntimeError, UnicodeDecodeError, ValueError) as err:
            log.warning("cannot read %s: %s", source, err)
            corpus.skipped.append((file, f"unreadable: {err}"))
            corpus.hashes.pop(file, None)
    return corpus
