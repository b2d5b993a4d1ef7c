"""Adding an article: a file's bytes or a URL -> a safely named file in the corpus folder, indexed.

Blocking and front-end free: `qabot add` and the Telegram bot's admin uploads call it (the bot in a thread).
Everything is checked before anything is written: the type (.txt, .md, .html/.htm, .jsonl), the size, UTF-8
text (HTML: article text that trafilatura finds), at least one sentence, not the same text as a file already
there. HTML is stored as the text file the corpus reads (title line, date line, paragraphs), so answers quote
what the index holds. The file appears under a name no other file has (a "-2" suffix rather than overwriting),
complete or not at all (a hidden temporary file, then a link), and the index is updated under its writer lock;
if that fails the file is removed again. Every refusal is UploadRefused with a one-line reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import itertools
import os
import re
import socket
import tempfile
import time
import unicodedata
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.live import IndexWriter
from retrieval.errors import UploadRefused
from retrieval.ingest import file_hashes, read_jsonl_file, read_text_file
from retrieval.records import Added, Article

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = ["ACCEPTED", "Added", "UploadRefused", "add_file", "add_url", "safe_name"]

ACCEPTED = (".txt", ".md", ".html", ".htm", ".jsonl")
HTML = (".html", ".htm")
MAX_STEM = 80  # characters of a stored file name before its suffix
MAX_REDIRECTS = 5
INDEX_WAIT = 120.0  # seconds an upload waits for another writer (e.g. a long rebuild) before giving up
HTML_TYPES = {"text/html", "application/xhtml+xml"}
JSONL_TYPES = {"application/jsonl", "application/x-jsonlines", "application/jsonlines", "application/x-ndjson"}


def add_file(settings: Settings, filename: str, data: bytes, writer: IndexWriter | None = None) -> Added:
    """Store `data` (a file sent as `filename`) in the corpus folder and index it; UploadRefused says why not."""
    name = safe_name(filename)
    _check_size(name, data, settings.upload_max_bytes)
    stem, suffix = os.path.splitext(name)
    if suffix in HTML:
        _, data = html_as_text(data, None, name)
        name = stem + ".txt"
    return _add(settings, name, data, writer)


def add_url(settings: Settings, url: str, writer: IndexWriter | None = None) -> Added:
    """Fetch an http(s) URL (size limit, timeout, public addresses only unless allowed), store it in the corpus
    folder and index it; UploadRefused says why not."""
    data, content_type, final = fetch(settings, url)
    path = PurePosixPath(urlsplit(final).path)
    kind = _kind(content_type, path.suffix.lower(), final)
    _check_size(final, data, settings.upload_max_bytes)
    if kind in HTML:
        title, data = html_as_text(data, final, final)
        return _add(settings, _slug(title or path.stem or urlsplit(final).hostname or "") + ".txt", data, writer)
    return _add(settings, _slug(path.stem or urlsplit(final).hostname or "") + kind, data, writer)


# ---------------------------------------------------------------- checks


def safe_name(filename: str) -> str:
    """The name a file is stored under: a plain name (no folders, not hidden) of an accepted type, NFC, its
    suffix in lower case, with anything but letters, digits, '.', '-' and '_' made '-'."""
    name = unicodedata.normalize("NFC", filename).strip()
    shown = name.encode("unicode_escape").decode("ascii")[:80] or "(no name)"
    if not name:
        raise UploadRefused("the file has no name")
    if "/" in name or "\\" in name or "\x00" in name:
        raise UploadRefused(f"{shown}: a file name with folders in it is not taken; send a plain name")
    if name.startswith("."):
        raise UploadRefused(f"{shown}: a hidden file name (starting with '.') is not taken")
    stem, suffix = os.path.splitext(name)
    suffix = suffix.lower()
    if suffix not in ACCEPTED:
        raise UploadRefused(f"{shown}: {suffix or 'a file without a type'} is not taken; send {_accepted()}")
    return _slug(stem) + suffix


def _slug(text: str) -> str:
    stem = re.sub(r"[^\w.-]+", "-", unicodedata.normalize("NFKC", text)).strip("-._")
    stem = re.sub(r"-{2,}", "-", stem)[:MAX_STEM].rstrip("-._")
    return stem or "article"


def _accepted() -> str:
    return ", ".join(ACCEPTED[:-1]) + " or " + ACCEPTED[-1]


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{n / 1000:.0f} kB"


def _check_size(name: str, data: bytes, limit: int) -> None:
    if not data.strip():
        raise UploadRefused(f"{name} is empty")
    if len(data) > limit:
        raise UploadRefused(f"{name} is {_megabytes(len(data))}; the limit is {_megabytes(limit)}")
    if b"\x00" in data:
        raise UploadRefused(f"{name} is not text (it holds NUL bytes); send UTF-8 text")


def html_as_text(data: bytes, url: str | None, shown: str) -> tuple[str, bytes]:
    """The article in an HTML page as the text file the corpus reads: its title on the first line, its date
    (ISO) on the next, then its paragraphs. (title, the file's bytes); UploadRefused if there is no article text."""
    import trafilatura

    found = trafilatura.bare_extraction(
        data, url=url, favor_precision=True, include_comments=False, include_tables=False, with_metadata=True
    )
    lines = [line.strip() for line in (getattr(found, "text", None) or "").split("\n") if line.strip()]
    if not lines:
        raise UploadRefused(f"{shown}: no article text found in the HTML")
    title = " ".join((getattr(found, "title", None) or "").split())
    day = getattr(found, "date", None) or ""
    if title and lines[0] == title:  # the headline is the first line either way, once
        lines = lines[1:]
    head = [title or lines[0]] + ([day] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) else [])
    body = lines[1:] if not title else lines
    return head[0], ("\n".join(head) + "\n\n" + "\n\n".join(body) + "\n").encode("utf-8")


