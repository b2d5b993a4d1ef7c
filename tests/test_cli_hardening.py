"""The terminal front-ends against hostile input and bad configuration (issue 12), and the short answer shown
first. Real commands: the typer app through CliRunner and the console script as a subprocess, over real indexes
(the hashing embedder; the `llm:fake` engine where a scripted answer makes the check exact)."""

from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from bot.repl import plain_answer, rich_answer
from bot.settings import ROOT, Settings
from retrieval.records import Answer, Citation
from tests.test_cli import env_for, invoke

NRF = "Who leads the NRF?"
# One article whose file name holds a newline and whose text holds terminal escapes: a title that sets bold, a
# sentence that recolours, retitles the window (OSC, ended by BEL) and clears the screen.
ODD_NAME = "nrf\nreport.txt"
ARTICLE = (
    "NRF \x1b[1mleader\x1b[0m report\n\n"
    "Ahmad Massoud leads the National Resistance Front in the Panjshir valley.\n"
    "The fighters \x1b[31mvowed\x1b[0m to resist\x1b]0;pwned\x07 and hold the \x1b[2Jvalley for ever.\n"
)
REPLY = (
    "Answer: AHMAD MASSOUD\nAhmad Massoud leads the National Resistance Front [1]. The fighters vowed to resist [1]."
)


def qabot(env: dict[str, str | None], *args: str, input: bytes) -> subprocess.CompletedProcess[bytes]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("QABOT_", "TELEGRAM_"))}
    full.update({k: v for k, v in env.items() if v is not None})
    cmd = [sys.executable, "-c", "from bot.cli import main; main()", *args]
    return subprocess.run(cmd, env=full, input=input, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def odd_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    root = tmp_path_factory.mktemp("odd")
    (root / "corpus").mkdir()
    (root / "corpus" / ODD_NAME).write_text(ARTICLE, encoding="utf-8")
    env = env_for(Settings(corpus=root / "corpus", index_dir=root / "index", embedder="hash"))
    built = invoke(env, "index")
    assert built.exit_code == 0, built.output
    return env


@pytest.fixture(scope="module")
def fast_env(fast_bot: object, fast_settings: Settings) -> dict[str, str | None]:
    return env_for(fast_settings)


def fake(reply: str) -> str:
    return "llm:fake:" + json.dumps([reply])


# ---------------------------------------------------------------- the short answer first


def test_ask_shows_the_short_answer_first_then_the_cited_body(odd_env: dict[str, str | None]) -> None:
    result = invoke(odd_env, "ask", "--engine", fake(REPLY), NRF)
    assert result.exit_code == 0, result.output
    first, second, *_ = result.stdout.splitlines()
    assert first == "Ahmad Massoud"  # as the article spells it, not as the model wrote it
    assert second.startswith("Ahmad Massoud leads the National Resistance Front") and "[1]" in second
    record = Answer.model_validate_json(invoke(odd_env, "ask", "--json", "--engine", fake(REPLY), NRF).stdout)
    assert record.short_answer == "Ahmad Massoud" and record.short_answers == ("Ahmad Massoud",)


def test_a_short_answer_no_cited_passage_says_is_not_shown(odd_env: dict[str, str | None]) -> None:
    reply = "Answer: Burhanuddin Rabbani\nAhmad Massoud leads the National Resistance Front [1]."
    record = Answer.model_validate_json(invoke(odd_env, "ask", "--json", "--engine", fake(reply), NRF).stdout)
    assert record.short_answer == "" and record.short_answers == () and record.citations
    plain = invoke(odd_env, "ask", "--engine", fake(reply), NRF)
    assert plain.stdout.startswith("Ahmad Massoud leads the National Resistance Front")


def citation(n: int = 1) -> Citation:
    return Citation(n=n, source="a.txt", title="T", line_start=1, line_end=1, quote="q", passage="q")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"short_answer": "6 September; to end the war", "short_answers": ("6 September", "to end the war")},
         ["6 September", "to end the war"]),
        ({"short_answer": "Disputed", "short_answers": ("Disputed",), "disputed": True}, ["Disputed"]),
        ({"short_answer": "", "short_answers": ()}, []),
        ({"short_answer": "Yes", "short_answers": ("Yes",), "abstained": True}, []),
    ],
    ids=["two-parts", "disputed", "none", "abstained"],
)  # fmt: skip
def test_short_answer_lines_in_plain_and_terminal_output(fields: dict[str, object], expected: list[str]) -> None:
    answer = Answer(question="q", standalone_question="q", text="The body [1]", citations=(citation(),), **fields)  # type: ignore[arg-type]
    assert plain_answer(answer).splitlines()[: len(expected) + 1] == [*expected, "The body [1]"]
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=100)
    for part in rich_answer(answer):
        console.print(part)
    lines = buffer.getvalue().splitlines()
    for i, line in enumerate(expected):
        assert lines[i] == f"\x1b[1m{line}\x1b[0m"  # bold
    assert "The body" in lines[len(expected)]


