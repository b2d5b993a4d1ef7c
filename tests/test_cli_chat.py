"""`qabot chat`: piped questions (a subprocess and CliRunner), the session's commands and follow-ups, the
prompt_toolkit loop fed keystrokes, and the real interactive program in a pseudo-terminal."""

from __future__ import annotations

import io
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.repl import ChatSession, run_interactive, run_piped
from bot.settings import ROOT, Settings

SEEDS = ROOT / "seeds"
SEED_FILES = sorted(p.name for p in SEEDS.glob("*.txt"))


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_")}
    env.update(
        QABOT_INDEX_DIR=str(settings.index_dir),
        QABOT_CORPUS=str(settings.corpus),
        QABOT_EMBEDDER=settings.embedder,
        QABOT_ENGINE="extractive",
    )
    env.update(extra)
    return env


def chat(settings: Settings, stdin: str, *args: str) -> Result:
    cleared: dict[str, str | None] = {k: None for k in os.environ if k.startswith("QABOT_")}
    return CliRunner().invoke(app, ["chat", *args], env={**cleared, **env_for(settings)}, input=stdin)


def session(bot: object, plain: bool = True) -> tuple[ChatSession, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    console = Console(file=out, width=100, force_terminal=not plain, color_system=None)
    return ChatSession(bot, console, Console(file=err, width=100), plain=plain), out, err  # type: ignore[arg-type]


# ---------------------------------------------------------------- piped


@pytest.mark.model
def test_piped_chat_answers_follow_ups_and_commands(real_bot: object, real_settings: Settings) -> None:
    """A shell pipe into the real console entry point: questions and commands one per line, plain answers."""
    script = "\n".join(
        [
            "Who is Ahmad Massoud?",
            "Who was his father?",
            ":show 1",
            ":sources",
            ":reset",
            "",
            ":quit",
            "This line is never read as a question",
        ]
    )
    done = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "chat"],
        input=script + "\n",
        env=env_for(real_settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "\x1b[" not in done.stdout and "qabot>" not in done.stdout  # plain: no colours, no prompt
    blocks = re.split(r"^> ", done.stdout, flags=re.MULTILINE)[1:]
    assert [b.splitlines()[0] for b in blocks] == [
        "Who is Ahmad Massoud?",
        "Who was his father?",
        ":show 1",
        ":sources",
        ":reset",
        ":quit",
    ]
    first, follow_up, show, sources, reset, _ = blocks
    assert "Ahmad Massoud" in first and "\nSources:\n[1] " in first
    # The follow-up was asked with the conversation: "his" became the person asked about.
    understood = re.search(r"^\(understood as: (.*)\)$", follow_up, flags=re.MULTILINE)
    assert understood and "Massoud" in understood.group(1)
    assert "\nSources:\n[1] " in follow_up
    # :show 1 prints the whole passage behind citation [1] of the last answer, which contains its quote.
    quote = re.search(r"^\[1\] .*\n    “(.*)”$", follow_up, flags=re.MULTILINE)
    assert quote
    assert show.startswith(":show 1\n[1] ") and quote.group(1) in show
    assert len(show) > len(quote.group(1)) + 80
    assert [line.split("\t")[0] for line in sources.splitlines()[1:] if line] == SEED_FILES
    assert "Conversation cleared" in reset
    assert "never read" not in done.stdout


def test_piped_chat_reports_bad_lines_on_stderr_and_carries_on(fast_bot: object, fast_settings: Settings) -> None:
    result = chat(fast_settings, ":show 1\n?!\n:bogus\n:engine nope\nWho leads the NRF?\n")
    assert result.exit_code == 1  # some lines failed; the rest was still answered
    assert "no answer yet" in result.stderr
    assert "no words" in result.stderr
    assert "Unknown command :bogus" in result.stderr
    assert "Unknown engine 'nope'" in result.stderr
    answered = result.stdout.split("> Who leads the NRF?\n", 1)[1]
    assert answered.strip()  # an answer (or, with the hashing embedder, an abstention) followed


def test_piped_chat_exits_0_at_end_of_input(fast_bot: object, fast_settings: Settings) -> None:
    result = chat(fast_settings, "Who leads the NRF?\n:engine\n")
    assert result.exit_code == 0, result.output
    assert "Engine: extractive" in result.stdout


def test_chat_without_index_or_corpus_fails_clearly(tmp_path: Path) -> None:
    settings = Settings(corpus=tmp_path / "none", index_dir=tmp_path / "index", embedder="hash")
    result = chat(settings, "Who leads the NRF?\n")
    assert result.exit_code == 1 and not result.stdout
    assert "no corpus folder" in result.stderr


# ---------------------------------------------------------------- the session


def test_follow_ups_use_the_conversation_until_reset(fast_bot: object) -> None:
    chat_session, _, _ = session(fast_bot)
    chat_session.handle("Who is Ahmad Massoud?")
    chat_session.handle("Who was his father?")
    assert chat_session.last is not None
    assert "Massoud" in chat_session.last.standalone_question
    assert [t.question for t in chat_session.conversation.turns] == ["Who is Ahmad Massoud?", "Who was his father?"]
    chat_session.handle(":reset")
    assert not chat_session.conversation.turns and chat_session.last is None
    chat_session.handle("Who was his father?")
    assert chat_session.last.standalone_question == "Who was his father?"


def test_conversation_keeps_the_configured_number_of_turns(fast_bot: object) -> None:
    chat_session, _, _ = session(fast_bot)
    keep = fast_bot.settings.history_turns  # type: ignore[attr-defined]
    for i in range(keep + 2):
        chat_session.handle(f"What happened in Panjshir on day {i}?")
    assert len(chat_session.conversation.turns) == keep
    assert chat_session.conversation.turns[-1].question.endswith(f"{keep + 1}?")


@pytest.mark.model
def test_show_checks_its_argument(real_bot: object) -> None:
    chat_session, out, err = session(real_bot)
    chat_session.handle("Who leads the NRF?")
    assert chat_session.last is not None and chat_session.last.citations
    n = len(chat_session.last.citations)
    for bad in (":show", ":show x", f":show {n + 1}", ":show 0"):
        chat_session.handle(bad)
    assert err.getvalue().count("Give a citation number") == 4
    chat_session.handle(f":show {n}")
    assert chat_session.last.citations[-1].passage in out.getvalue()


def test_engine_switch_applies_to_the_next_question(fast_bot: object) -> None:
    from bot.core import QABot

    bot = QABot(fast_bot.settings, fast_bot.index, fast_bot.retriever, fast_bot.engine)  # type: ignore[attr-defined]
    chat_session, out, _ = session(bot)
    chat_session.handle(":engine llm:fake:The resistance is led by Ahmad Massoud [1].")
    assert "Engine: llm:fake" in out.getvalue()
    chat_session.handle("Who leads the NRF?")
    assert chat_session.last is not None and chat_session.last.engine.startswith("llm:fake")
    chat_session.handle(":engine extractive")
    chat_session.handle("Who leads the NRF?")
    assert chat_session.last.engine == "extractive"


@pytest.mark.model
def test_rich_output_lists_numbered_sources_and_the_corpus(real_bot: object) -> None:
    chat_session, out, _ = session(real_bot, plain=False)
    chat_session.handle("Who leads the NRF?")
    chat_session.handle(":sources")
    chat_session.handle(":help")
    text = out.getvalue()
    answer = chat_session.last
    assert answer is not None and answer.citations
    c = answer.citations[0]
    assert f"[1] {c.source} · {c.date or 'undated'} · line" in text
    assert "Sources" in text and "confidence" in text
    assert all(name in text for name in SEED_FILES)  # the :sources table
    assert ":show N" in text and ":engine NAME" in text


def test_quit_commands_end_the_piped_loop(fast_bot: object) -> None:
    for quit_line in (":quit", ":q", ":exit"):
        chat_session, out, _ = session(fast_bot)
        assert run_piped(chat_session, [":engine\n", f"{quit_line}\n", "Who leads the NRF?\n"]) == 0
        assert "Who leads" not in out.getvalue()


# ---------------------------------------------------------------- the interactive prompt


@pytest.mark.model
def test_prompt_loop_keeps_history_and_handles_ctrl_c_and_ctrl_d(real_bot: object, tmp_path: Path) -> None:
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    history = tmp_path / "sub" / "history"
    chat_session, out, _ = session(real_bot, plain=False)
    with create_pipe_input() as keys:
        keys.send_text("Who leads the NRF?\r")
        keys.send_text("a line I abandon\x03")  # Ctrl-C drops the line, the loop goes on
        keys.send_text(":sources\r")
        keys.send_text("\x04")  # Ctrl-D on an empty line quits
        run_interactive(chat_session, str(history), input=keys, output=DummyOutput())
    text = out.getvalue()
    assert "Ahmad Massoud" in text and all(name in text for name in SEED_FILES)
    saved = history.read_text()
    assert "+Who leads the NRF?" in saved and "+:sources" in saved and "abandon" not in saved
    assert history.stat().st_mode & 0o077 == 0  # private: questions can be personal


def test_ctrl_c_while_answering_cancels_that_question_only(fast_bot: object) -> None:
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from bot.core import QABot
    from retrieval.records import Answer, Conversation

    class InterruptedOnce(QABot):
        """The real bot, except that the first question is interrupted as if Ctrl-C hit mid-answer."""

        interrupted = False

        def answer(self, question: str, conversation: Conversation | None = None) -> Answer:
            if not self.interrupted:
                self.interrupted = True
                raise KeyboardInterrupt
            return super().answer(question, conversation)

    bot = InterruptedOnce(fast_bot.settings, fast_bot.index, fast_bot.retriever, fast_bot.engine)  # type: ignore[attr-defined]
    chat_session, out, _ = session(bot, plain=False)
    with create_pipe_input() as keys:
        keys.send_text("Who leads the NRF?\rWho leads the NRF?\r:quit\r")
        run_interactive(chat_session, "", input=keys, output=DummyOutput())
    assert "(cancelled)" in out.getvalue()
    assert [t.question for t in chat_session.conversation.turns] == ["Who leads the NRF?"]  # only the second


@pytest.mark.model
@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_chat_in_a_real_terminal(real_bot: object, real_settings: Settings, tmp_path: Path) -> None:
    """The program a person runs: prompt_toolkit on a pty, an answer, then Ctrl-D; the history file persists."""
    import pty

    history = tmp_path / "history"
    env = env_for(real_settings, QABOT_HISTORY_FILE=str(history), TERM="xterm", COLUMNS="100", LINES="40")
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import main; main()", "chat"],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        close_fds=True,
    )
    os.close(child)
    transcript = b""
    seen = b""  # what arrived since the last marker was found

    def read_until(marker: bytes, timeout: float = 60) -> None:
        nonlocal seen, transcript
        deadline = time.monotonic() + timeout
        while marker not in seen:
            assert time.monotonic() < deadline, f"no {marker!r} in {transcript[-800:]!r}"
            ready, _, _ = select.select([main], [], [], 0.2)
            if ready:
                chunk = os.read(main, 65536)
                seen += chunk
                transcript += chunk
            if b"\x1b[6n" in seen:  # answer prompt_toolkit's cursor position request as a terminal would
                seen = seen.replace(b"\x1b[6n", b"")
                os.write(main, b"\x1b[1;1R")
        seen = seen[seen.index(marker) + len(marker) :]

    try:
        read_until(b"qabot>")
        os.write(main, b"Who leads the NRF?\r")
        read_until(b"Sources")
        read_until(b"qabot>")
        os.write(main, b"\x04")
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    assert b"Massoud" in transcript
    assert "+Who leads the NRF?" in history.read_text()