def _articles(name: str, data: bytes) -> tuple[list[Article], list[str]]:
    """The articles the corpus reads from the file (the index's own readers) and the .jsonl lines left out."""
    problems: list[tuple[int, str]] = []
    try:
        if name.endswith(".jsonl"):
            articles = read_jsonl_file(Path(name), name, data, problems)
        else:
            articles = read_text_file(Path(name), name, data)
    except UnicodeDecodeError as err:
        raise UploadRefused(f"{name} is not UTF-8 text (byte {err.start}); save it as UTF-8") from None
    except ValueError as err:
        raise UploadRefused(f"{name}: {err}") from None
    skipped = [f"line {number}: {reason}" for number, reason in problems]
    articles = [a for a in articles if a.text.strip()]
    if not articles:
        if skipped:
            raise UploadRefused(f"{name} has no article line ({skipped[0]})")
        raise UploadRefused(f"{name} is empty")
    return articles, skipped


# ---------------------------------------------------------------- storing and indexing


def _add(settings: Settings, name: str, data: bytes, writer: IndexWriter | None) -> Added:
    corpus = settings.corpus
    if not corpus.is_dir():
        raise UploadRefused(f"the corpus folder {corpus} does not exist")
    articles, skipped = _articles(name, data)
    writer = writer or IndexWriter(settings)
    articles = writer.split(articles)
    sentences = sum(len(a.sentences) for a in articles)
    if not sentences:
        raise UploadRefused(f"{name} has no sentences to index")
    digest = hashlib.sha256(data).hexdigest()
    same = next((path for path, sha in file_hashes(corpus).items() if sha == digest), None)
    if same is not None:
        raise UploadRefused(f"{name}: the same text is already in the corpus as {same}")
    stored = _write_new(corpus, name, data)
    try:
        report = writer.update(lock_wait=INDEX_WAIT)
    except BaseException as err:
        (corpus / stored).unlink(missing_ok=True)
        if isinstance(err, Exception):
            raise UploadRefused(f"{stored} was not added: {err}") from err
        raise
    if stored in report.unread:  # read by the build and left out whole: not indexed
        (corpus / stored).unlink(missing_ok=True)
        reason = next((why for path, why in report.skipped if path == stored), "the index left it out")
        raise UploadRefused(f"{stored} was not added: {reason}")
    first = articles[0]
    return Added(
        file=stored,
        title=first.title,
        date=first.date,
        sentences=sentences,
        articles=len(articles),
        skipped=tuple(skipped),
    )