# ---------------------------------------------------------------- hostile article text and file names


def test_terminal_escapes_from_articles_never_reach_the_terminal(odd_env: dict[str, str | None]) -> None:
    """Issue 12: an article's escape sequences reached stdout raw (recolour, retitle, clear the screen)."""
    result = invoke(odd_env, "ask", "--engine", fake(REPLY), NRF)
    assert result.exit_code == 0, result.output
    assert "vowed to resist and hold the valley" in result.stdout  # the text stays, its escapes go
    assert not {"\x1b", "\x07", "\x9b"} & set(result.stdout)
    chat = invoke(odd_env, "chat", "--engine", fake(REPLY), input=f"{NRF}\n:show 1\n:show 2\n:sources\n")
    assert chat.exit_code == 0, chat.output
    assert "pwned" not in chat.stdout and not {"\x1b", "\x07"} & set(chat.stdout)
    found = invoke(odd_env, "search", "fighters vowed")
    assert found.exit_code == 0 and "\x07" not in found.stdout and "pwned" not in found.stdout


def test_rich_output_drops_escapes_but_keeps_its_own_styles() -> None:
    evil = "quote \x1b]0;pwned\x07with \x1b[2Jescapes\x9b31m and \u202edlrow"
    answer = Answer(
        question="q", standalone_question="q", text=f"{evil} [1]", short_answer=evil, short_answers=(evil,),
        citations=(Citation(n=1, source="a\x1b[31m.txt", title=evil, line_start=1, line_end=1, quote=evil),),
    )  # fmt: skip
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=200)
    for part in rich_answer(answer):
        console.print(part)
    shown = buffer.getvalue()
    assert "pwned" not in shown and "\x07" not in shown and "\x1b[2J" not in shown and "\u202e" not in shown
    assert "a\\x1b[31m.txt" in shown  # a file name is shown escaped: still names the file exactly


def test_a_newline_in_a_file_name_does_not_split_a_citation_line(odd_env: dict[str, str | None]) -> None:
    result = invoke(odd_env, "ask", "--engine", fake(REPLY), NRF)
    sources = result.stdout.split("\nSources:\n", 1)[1].splitlines()
    assert sources[0].startswith("[1] nrf\\nreport.txt, undated, line")  # one line, the \n shown as an escape
    assert sources[1].startswith("    “") and all(line.startswith(("[", "    “")) for line in sources)
    listing = invoke(odd_env, "chat", input=":sources\n")
    assert listing.stdout.splitlines()[1].startswith("nrf\\nreport.txt\t")


# ---------------------------------------------------------------- bad bytes on stdin


def test_ask_reads_invalid_utf8_from_stdin_with_replacement_characters(odd_env: dict[str, str | None]) -> None:
    """Issue 12, item 10: `qabot ask -` crashed on bytes that are not UTF-8."""
    result = invoke(odd_env, "ask", "--json", "-", input=b"Who leads \xff\xfe the NRF?\n")
    assert result.exit_code == 0, result.output
    assert Answer.model_validate_json(result.stdout).question == "Who leads \ufffd\ufffd the NRF?"
    done = qabot({**odd_env, "PYTHONUTF8": "1"}, "ask", "--json", "-", input=b"Who leads \xff the NRF?\n")
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-1500:]  # UTF-8 mode: surrogate escapes
    assert Answer.model_validate_json(done.stdout).question == "Who leads \ufffd the NRF?"


