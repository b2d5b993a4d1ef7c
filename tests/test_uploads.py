"""Adding articles (bot/uploads.py, `qabot add`): real files into a temporary corpus with a real index on disk
(hashing embedder), URLs from a real HTTP server on 127.0.0.1, refusals with their reasons, and nothing
half-added when the index cannot be updated."""

from __future__ import annotations

import http.server
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core import QABot
from bot.live import IndexWriter
from bot.settings import Settings
from bot.uploads import INDEX_WAIT, UploadRefused, add_file, add_url, safe_name
from retrieval.errors import QabotError
from retrieval.index import load_index
from retrieval.locking import writer_lock
from tests.conftest import SEEDS, make_settings
from tests.test_cli import env_for, invoke

RAIN = (
    b"Floods in Kabul\n2021-09-09\n\nHeavy rain flooded the old bazaar of Kabul on Thursday.\n\n"
    b"The city council said forty shops were damaged by the water.\n"
)
PAGE = b"""<html><head><title>Dam opens on the Helmand river</title>
<meta property="article:published_time" content="2021-09-10"></head>
<body><nav>Home</nav><article><h1>Dam opens on the Helmand river</h1>
<p>Engineers opened the Kajaki dam on the Helmand river on Friday after two years of repairs.</p>
<p>The dam will give electricity to three hundred thousand homes in Helmand, officials said.</p>
</article><footer>All rights reserved</footer></body></html>"""


@pytest.fixture(scope="module")
def writer(tmp_path_factory: pytest.TempPathFactory) -> IndexWriter:
    """One writer (models loaded once) for the module; each test points it at its own corpus and index."""
    return IndexWriter(make_settings(tmp_path_factory.mktemp("unused")))


@pytest.fixture
def settings(tmp_path: Path, writer: IndexWriter) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in sorted(p.name for p in SEEDS.iterdir())[:2]:
        shutil.copy(SEEDS / name, corpus)
    s = make_settings(tmp_path, corpus=corpus, upload_allow_private=True, upload_timeout=2.0, upload_max_bytes=50_000)
    writer.settings = s
    writer.update()
    return s


def indexed_files(s: Settings) -> set[str]:
    return set(load_index(s.index_dir).files)


def test_a_text_file_is_stored_indexed_and_answered(settings: Settings, writer: IndexWriter) -> None:
    added = add_file(settings, "Kabul floods.txt", RAIN, writer)
    assert added.file == "Kabul-floods.txt"
    assert (added.title, added.date, added.articles) == ("Floods in Kabul", "2021-09-09", 1)
    assert added.sentences == 3
    assert (settings.corpus / added.file).read_bytes() == RAIN
    assert added.file in indexed_files(settings)
    answer = QABot.load(settings).answer("How many shops were damaged by the water in Kabul?")
    assert any(c.source == added.file for c in answer.citations), answer


def test_a_taken_name_gets_a_suffix_and_the_same_text_is_refused(settings: Settings, writer: IndexWriter) -> None:
    first = add_file(settings, "news.txt", RAIN, writer)
    second = add_file(settings, "news.txt", RAIN.replace(b"forty", b"fifty"), writer)
    assert (first.file, second.file) == ("news.txt", "news-2.txt")
    assert (settings.corpus / "news.txt").read_bytes() == RAIN  # never overwritten
    with pytest.raises(UploadRefused, match=r"already in the corpus as news\.txt"):
        add_file(settings, "again.txt", RAIN, writer)
    assert not (settings.corpus / "again.txt").exists()
    assert {"news.txt", "news-2.txt"} <= indexed_files(settings)


def test_html_is_stored_as_its_article_text(settings: Settings, writer: IndexWriter) -> None:
    added = add_file(settings, "dam.HTML", PAGE, writer)
    assert added.file == "dam.txt"
    assert (added.title, added.date) == ("Dam opens on the Helmand river", "2021-09-10")
    text = (settings.corpus / "dam.txt").read_text(encoding="utf-8")
    assert text.startswith("Dam opens on the Helmand river\n2021-09-10\n\nEngineers opened")
    assert "<p>" not in text and "rights reserved" not in text and "Home" not in text