def _write_new(folder: Path, name: str, data: bytes) -> str:
    """Write `data` into folder under `name`, or `stem-2.ext`, `stem-3.ext`, ... if taken: never over another
    file, and never seen half-written (a hidden temporary file, synced, then linked under its name)."""
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        stem, suffix = os.path.splitext(name)
        for n in itertools.count(1):
            candidate = name if n == 1 else f"{stem}-{n}{suffix}"
            try:
                os.link(tmp, folder / candidate)  # fails if the name is taken, atomically
                return candidate
            except FileExistsError:
                continue
        raise AssertionError("unreachable")
    except OSError as err:
        raise UploadRefused(f"{name} could not be written to the corpus folder ({err.strerror or err})") from err
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


# ---------------------------------------------------------------- fetching


def fetch(settings: Settings, url: str) -> tuple[bytes, str, str]:
    """(body, content type, final URL) of an http(s) URL: redirects followed by hand (each hop checked), the body
    capped at the size limit while it streams, the whole fetch bounded by the timeout."""
    import httpx

    limit, timeout = settings.upload_max_bytes, settings.upload_timeout
    deadline = time.monotonic() + timeout
    headers = {"User-Agent": "qabot", "Accept": "text/html, text/plain, text/markdown, application/jsonl, */*;q=0.1"}
    try:
        with httpx.Client(follow_redirects=False, timeout=timeout, headers=headers) as client:
            for _ in range(MAX_REDIRECTS + 1):
                check_url(url, settings.upload_allow_private)
                with client.stream("GET", url) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = str(response.url.join(response.headers["location"]))
                        continue
                    if response.status_code >= 400:
                        status = f"{response.status_code} {response.reason_phrase}"
                        raise UploadRefused(f"{url}: the server answered {status}")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limit:
                        raise UploadRefused(f"{url} is {_megabytes(int(declared))}; the limit is {_megabytes(limit)}")
                    body = bytearray()
                    for block in response.iter_bytes():
                        body += block
                        if len(body) > limit:
                            raise UploadRefused(f"{url} is larger than the limit of {_megabytes(limit)}")
                        if time.monotonic() > deadline:
                            raise UploadRefused(f"{url} took longer than {timeout:g} s to fetch")
                    return bytes(body), response.headers.get("content-type", ""), str(response.url)
    except httpx.TimeoutException:
        raise UploadRefused(f"{url} did not answer within {timeout:g} s") from None
    except httpx.HTTPError as err:
        raise UploadRefused(f"{url} could not be fetched ({type(err).__name__}: {err})") from None
    raise UploadRefused(f"{url}: more than {MAX_REDIRECTS} redirects")


def check_url(url: str, allow_private: bool) -> None:
    """http or https to a host with public addresses only (unless `allow_private`); else UploadRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise UploadRefused(f"{url[:200]} is not a valid URL ({err})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UploadRefused(f"{url[:200]}: only http and https URLs are fetched, not {scheme or 'a bare name'}")
    host = parts.hostname
    if not host:
        raise UploadRefused(f"{url[:200]} names no host")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, port or (443 if scheme == "https" else 80), type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UploadRefused(f"{host} is not a host name that resolves") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not address.is_global:
            raise UploadRefused(
                f"{host} is a private or local address ({address}); set QABOT_UPLOAD_ALLOW_PRIVATE=true to allow it"
            )


def _kind(content_type: str, suffix: str, url: str) -> str:
    """The file type a fetched body is stored as, from its content type (and the URL's suffix for plain text)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in HTML_TYPES:
        return ".html"
    if kind in JSONL_TYPES:
        return ".jsonl"
    if kind == "text/markdown":
        return ".md"
    if kind == "text/plain" or kind in ("", "application/octet-stream"):
        if suffix in ACCEPTED:
            return ".html" if suffix in HTML else suffix
        if kind == "text/plain":
            return ".txt"
    raise UploadRefused(f"{url[:200]} is {kind or 'of no declared type'}, not an article; send {_accepted()}")
