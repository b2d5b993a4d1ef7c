"""`qabot ask` (one question) and `qabot chat` (a REPL, or questions piped one per line).

Thin: parse, call `QABot.answer(question, conversation)` once per question, format. Nothing heavy at import
time: the core (numpy, faiss, onnxruntime) loads when a command runs, torch never at query time (the query
embedder is the int8 ONNX twin of MiniLM), prompt_toolkit only for an interactive chat.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from bot.console import (
    clean,
    err,
    fail,
    file_name,
    one_line,
    out,
    read_all,
    read_lines,
    settings,
    short_answer_lines,
    shorten_quotes,
    text_in,
)
from bot.engines import ENGINES
from retrieval.errors import CorpusError, QabotError

if TYPE_CHECKING:
    from prompt_toolkit.history import History
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

    from bot.core import QABot
    from bot.settings import Settings
    from retrieval.records import Answer, Citation

DEFAULT_HISTORY = "~/.qabot_history"
PROMPT = "qabot> "
MARKER = re.compile(r"\[\d+\]")
COMMAND = re.compile(r"^:([A-Za-z?]+)(?:\s+(.*))?$")

HELP = """\
Ask a question about the articles; follow-up questions use the conversation so far.
  :help        this help
  :sources     the corpus: files, titles, dates, chunk counts
  :show N      the full passage behind citation [N] of the last answer
  :reset       forget the conversation (start a new topic)
  :engine      the current answering engine; :engine NAME switches ({engines})
  :quit        leave (also Ctrl-D); Ctrl-C cancels the current line or question"""

EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", "-e", help=f"Answering engine: {ENGINES} (default: QABOT_ENGINE or extractive)"),
]
CorpusOpt = Annotated[Path | None, typer.Option(help="Folder of articles (default: QABOT_CORPUS or seeds/).")]
IndexDirOpt = Annotated[Path | None, typer.Option(help="Where the index lives (default: QABOT_INDEX_DIR or .index/).")]


# ---------------------------------------------------------------- commands


def ask_command(
    question: Annotated[str, typer.Argument(help='The question, or "-" to read it from standard input.')],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print only the Answer record as JSON on stdout (messages go to stderr).")
    ] = False,
    engine: EngineOpt = None,
    corpus: CorpusOpt = None,
    index_dir: IndexDirOpt = None,
) -> None:
    """Answer one question from the articles, with numbered citations (file, lines, verbatim quote).

    Exit status: 0 for an answer or an abstention ("the articles don't say"), 1 for an error.
    """
    from bot.core import check_question

    s = settings(engine=engine, corpus=corpus, index_dir=index_dir)
    try:
        text = check_question(read_all(sys.stdin) if question == "-" else text_in(question), s.max_question_chars)
        # In --json mode stdout carries the record and nothing else: anything a library prints goes to stderr.
        with contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext():
            answer = load_bot(s, err).answer(text)
    except QabotError as e:
        raise fail(e) from e
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    if as_json:
        sys.stdout.write(answer.model_dump_json(indent=2) + "\n")
        sys.stdout.flush()
    else:
        show_answer(out, answer, plain=not out.is_terminal)


def chat_command(
    engine: EngineOpt = None,
    history_file: Annotated[
        str,
        typer.Option(
            envvar="QABOT_HISTORY_FILE",
            help="Where the interactive prompt keeps its line history (empty string: keep none).",
        ),
    ] = DEFAULT_HISTORY,
    corpus: CorpusOpt = None,
    index_dir: IndexDirOpt = None,
) -> None:
    """Ask questions in a conversation: an interactive prompt on a terminal, or questions piped one per line.

    With piped input the answers are printed plainly, one block per line read, and the exit status is 1 if
    any line failed (e.g. an empty or over-long question), 0 otherwise.
    """
    s = settings(engine=engine, corpus=corpus, index_dir=index_dir)
    try:
        bot = load_bot(s, err)
    except QabotError as e:
        raise fail(e) from e
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    if sys.stdin.isatty():
        session = ChatSession(bot, out, err, plain=False, spinner=out.is_terminal)
        run_interactive(session, history_file)
        raise typer.Exit(0)
    session = ChatSession(bot, out, err, plain=True)
    raise typer.Exit(run_piped(session, read_lines(sys.stdin)))


# ---------------------------------------------------------------- loading


def load_bot(settings: Settings, err: Console) -> QABot:
    """The bot over the settings' index; the index is built (progress on stderr) when there is none yet."""
    from bot.core import QABot

    # (a damaged index is reported by the loader; a Milvus store is looked at when it is opened)
    if settings.vector_store == "faiss" and not (settings.index_dir / "CURRENT").exists():
        if not settings.corpus.is_dir():
            raise CorpusError(
                f"There is no index at {settings.index_dir} and no corpus folder at {settings.corpus} to build one "
                "from. Point QABOT_CORPUS (or --corpus) at a folder of articles, or QABOT_INDEX_DIR (or --index-dir) "
                "at a built index."
            )
        err.print(
            Text(
                f"No index at {settings.index_dir} yet: building it from {settings.corpus} "
                "(first run only; later runs load it). Loading the embedding model…",
                style="bold",
            )
        )

    def stage(message: str) -> None:
        err.print(Text(f"  {message}…", style="dim"))

    return QABot.load(settings, progress=sys.stderr.isatty(), on_stage=stage)