def test_jsonl_articles_and_bad_lines(settings: Settings, writer: IndexWriter) -> None:
    data = (
        b'{"title": "Wheat prices rise", "date": "1987-03-02", "text": "Wheat prices rose three percent on Monday."}\n'
        b"not json\n"
        b'{"title": "Sugar output falls", "text": "Sugar output fell in Cuba this year, the ministry said."}\n'
    )
    added = add_file(settings, "wire.jsonl", data, writer)
    assert (added.articles, added.title, added.date) == (2, "Wheat prices rise", "1987-03-02")
    assert len(added.skipped) == 1 and added.skipped[0].startswith("line 2: not valid JSON")
    assert "wire.jsonl" in indexed_files(settings)
    with pytest.raises(UploadRefused, match=r"no article line \(line 1: expected a \"text\" string"):
        add_file(settings, "bad.jsonl", b'{"title": "no text"}\n', writer)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("report.pdf", b"%PDF-1.4 ...", r"\.pdf is not taken; send \.txt, \.md, \.html, \.htm or \.jsonl"),
        ("noext", b"text", "a file without a type is not taken"),
        ("../x.txt", b"Escaped text.", "folders in it"),
        ("a/b.txt", b"Escaped text.", "folders in it"),
        ("..\\x.txt", b"Escaped text.", "folders in it"),
        (".env.txt", b"SECRET=1", "hidden file name"),
        ("..", b"x", "hidden file name"),
        ("", b"x", "no name"),
        ("empty.txt", b"", "empty.txt is empty"),
        ("blank.md", b" \n\n\t\n", "blank.md is empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not text"),
        ("latin1.txt", "Caf\u00e9 au lait in Kabul.".encode("latin-1"), "not UTF-8 text"),
        ("big.txt", b"A sentence about Kabul. " * 3000, "big.txt is 72 kB; the limit is 50 kB"),
        ("nothing.html", b"<html><body><script>x()</script></body></html>", "no article text found"),
    ],
)
def test_refusals_add_nothing(settings: Settings, writer: IndexWriter, name: str, data: bytes, reason: str) -> None:
    before = sorted(p.name for p in settings.corpus.iterdir())
    with pytest.raises(UploadRefused, match=reason) as refused:
        add_file(settings, name, data, writer)
    assert isinstance(refused.value, QabotError) and "\n" not in str(refused.value)
    assert sorted(p.name for p in settings.corpus.iterdir()) == before
    assert not (settings.corpus.parent / "x.txt").exists()


def test_safe_names() -> None:
    assert safe_name("Taliban  claim: Panjshir?.TXT") == "Taliban-claim-Panjshir.txt"
    assert safe_name("Кабул новости.md") == "Кабул-новости.md"
    assert safe_name("ｆｕｌｌ.txt") == "full.txt"
    assert safe_name("---.txt") == "article.txt"
    assert len(safe_name("x" * 300 + ".txt")) <= 84