@pytest.mark.parametrize("utf8_mode", ["0", "1"])
def test_piped_chat_goes_on_after_a_line_that_is_not_utf8(odd_env: dict[str, str | None], utf8_mode: str) -> None:
    """Issue 12, item 10: a piped chat ended at the first invalid line; later questions were never answered."""
    lines = b"Who leads the NRF?\nWho \xff\xc3 leads?\n:engine\nWhere is the valley?\n"
    done = qabot({**odd_env, "PYTHONUTF8": utf8_mode}, "chat", input=lines)
    stdout, stderr = done.stdout.decode(), done.stderr.decode(errors="replace")
    assert done.returncode == 0, stderr[-1500:]
    assert "Traceback" not in stderr
    assert "> Who \ufffd\ufffd leads?" in stdout and "Engine: extractive" in stdout
    assert "> Where is the valley?" in stdout


# ---------------------------------------------------------------- small ones


def test_history_turns_0_keeps_no_conversation(fast_bot: object, fast_settings: Settings) -> None:
    """Issue 12: QABOT_HISTORY_TURNS=0 kept every turn (a slice [-0:] is the whole list)."""
    script = "Who is Ahmad Massoud?\nWho was his father?\n"
    remembered = invoke(env_for(fast_settings), "chat", input=script)
    assert "(understood as: " in remembered.stdout  # with turns kept, "his" is resolved...
    forgetful = invoke(env_for(fast_settings, QABOT_HISTORY_TURNS="0"), "chat", input=script)
    assert forgetful.exit_code == 0, forgetful.output
    assert "(understood as: " not in forgetful.stdout  # ...with none kept, there is nothing to resolve it from


@pytest.mark.parametrize("k", ["0", "-3"])
def test_search_rejects_k_below_1(fast_env: dict[str, str | None], k: str) -> None:
    result = invoke(fast_env, "search", "-k", k, "Panjshir")
    assert result.exit_code == 1 and not result.stdout
    assert "-k must be at least 1" in result.stderr


# ---------------------------------------------------------------- bad configuration, one way everywhere


@pytest.mark.parametrize(
    "args",
    [["ask", NRF], ["chat"], ["search", "x"], ["index"], ["eval", str(ROOT / "eval" / "seeds.jsonl")], ["telegram"]],
    ids=["ask", "chat", "search", "index", "eval", "telegram"],
)
@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [("QABOT_TOP_K", "many", "QABOT_TOP_K"), ("TELEGRAM_ALLOWED_USER_IDS", "1,alice", "'alice'")],
    ids=["top-k", "allowed-ids"],
)
def test_bad_configuration_is_one_friendly_error_and_exit_1_in_every_command(
    tmp_path: Path, args: list[str], setting: str, value: str, message: str
) -> None:
    """Issue 12, item 13: ask/chat exited 1, telegram 2, eval with a traceback."""
    settings = Settings(corpus=ROOT / "seeds", index_dir=tmp_path / "index", embedder="hash")
    env = env_for(settings, TELEGRAM_BOT_TOKEN="123:abcdefgh", **{setting: value})
    result = invoke(env, *args)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # handled, not a crash
    assert result.stderr.startswith("error: Invalid setting: ") and message in result.stderr
    assert not result.stdout.strip()
    assert not (tmp_path / "index").exists()  # refused before any work


def test_front_ends_share_one_console_module_and_repl_does_not_import_the_cli() -> None:
    def imported(path: Path) -> set[str]:
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        return names

    fronts = ["bot/cli.py", "bot/repl.py", "bot/telegram/command.py", "bot/evaluation/command.py"]
    for front in fronts:
        assert "bot.console" in imported(ROOT / front), front
    assert "bot.cli" not in imported(ROOT / "bot" / "repl.py")  # the import circle is gone
    assert not {"bot.cli", "bot.repl", "bot.telegram.command"} & imported(ROOT / "bot" / "console.py")