# ---------------------------------------------------------------- formatting


def lines_label(citation: Citation) -> str:
    if citation.line_start == citation.line_end:
        return f"line {citation.line_start}"
    return f"lines {citation.line_start}-{citation.line_end}"


def source_label(citation: Citation) -> str:
    return f"{file_name(citation.source)}, {one_line(citation.date or 'undated')}, {lines_label(citation)}"


def quote_text(citation: Citation) -> str:
    """A citation's quote for printing: control characters removed, on one line, abridged when very long."""
    return shorten_quotes(one_line(citation.quote))


def plain_answer(answer: Answer) -> str:
    """The answer as plain text: what piped chat and `ask` into a file or pipe print. The short answer (when the
    engine gave one) comes first, then the cited body, then the numbered sources. Article text is cleaned of
    control characters and terminal escapes."""
    lines = [*map(clean, short_answer_lines(answer)), clean(shorten_quotes(answer.text))]
    if answer.standalone_question != answer.question:
        lines.insert(0, f"(understood as: {one_line(answer.standalone_question)})")
    if answer.citations:
        lines += ["", "Sources:"]
        for c in answer.citations:
            lines.append(f"[{c.n}] {source_label(c)}: {one_line(c.title)}")
            lines.append(f"    “{quote_text(c)}”")
    return "\n".join(lines)


def rich_answer(answer: Answer) -> list[Any]:
    """The answer for a terminal: the short answer in bold, the cited body with highlighted markers, then the
    numbered sources with their quotes."""
    parts: list[Any] = []
    if answer.standalone_question != answer.question:
        parts.append(Text(f"(understood as: {one_line(answer.standalone_question)})", style="dim italic"))
    parts.extend(Text(clean(line), style="bold") for line in short_answer_lines(answer))
    body = Text(clean(shorten_quotes(answer.text)), style="yellow" if answer.abstained else "")
    body.highlight_regex(MARKER, "bold cyan")
    parts.append(body)
    if answer.citations:
        parts.append(Text("\nSources", style="bold underline"))
        for c in answer.citations:
            parts.append(
                Text.assemble(
                    (f"[{c.n}] ", "bold cyan"),
                    (file_name(c.source), "bold"),
                    f" · {one_line(c.date or 'undated')} · {lines_label(c)} · ",
                    (one_line(c.title), "italic"),
                )
            )
            parts.append(Padding(Text(f"“{quote_text(c)}”", style="green"), (0, 0, 0, 4), expand=False))
    timing = answer.timings_ms.get("total_ms")
    footer = f"{answer.engine} · confidence {answer.confidence:.2f}"
    parts.append(Text(footer + (f" · {timing:.0f} ms" if timing is not None else ""), style="dim"))
    return parts


def write_plain(console: Console, text: str) -> None:
    """Text as it is (no markup, wrapping or tab expansion: `:sources` is tab-separated for `cut`)."""
    console.file.write(text + "\n")


def show_answer(console: Console, answer: Answer, plain: bool) -> None:
    if plain:
        write_plain(console, plain_answer(answer))
        return
    for part in rich_answer(answer):
        console.print(part)


# ---------------------------------------------------------------- chat