def test_nothing_half_added_when_the_index_cannot_be_updated(
    settings: Settings, writer: IndexWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.uploads.INDEX_WAIT", 0.3)  # not the 120 s an upload waits for a long rebuild
    assert INDEX_WAIT > 0.3
    before = indexed_files(settings)
    with writer_lock(settings.index_dir), pytest.raises(UploadRefused) as refused:
        add_file(settings, "rain.txt", RAIN, writer)
    assert str(refused.value).startswith("rain.txt was not added: The index at ")
    assert "is being updated by pid" in str(refused.value)
    assert not (settings.corpus / "rain.txt").exists()
    assert [p.name for p in settings.corpus.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    assert indexed_files(settings) == before
    assert add_file(settings, "rain.txt", RAIN, writer).file == "rain.txt"  # and it can be sent again


# ---------------------------------------------------------------- URLs


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def send(self, status: int, body: bytes, kind: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/news/dam.html":
            self.send(200, PAGE)
        elif self.path == "/plain/floods.txt":
            self.send(200, RAIN, "text/plain; charset=utf-8")
        elif self.path == "/moved":
            self.send(302, b"", Location="/news/dam.html")
        elif self.path == "/to-file":
            self.send(302, b"", Location="file:///etc/passwd")
        elif self.path == "/loop":
            self.send(302, b"", Location="/loop")
        elif self.path == "/image.png":
            self.send(200, b"\x89PNG\r\n\x1a\n", "image/png")
        elif self.path == "/missing":
            self.send(404, b"not here", "text/plain")
        elif self.path == "/huge":  # no Content-Length: the cap must hold while the body streams
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(200):
                self.wfile.write(b"Kabul news sentence. " * 500)
        elif self.path == "/slow":
            time.sleep(4)
            self.send(200, RAIN, "text/plain")
        else:
            self.send(404, b"")


class QuietServer(http.server.ThreadingHTTPServer):
    """A client that stops reading (the size and time caps do) is expected: no traceback on stderr, where a
    command under test (CliRunner) would capture it as its own output."""

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_page_is_fetched_stored_under_its_title_and_indexed(
    settings: Settings, writer: IndexWriter, server: str
) -> None:
    added = add_url(settings, f"{server}/moved", writer)  # a redirect to the page
    assert added.file == "Dam-opens-on-the-Helmand-river.txt"
    assert (added.title, added.date) == ("Dam opens on the Helmand river", "2021-09-10")
    assert added.file in indexed_files(settings)
    plain = add_url(settings, f"{server}/plain/floods.txt", writer)
    assert (plain.file, plain.title) == ("floods.txt", "Floods in Kabul")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/to-file", "only http and https URLs are fetched, not file"),
        ("/loop", "more than 5 redirects"),
        ("/image.png", "is image/png, not an article"),
        ("/missing", "the server answered 404 Not Found"),
        ("/huge", "larger than the limit of 50 kB"),
        ("/slow", "did not answer within 2 s"),
    ],
)
def test_url_refusals(settings: Settings, writer: IndexWriter, server: str, path: str, reason: str) -> None:
    before = sorted(p.name for p in settings.corpus.iterdir())
    with pytest.raises(UploadRefused, match=reason):
        add_url(settings, server + path, writer)
    assert sorted(p.name for p in settings.corpus.iterdir()) == before


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/a.txt", "only http and https URLs are fetched, not ftp"),
        ("file:///etc/passwd", "not file"),
        ("http:///nohost", "names no host"),
        ("http://127.0.0.1:9/a.html", r"private or local address \(127\.0\.0\.1\); set QABOT_UPLOAD_ALLOW_PRIVATE"),
        ("http://[::1]/a.html", "private or local address"),
        ("http://10.1.2.3/a.html", "private or local address"),
        ("http://169.254.169.254/latest/meta-data", "private or local address"),
        ("http://localhost/a.html", "private or local address"),
    ],
)
def test_urls_refused_before_fetching(tmp_path: Path, url: str, reason: str) -> None:
    s = make_settings(tmp_path, corpus=tmp_path)
    with pytest.raises(UploadRefused, match=reason):
        add_url(s, url)


def test_private_addresses_are_refused_unless_allowed(settings: Settings, writer: IndexWriter, server: str) -> None:
    strict = settings.model_copy(update={"upload_allow_private": False})
    with pytest.raises(UploadRefused, match="private or local address"):
        add_url(strict, f"{server}/news/dam.html", writer)


# ---------------------------------------------------------------- the command


def test_qabot_add(settings: Settings, server: str, tmp_path: Path) -> None:
    (tmp_path / "floods.txt").write_bytes(RAIN)
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    env = env_for(settings, QABOT_UPLOAD_ALLOW_PRIVATE="true")
    result = invoke(env, "add", str(tmp_path / "floods.txt"), f"{server}/news/dam.html")
    assert result.exit_code == 0, result.output
    assert "added floods.txt: 'Floods in Kabul' (2021-09-09), 3 sentences" in result.output
    assert "added Dam-opens-on-the-Helmand-river.txt" in result.output
    result = invoke(env, "add", str(tmp_path / "notes.pdf"), str(tmp_path / "absent.txt"), str(tmp_path / "floods.txt"))
    assert result.exit_code == 1
    assert ".pdf is not taken" in result.output and "no such file" in result.output
    assert "already in the corpus as floods.txt" in result.output
    assert "Traceback" not in result.output
    assert {"floods.txt", "Dam-opens-on-the-Helmand-river.txt"} <= indexed_files(settings)
