"""`qabot`: index, add, search, ask, chat, eval, bench, telegram, models. Thin: parse, call the core, print."""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from bot.console import EXIT_ERROR, clean, err, fail, file_name, one_line, out, protect_logs, settings, text_in
from retrieval.errors import QabotError

if TYPE_CHECKING:
    from bot.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Question answering over news articles.",
    pretty_exceptions_show_locals=False,  # a traceback must never print a local holding the bot token
)
models_app = typer.Typer(no_args_is_help=True, help="Check and install model files.")
app.add_typer(models_app, name="models")


@app.callback()
def main_options(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False) -> None:
    level = logging.INFO if verbose else logging.WARNING
    # The handler filters too: some libraries (bm25s) set their own logger to DEBUG when imported.
    handler = logging.StreamHandler()  # stderr: stdout is for results (`--json`)
    handler.setLevel(level)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", handlers=[handler])
    protect_logs()  # secrets (the bot token) never reach a log line, an exception text or a traceback


@app.command()
def index(
    corpus: Annotated[Path | None, typer.Option(help="Folder of articles (default: seeds/).")] = None,
    rebuild: Annotated[bool, typer.Option(help="Re-embed everything instead of only what changed.")] = False,
    index_dir: Annotated[Path | None, typer.Option(help="Where the index lives.")] = None,
    watch: Annotated[
        bool, typer.Option(help="Then keep watching the corpus folder and update the index on every change.")
    ] = False,
) -> None:
    """Build or update the index of the corpus."""
    from bot.core import rebuild_index
    from retrieval.embed import make_embedder
    from retrieval.files import display_name

    s = settings(corpus=corpus, index_dir=index_dir)
    if watch:
        return _watch(s, rebuild)
    try:
        with err.status("loading the embedding model"):
            embedder = make_embedder(s.embedder)
        report = rebuild_index(
            s, embedder, rebuild=rebuild, progress=sys.stderr.isatty(), on_stage=lambda m: err.print(m, highlight=False)
        )
    except QabotError as e:
        raise fail(e) from e
    state = "up to date" if report.up_to_date else f"embedded {report.embedded} sentences"
    out.print(
        f"{report.files} files, {report.articles} articles, {report.chunks} chunks, {report.sentences} sentences "
        f"({report.index_type}); {state} in {report.seconds:.2f} s"
    )
    for label, items in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        if items and not report.up_to_date:
            out.print(Text(f"  {label}: {', '.join(map(display_name, items))}"))
    for path, reason in report.skipped:
        out.print(Text.assemble("  ", ("skipped", "yellow"), f" {display_name(path)}: {reason}"))