class ChatSession:
    """One conversation: questions go to the bot with the turns so far; `:` lines are commands."""

    def __init__(self, bot: QABot, out: Console, err: Console, plain: bool = False, spinner: bool = False) -> None:
        from retrieval.records import Conversation

        self.bot = bot
        self.out = out
        self.err = err
        self.plain = plain
        self.spinner = spinner
        self.conversation = Conversation()
        self.last: Answer | None = None
        self.failures = 0

    def handle(self, line: str) -> bool:
        """Act on one line; False when the user asked to quit."""
        line = line.strip()
        if not line:
            return True
        match = COMMAND.match(line)
        if match:
            return self.command(match.group(1).lower(), (match.group(2) or "").strip())
        self.ask(line)
        return True

    def ask(self, question: str) -> None:
        from retrieval.records import Turn

        status = self.out.status("searching the articles…") if self.spinner else contextlib.nullcontext()
        try:
            with status:
                answer = self.bot.answer(question, self.conversation)
        except QabotError as e:
            self.error(str(e))
            return
        self.conversation = self.conversation.add(
            Turn(question=answer.question, answer=answer), keep=self.bot.settings.history_turns
        )
        self.last = answer
        show_answer(self.out, answer, self.plain)
        if self.plain:
            write_plain(self.out, "")

    def command(self, name: str, arg: str) -> bool:
        if name in ("q", "quit", "exit"):
            return False
        if name in ("h", "help", "?"):
            self.say(HELP.format(engines=ENGINES))
        elif name == "sources":
            self.show_sources()
        elif name == "show":
            self.show_passage(arg)
        elif name == "reset":
            from retrieval.records import Conversation

            self.conversation, self.last = Conversation(), None
            self.say("Conversation cleared: the next question starts a new topic.")
        elif name == "engine":
            self.switch_engine(arg)
        else:
            self.error(f"Unknown command :{name}. Type :help for the commands.")
        return True

    def show_sources(self) -> None:
        sources = self.bot.sources()
        if self.plain:
            for s in sources:
                write_plain(
                    self.out,
                    f"{file_name(s.source)}\t{one_line(s.date or 'undated')}\t{s.chunks} chunks\t{one_line(s.title)}",
                )
            write_plain(self.out, "")
            return
        table = Table(title=f"{len(sources)} articles", title_justify="left")
        for col in ("file", "title", "date", "chunks"):
            table.add_column(col, overflow="fold", justify="right" if col == "chunks" else "left")
        for s in sources:
            table.add_row(  # Text, not markup: titles contain brackets
                Text(file_name(s.source)), Text(one_line(s.title)), Text(one_line(s.date or "undated")), str(s.chunks)
            )
        self.out.print(table)

    def show_passage(self, arg: str) -> None:
        if self.last is None:
            self.error("There is no answer yet: ask a question first, then :show N for its citation [N].")
            return
        cited = {c.n: c for c in self.last.citations}
        if not cited:
            self.error("The last answer cites no passage.")
            return
        if not arg.isdigit() or int(arg) not in cited:
            self.error(f"Give a citation number of the last answer: :show N with N in {', '.join(map(str, cited))}.")
            return
        c = cited[int(arg)]
        passage, quote = clean(c.passage or c.quote), clean(c.quote)
        if self.plain:
            write_plain(self.out, f"[{c.n}] {source_label(c)}: {one_line(c.title)}\n{passage}\n")
            return
        self.out.print(
            Text.assemble(
                (f"[{c.n}] ", "bold cyan"),
                (file_name(c.source), "bold"),
                f" · {one_line(c.date or 'undated')} · {lines_label(c)} · ",
                (one_line(c.title), "italic"),
            )
        )
        body = Text(passage)
        at = passage.find(quote)
        if at >= 0:
            body.stylize("bold green", at, at + len(quote))
        self.out.print(Padding(body, (0, 0, 0, 4), expand=False))

    def switch_engine(self, spec: str) -> None:
        if not spec:
            self.say(f"Engine: {self.bot.engine.name} (choose with :engine NAME, one of: {ENGINES}).")
            return
        try:
            self.bot.use_engine(spec)
        except QabotError as e:
            self.error(str(e))
            return
        self.say(f"Engine: {self.bot.engine.name}.")

    def say(self, text: str) -> None:
        if self.plain:
            write_plain(self.out, text + "\n")
        else:
            self.out.print(Text(text, style="dim"))

    def error(self, text: str) -> None:
        self.failures += 1
        if self.plain:
            write_plain(self.err, f"error: {text}")
        else:
            self.out.print(Text.assemble(("error: ", "bold red"), text))


def run_piped(session: ChatSession, lines: Iterable[str]) -> int:
    """Questions one per line (commands too), answers printed plainly; 1 if any line failed."""
    for line in lines:
        if not line.strip():
            continue
        write_plain(session.out, f"> {one_line(line.strip())}")
        try:
            if not session.handle(line):
                break
        except KeyboardInterrupt:
            return 130
        finally:
            session.out.file.flush()  # a script reading answers as they come must not wait for a full buffer
    return 1 if session.failures else 0


def open_history(name: str | None) -> History:
    """A file history (created private) at `name`; in memory when `name` is empty or cannot be written."""
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    if not name:
        return InMemoryHistory()
    path = Path(name).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
        os.chmod(path, 0o600)  # questions can be private
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(path))


def run_interactive(
    session: ChatSession, history_file: str | None, input: Input | None = None, output: Output | None = None
) -> None:
    """The prompt_toolkit loop: line editing, history, completion of `:` commands. Ctrl-D quits, Ctrl-C cancels."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
    from prompt_toolkit.completion import WordCompleter

    commands = [":help", ":sources", ":show", ":reset", ":engine", ":quit"]
    prompt: PromptSession[str] = PromptSession(
        history=open_history(history_file),
        auto_suggest=AutoSuggestFromHistory(),
        completer=WordCompleter(commands, pattern=re.compile(r"^:\w*"), sentence=True),
        complete_while_typing=False,
        input=input,
        output=output,
    )
    n = len(session.bot.index.articles)
    session.out.print(
        Text(
            f"qabot · {n} articles · engine {session.bot.engine.name}. Ask a question; :help for commands, "
            "Ctrl-D to quit.",
            style="dim",
        )
    )
    while True:
        try:
            line = prompt.prompt(PROMPT)
        except KeyboardInterrupt:
            continue  # Ctrl-C drops the line being typed
        except EOFError:
            break  # Ctrl-D
        try:
            if not session.handle(line):
                break
        except KeyboardInterrupt:
            session.out.print(Text("(cancelled)", style="dim"))
