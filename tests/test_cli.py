"""`qabot ask`, `qabot index` and `qabot search`, driven through the real typer app (CliRunner) and as a
subprocess of the installed console script, over real indexes of seeds/: the packaged MiniLM where the
answer matters (`real_settings`, built once per session), the hashing embedder elsewhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.settings import ROOT, Settings
from retrieval.records import Answer, Citation

NRF = "Who leads the NRF?"
SEEDS = ROOT / "seeds"
OFF_TOPIC = "What is the boiling point of mercury in kelvin?"


def env_for(settings: Settings, **extra: str) -> dict[str, str | None]:
    """The environment a command sees: this index and corpus, nothing inherited from the developer's QABOT_* or
    TELEGRAM_*."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith(("QABOT_", "TELEGRAM_"))}
    env.update(
        QABOT_INDEX_DIR=str(settings.index_dir),
        QABOT_CORPUS=str(settings.corpus),
        QABOT_EMBEDDER=settings.embedder,
        QABOT_ENGINE="extractive",
    )
    env.update(extra)
    return env


def invoke(env: dict[str, str | None], *args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env, input=input)


def qabot(env: dict[str, str | None], *args: str, python_flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """The installed `qabot` entry point in a fresh interpreter (what a user's shell runs)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_")}
    full.update({k: v for k, v in env.items() if v is not None})
    cmd = [sys.executable, *python_flags, "-c", "from bot.cli import main; main()", *args]
    return subprocess.run(cmd, env=full, capture_output=True, text=True, timeout=120)


def in_source(citation: Citation, corpus: Path = SEEDS) -> bool:
    """The quote is verbatim in the cited file, within the cited lines (whitespace folded, NFC)."""
    lines = (corpus / citation.source).read_text(encoding="utf-8").splitlines()
    span = " ".join(lines[citation.line_start - 1 : citation.line_end])

    def fold(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).split())

    return fold(citation.quote) in fold(span)


@pytest.fixture(scope="module")
def real_env(real_bot: object, real_settings: Settings) -> dict[str, str | None]:
    return env_for(real_settings)


@pytest.fixture(scope="module")
def fast_env(fast_bot: object, fast_settings: Settings) -> dict[str, str | None]:
    return env_for(fast_settings)


def hash_settings(tmp_path: Path, corpus: Path = SEEDS) -> Settings:
    return Settings(corpus=corpus, index_dir=tmp_path / "index", embedder="hash")


# ---------------------------------------------------------------- ask


@pytest.mark.model
def test_ask_prints_the_answer_then_numbered_sources(real_env: dict[str, str | None]) -> None:
    result = invoke(real_env, "ask", NRF)
    assert result.exit_code == 0, result.output
    text, _, sources = result.stdout.partition("\nSources:\n")
    assert "Ahmad Massoud" in text and "[1]" in text
    entries = [line for line in sources.splitlines() if line.startswith("[")]
    assert entries and entries[0].startswith("[1] 00")  # "[1] <file>, <date>, line(s) N: <title>"
    assert ", line" in entries[0] and ".txt" in entries[0]
    quotes = [line.strip() for line in sources.splitlines() if line.startswith("    “")]
    assert len(quotes) == len(entries)


@pytest.mark.model
def test_ask_json_is_the_answer_record_alone_and_torch_is_never_imported(real_env: dict[str, str | None]) -> None:
    """A fresh process, as a user runs it: stdout parses as one Answer; the query path stays torch-free."""
    done = qabot(real_env, "ask", "--json", NRF, python_flags=("-X", "importtime"))
    assert done.returncode == 0, done.stderr[-2000:]
    answer = Answer.model_validate_json(done.stdout)  # stdout holds the record and nothing else
    assert answer.question == NRF and not answer.abstained and answer.engine == "extractive"
    assert answer.citations and all(in_source(c) for c in answer.citations)
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert all(f"[{c.n}]" in answer.text for c in answer.citations)
    assert all(c.passage and c.quote in c.passage for c in answer.citations)
    assert {"total_ms", "retrieve_ms"} <= set(answer.timings_ms)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time")}
    assert "onnxruntime" in imported  # the int8 ONNX query embedder did the work...
    assert not {"torch", "sentence_transformers", "telegram", "transformers"} & imported  # ...and nothing heavier


@pytest.mark.model
def test_ask_reads_the_question_from_stdin(real_env: dict[str, str | None]) -> None:
    result = invoke(real_env, "ask", "--json", "-", input="  Who leads\nthe NRF?\n")
    assert result.exit_code == 0, result.output
    answer = Answer.model_validate_json(result.stdout)
    assert answer.question == NRF
    assert "Massoud" in answer.text


@pytest.mark.model
def test_ask_abstains_with_exit_status_0(real_env: dict[str, str | None]) -> None:
    result = invoke(real_env, "ask", "--json", OFF_TOPIC)
    assert result.exit_code == 0, result.output
    answer = Answer.model_validate_json(result.stdout)
    assert answer.abstained and not answer.citations
    plain = invoke(real_env, "ask", OFF_TOPIC)
    assert plain.exit_code == 0
    assert plain.stdout.strip() == answer.text and "Sources" not in plain.stdout


def test_ask_picks_the_engine(fast_env: dict[str, str | None]) -> None:
    result = invoke(fast_env, "ask", "--json", "--engine", "llm:fake:Ahmad Massoud leads the NRF [1].", NRF)
    assert result.exit_code == 0, result.output
    answer = Answer.model_validate_json(result.stdout)
    assert answer.engine.startswith("llm:fake")
    unknown = invoke(fast_env, "ask", "--engine", "nope", NRF)
    assert unknown.exit_code == 1
    assert "Unknown engine 'nope'" in unknown.stderr and not unknown.stdout


@pytest.mark.parametrize(
    ("question", "stdin", "message"),
    [
        ("   ", None, "The question is empty"),
        ("-", "", "The question is empty"),
        ("?!", None, "no words"),
        ("x" * 1001, None, "too long"),
    ],
)
def test_ask_rejects_bad_questions_before_loading_anything(
    tmp_path: Path, question: str, stdin: str | None, message: str
) -> None:
    settings = hash_settings(tmp_path)
    result = invoke(env_for(settings), "ask", question, input=stdin)
    assert result.exit_code == 1
    assert message in result.stderr and not result.stdout
    assert not settings.index_dir.exists()  # refused before any index work


def test_ask_without_index_or_corpus_says_what_to_set(tmp_path: Path) -> None:
    settings = hash_settings(tmp_path, corpus=tmp_path / "no-such-folder")
    result = invoke(env_for(settings), "ask", "--json", NRF)
    assert result.exit_code == 1 and not result.stdout
    assert f"no index at {settings.index_dir}" in result.stderr.lower()
    assert "no corpus folder" in result.stderr and "QABOT_CORPUS" in result.stderr


def test_ask_on_a_corrupt_index_names_the_fix_which_works(tmp_path: Path, fast_settings: Settings) -> None:
    settings = hash_settings(tmp_path)
    shutil.copytree(fast_settings.index_dir, settings.index_dir)
    version = settings.index_dir / (settings.index_dir / "CURRENT").read_text().strip()
    vectors = version / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:-100])  # truncated
    env = env_for(settings)
    broken = invoke(env, "ask", NRF)
    assert broken.exit_code == 1 and not broken.stdout
    assert "cannot be used" in broken.stderr and "qabot index --rebuild" in broken.stderr

    rebuilt = invoke(env, "index", "--rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    fixed = invoke(env, "ask", "--json", NRF)
    assert fixed.exit_code == 0, fixed.output
    assert Answer.model_validate_json(fixed.stdout).question == NRF


def test_ask_builds_the_index_on_first_run_and_loads_it_later(tmp_path: Path) -> None:
    settings = hash_settings(tmp_path)
    env = env_for(settings)
    first = invoke(env, "ask", "--json", NRF)
    assert first.exit_code == 0, first.output
    assert "building it" in first.stderr and "embedding" in first.stderr  # progress goes to stderr
    assert (settings.index_dir / "CURRENT").is_file()
    built = (settings.index_dir / "CURRENT").read_text()
    second = invoke(env, "ask", "--json", NRF)
    assert second.exit_code == 0
    assert "building" not in second.stderr and "embedding" not in second.stderr
    assert (settings.index_dir / "CURRENT").read_text() == built  # loaded, not rebuilt
    assert Answer.model_validate_json(second.stdout).text == Answer.model_validate_json(first.stdout).text


def test_ask_reports_invalid_settings(fast_env: dict[str, str | None]) -> None:
    result = invoke({**fast_env, "QABOT_TOP_K": "many"}, "ask", NRF)
    assert result.exit_code == 1
    assert "QABOT_TOP_K" in result.stderr and "integer" in result.stderr


# ---------------------------------------------------------------- index and search


def test_index_summarises_then_finds_an_unchanged_corpus_up_to_date(tmp_path: Path) -> None:
    from bot.core import rebuild_index
    from retrieval.embed import make_embedder

    settings = hash_settings(tmp_path)
    env = env_for(settings)
    first = invoke(env, "index")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("5 files, 5 articles, ")
    assert "embedded " in first.stdout and "added: 000_" in first.stdout

    again = invoke(env, "index")
    assert again.exit_code == 0
    assert "up to date" in again.stdout and "embedded" not in again.stdout
    report = rebuild_index(settings, make_embedder("hash"))
    assert report.up_to_date and report.embedded == 0 and report.files == 5


def test_index_re_embeds_only_the_changed_file(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    settings = hash_settings(tmp_path, corpus=corpus)
    env = env_for(settings)
    first = invoke(env, "index")
    assert first.exit_code == 0, first.output
    total = int(first.stdout.split(" sentences")[0].rsplit(" ", 1)[-1])
    changed = sorted(corpus.glob("*.txt"))[3]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA new closing sentence was added.\n", encoding="utf-8")
    update = invoke(env, "index")
    assert update.exit_code == 0, update.output
    assert f"changed: {changed.name}" in update.stdout
    embedded = int(update.stdout.split("embedded ")[1].split(" ")[0])
    assert 0 < embedded < total


def test_index_reports_a_missing_corpus(tmp_path: Path) -> None:
    result = invoke(env_for(hash_settings(tmp_path, corpus=tmp_path / "nothing")), "index")
    assert result.exit_code == 1
    assert "does not exist" in result.stderr


@pytest.mark.model
def test_search_json_ranks_passages_with_sources_and_lines(real_env: dict[str, str | None]) -> None:
    result = invoke(real_env, "search", "--json", "-k", "3", NRF)
    assert result.exit_code == 0, result.output
    passages = json.loads(result.stdout)
    assert [p["rank"] for p in passages] == [1, 2, 3]
    scores = [p["score"] for p in passages]
    assert scores == sorted(scores, reverse=True)
    for p in passages:
        chunk = p["chunk"]
        assert (SEEDS / chunk["source"]).is_file() and 1 <= chunk["line_start"] <= chunk["line_end"]
    assert any("Massoud" in p["chunk"]["text"] for p in passages)