def _watch(s: Settings, rebuild: bool) -> None:
    """`qabot index --watch`: update the index now and on every change of the corpus folder, one line per update,
    until Ctrl-C or SIGTERM (exit status 0 for both)."""
    import signal
    import threading

    from bot.live import IndexWriter, watch

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())  # finish the update under way, then stop
    writer = IndexWriter(s)
    try:
        if rebuild:
            writer.update(rebuild=True)
        err.print(Text(f"watching {file_name(str(s.corpus))} for changes (Ctrl-C to stop)"), highlight=False)
        watch(s, writer, stop, report=lambda line: out.print(Text(line), soft_wrap=True))
    except KeyboardInterrupt:
        pass
    except QabotError as e:
        raise fail(e) from e
    err.print("stopped watching", highlight=False)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", help="How many passages.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Ranked passages for a query, with source, line span and score."""
    if k < 1:
        raise fail(QabotError(f"-k must be at least 1 (it is {k}): how many passages to show."))
    from bot.core import ensure_index
    from retrieval.embed import make_embedder
    from retrieval.search import Retriever

    s = settings()
    query = text_in(query)
    try:
        idx = ensure_index(s)
        embedder = make_embedder(s.query_embedder_spec, s.query_threads)
        passages = Retriever(idx, embedder, fusion=s.fusion).search(query, k=k)
    except QabotError as e:
        raise fail(e) from e
    if as_json:
        print(json.dumps([p.model_dump(mode="json") for p in passages], ensure_ascii=False, indent=2))
        return
    table = Table(show_lines=True)
    for col in ("#", "source", "lines", "score", "passage"):
        table.add_column(col, overflow="fold")
    for p in passages:
        table.add_row(  # Text, not markup: articles contain brackets
            str(p.rank),
            Text(file_name(p.chunk.source)),
            f"{p.chunk.line_start}-{p.chunk.line_end}",
            f"{p.score:.4f}",
            Text(clean(p.chunk.text)),
        )
    out.print(table)


@app.command()
def add(
    sources: Annotated[list[str], typer.Argument(help="Files (.txt, .md, .html, .htm, .jsonl) or http(s) URLs.")],
) -> None:
    """Add articles to the corpus folder and the index: each file or URL is checked, stored under a safe name
    (never over another file) and indexed, or refused with the reason."""
    from bot.live import IndexWriter
    from bot.uploads import add_file, add_url

    s = settings()
    writer = IndexWriter(s)
    refused = 0
    for source in map(text_in, sources):
        try:
            if re.match(r"[A-Za-z][\w+.-]*://", source):
                added = add_url(s, source, writer)
            else:
                added = add_file(s, Path(source).name, _read_upload(Path(source), s.upload_max_bytes), writer)
        except QabotError as e:
            refused += 1
            err.print(Text.assemble(("refused ", "bold red"), file_name(source), ": ", str(e)), soft_wrap=True)
            continue
        what = f"{added.articles} articles, " if added.articles > 1 else ""
        out.print(
            Text(f"added {file_name(added.file)}: {one_line(added.title)!r} ({added.date or 'no date'}), ")
            + Text(f"{what}{added.sentences} sentences"),
            soft_wrap=True,
        )
        for line in added.skipped:
            out.print(Text(f"  skipped {line}"), soft_wrap=True)
    if refused:
        raise typer.Exit(EXIT_ERROR)


def _read_upload(path: Path, limit: int) -> bytes:
    """A local file's bytes for `qabot add` (a file over the limit is not even read)."""
    from retrieval.errors import UploadRefused

    try:
        if not path.is_file():
            raise UploadRefused("not a file" if path.exists() else "no such file")
        if path.stat().st_size > limit:
            raise UploadRefused(f"{path.stat().st_size / 1e6:.1f} MB; the limit is {limit / 1e6:.1f} MB")
        return path.read_bytes()
    except OSError as e:
        raise UploadRefused(f"cannot be read ({e.strerror or e})") from e


@models_app.command("verify")
def models_verify() -> None:
    """Check every installed model file against its pinned SHA-256."""
    from retrieval.embed import verify_models

    try:
        results = verify_models()
    except QabotError as e:
        raise fail(e) from e
    bad = [path for path, ok in results if not ok]
    for path, ok in results:
        out.print(f"{'ok ' if ok else 'BAD'} {path}")
    if bad:
        raise fail(
            QabotError(f"{len(bad)} model file(s) do not match their pinned SHA-256; reinstall with `make setup`.")
        )


def _register_front_ends() -> None:
    """Each front-end owns its command; their modules import nothing heavy at the top."""
    from bench.command import bench_command
    from bot.engines.llm_install import install_llm_command
    from bot.evaluation.calibrate import calibrate_command
    from bot.evaluation.command import eval_command
    from bot.repl import ask_command, chat_command
    from bot.telegram import telegram_command

    app.command("ask")(ask_command)
    app.command("chat")(chat_command)
    app.command("eval")(eval_command)
    app.command("calibrate")(calibrate_command)
    app.command("bench")(bench_command)
    app.command("telegram")(telegram_command)
    models_app.command("install-llm")(install_llm_command)


_register_front_ends()


def main() -> None:
    app()
