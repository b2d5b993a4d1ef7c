"""The eval harness end to end on a tiny corpus with the hashing embedder: cases in, scores, JSON, HTML, --compare,
floors and the gate's exit codes; RGB-format loading; quote checking against the files on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from bot.evaluation.cases import CaseFileError, answer_groups, load_cases
from bot.evaluation.command import eval_command
from bot.evaluation.harness import SourceTexts, add_gold_in_passages, run_cases
from bot.evaluation.metrics import summarise
from retrieval.errors import BadQuestion
from retrieval.records import Answer, Citation, Conversation

ALPHA = (
    "The town of Quillon lies on the river Zorbat.\n\n"
    "The mayor of Quillon is Edna Pirrip, who was elected in 2019.\n\n"
    "Quillon is famous for its copper bells.\n"
)
BETA = (
    "The Velmar bridge was built in 1887 by the engineer Tobias Crane.\n\n"
    "It spans the Zorbat north of Quillon and carries the old mail road.\n"
)
CASES: list[dict[str, Any]] = [
    {
        "id": "mayor",
        "question": "Who is the mayor of Quillon?",
        "expected_answer": "Edna Pirrip",
        "must_include": [["Pirrip"]],
        "expected_sources": ["alpha.txt"],
    },
    {
        "id": "bridge-year",
        "question": "When was the Velmar bridge built?",
        "expected_answer": "1887",
        "must_include": [["1887"]],
        "expected_sources": ["beta.txt"],
    },
    {
        "id": "engineer-followup",
        "kind": "followup",
        "history": ["Tell me about the Velmar bridge."],
        "question": "Who was its engineer?",
        "expected_answer": "Tobias Crane",
        "must_include": [["Crane"]],
        "expected_sources": ["beta.txt"],
    },
    {"id": "unrelated", "question": "What is the capital of Mongolia?", "answerable": False},
]


# `qabot eval` exactly as bot/cli.py registers it, without importing every other front-end
app = typer.Typer()
app.callback()(lambda: None)
app.command("eval")(eval_command)


@pytest.fixture()
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "alpha.txt").write_text(ALPHA, encoding="utf-8")
    (corpus / "beta.txt").write_text(BETA, encoding="utf-8")
    (tmp_path / "cases.jsonl").write_text("\n".join(json.dumps(c) for c in CASES) + "\n", encoding="utf-8")
    monkeypatch.setenv("QABOT_EMBEDDER", "hash")
    monkeypatch.setenv("QABOT_CORPUS", str(corpus))
    monkeypatch.setenv("QABOT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("QABOT_ENGINE", "extractive")
    monkeypatch.chdir(tmp_path)  # no stray .env, and results land in tmp
    return tmp_path


def qabot(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["eval", *args, "--no-progress"])
    return result.exit_code, result.output


@pytest.mark.parametrize("store", ["faiss", "milvus"])
def test_eval_end_to_end_writes_json_and_html(tiny: Path, store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if store == "milvus":
        pytest.importorskip("pymilvus", reason="the milvus extra: pip install -e '.[milvus]'")
        monkeypatch.setenv("QABOT_VECTOR_STORE", "milvus")
        monkeypatch.setenv("QABOT_MILVUS_URI", str(tiny / "milvus.db"))
    code, output = qabot("cases.jsonl", "--out", "r/run.json", "--report", "r/run.html")
    assert code == 0, output
    assert "answerable right" in output
    data = json.loads((tiny / "r/run.json").read_text())
    assert [r["id"] for r in data["results"]] == [c["id"] for c in CASES]
    s = data["summary"]
    assert (s["cases"], s["answerable"], s["unanswerable"]) == (4, 3, 1)
    assert s["right"] == sum(r["right"] for r in data["results"])
    assert data["meta"]["engine"] == "extractive" and data["meta"]["format"] == "qabot"
    for r in data["results"]:
        assert set(r) >= {"answer", "citations", "abstained", "retrieved_sources", "latency_ms", "metrics", "verdict"}
        assert r["latency_ms"] > 0
        assert set(r["retrieved_sources"]) <= {"alpha.txt", "beta.txt"}
        for c in r["citations"]:
            # the bot verifies its quotes; the harness re-checks them against the files on disk
            assert c["quote_valid"] and c["span_valid"]
            assert c["quote"] in (tiny / "corpus" / c["source"]).read_text()
    assert s["quote_validity"] in (1.0, None)
    assert s["gold_in_top1"] is None  # whole-file articles: not measured
    # the follow-up was asked after its history: the question the bot searched with differs from the asked one
    follow = next(r for r in data["results"] if r["id"] == "engineer-followup")
    assert follow["history"] == ["Tell me about the Velmar bridge."]

    page = (tiny / "r/run.html").read_text()
    assert page.startswith("<!doctype html>") and "<svg" in page and "latency per question" in page
    assert "<script" not in page and "http" not in page.split("<body>", 1)[1].split("<h2>Summary")[0]
    rows = [page.index(f">{r['id']}<") for r in data["results"]]
    wrong = [p for p, r in zip(rows, data["results"], strict=True) if not r["right"]]
    right = [p for p, r in zip(rows, data["results"], strict=True) if r["right"]]
    if wrong and right:
        assert max(wrong) < min(right)  # failures first


def test_compare_reports_better_and_worse_cases(tiny: Path) -> None:
    code, output = qabot("cases.jsonl", "--out", "new.json")
    assert code == 0, output
    new = json.loads((tiny / "new.json").read_text())
    old = json.loads((tiny / "new.json").read_text())
    flipped = old["results"][0]
    flipped["right"], flipped["verdict"], flipped["answer"] = not flipped["right"], "flipped", "old answer"
    old["summary"]["accuracy"] = (new["summary"]["accuracy"] or 0) - 0.25
    (tiny / "old.json").write_text(json.dumps(old))

    code, output = qabot("cases.jsonl", "--out", "cmp.json", "--report", "cmp.html", "--compare", "old.json")
    assert code == 0, output
    comparison = json.loads((tiny / "cmp.json").read_text())["comparison"]
    side = "better" if new["results"][0]["right"] else "worse"
    other = "worse" if side == "better" else "better"
    assert [r["id"] for r in comparison[side]] == ["mayor"]
    assert comparison[other] == []
    accuracy = next(m for m in comparison["metrics"] if m["metric"] == "accuracy")
    assert accuracy["delta"] == pytest.approx(0.25) and accuracy["better"] is True
    assert f"{side} (1): mayor" in output
    assert "Compared with old.json" in (tiny / "cmp.html").read_text()


def test_floors_and_gate_exit_codes(tiny: Path) -> None:
    (tiny / "easy.json").write_text(json.dumps({"min_quote_validity": 0.0, "max_errors": 0}))
    (tiny / "hard.json").write_text(json.dumps({"_comment": "ignored", "min_accuracy": 1.01}))
    (tiny / "typo.json").write_text(json.dumps({"min_acuracy": 0.5}))

    code, output = qabot("cases.jsonl", "--gate", "easy.json")
    assert code == 0, output
    assert "every floor met" in output

    code, output = qabot("cases.jsonl", "--gate", "hard.json", "--out", "hard-run.json")
    assert code == 1
    assert "floors missed" in output and "accuracy" in output
    assert json.loads((tiny / "hard-run.json").read_text())["missed"]["extractive"]  # written before exiting

    code, output = qabot("cases.jsonl", "--gate", "easy.json", "--min-accuracy", "1.01")  # options add floors
    assert code == 1

    code, output = qabot("cases.jsonl", "--max-p95-ms", "0.001")
    assert code == 1 and "latency_p95_ms" in output

    code, output = qabot("cases.jsonl", "--gate", "typo.json")
    assert code == 2 and "unknown floor" in output

    code, output = qabot("missing.jsonl")
    assert code == 2


def test_bad_case_files_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "Q?", "must_include": "Pirrip"}\n')
    with pytest.raises(CaseFileError, match="must_include"):
        load_cases(bad)
    bad.write_text('{"id": "x", "question": "Q?"}\n')
    with pytest.raises(CaseFileError, match="needs expected_answer or must_include"):
        load_cases(bad)
    bad.write_text('{"id": "x", "question": "Q?", "expected_answer": "a", "expeted_sources": []}\n')
    with pytest.raises(CaseFileError, match="unknown field"):
        load_cases(bad)
    twice = json.dumps({"id": "x", "question": "Q?", "answerable": False})
    bad.write_text(f"{twice}\n{twice}\n")
    with pytest.raises(CaseFileError, match="duplicate"):
        load_cases(bad)


def test_the_project_question_set_loads() -> None:
    from bot.settings import ROOT

    case_set = load_cases(ROOT / "eval" / "seeds.jsonl")
    cases = case_set.cases
    files = {p.name for p in (ROOT / "seeds").iterdir()}
    assert len(cases) >= 60
    assert sum(c.answerable and not c.history for c in cases) >= 40
    assert sum(not c.answerable for c in cases) >= 8
    assert sum(bool(c.history) for c in cases) >= 6
    assert any(c.kind == "disagreement" for c in cases)
    for c in cases:
        assert set(c.expected_sources) <= files, c.id
        assert not c.answerable or (c.expected_sources and c.must_include), c.id


class FakeBot:
    """Answers from a script and records what it was asked, with which conversation."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def answer(self, question: str, conversation: Conversation | None = None) -> Answer:
        turns = len(conversation.turns) if conversation else 0
        self.calls.append((question, turns))
        if question == "boom":
            raise BadQuestion("The question has no words in it.")
        if question == "crash":
            raise RuntimeError("engine bug")
        citation = Citation(n=1, source="alpha.txt", title="t", line_start=3, line_end=3, quote="Edna Pirrip")
        return Answer(
            question=question,
            standalone_question=question,
            text="Edna Pirrip [1]",
            citations=(citation,),
            retrieved_sources=("beta.txt", "alpha.txt"),
        )


def test_harness_asks_history_first_unscored_and_records_errors(tmp_path: Path) -> None:
    (tmp_path / "alpha.txt").write_text(ALPHA, encoding="utf-8")
    rows = [
        {**CASES[0], "history": ["first?", "second?"]},
        {"id": "err", "question": "boom", "answerable": False},
        {"id": "bug", "question": "crash", "answerable": False},
    ]
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    bot = FakeBot()
    results = run_cases(bot, load_cases(tmp_path / "c.jsonl").cases, tmp_path, progress=False)  # type: ignore[arg-type]
    assert bot.calls == [("first?", 0), ("second?", 1), (CASES[0]["question"], 2), ("boom", 0), ("crash", 0)]
    first, err, bug = results
    assert first["right"] and first["metrics"]["rank"] == 2 and first["metrics"]["hit_at_1"] is False
    assert first["citations"][0]["quote_valid"] and first["citations"][0]["span_valid"]
    assert err["verdict"] == "error" and "BadQuestion" in err["error"] and not err["right"]
    assert bug["verdict"] == "error" and bug["error"] == "crash: RuntimeError: engine bug"  # the run went on
    assert summarise(results)["errors"] == 2


def test_quote_check_against_the_files(tmp_path: Path) -> None:
    (tmp_path / "alpha.txt").write_text(ALPHA, encoding="utf-8")
    records = [{"text": "First record."}, {"text": "Second “record”, with\nnewline."}]
    (tmp_path / "p.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    texts = SourceTexts(tmp_path)

    def cite(source: str, quote: str, start: int, end: int) -> dict:
        return {"source": source, "quote": quote, "line_start": start, "line_end": end}

    assert texts.check(cite("alpha.txt", "mayor of Quillon is Edna Pirrip", 3, 3)) == (True, True)
    assert texts.check(cite("alpha.txt", "mayor of Quillon is Edna Pirrip", 1, 1)) == (True, False)  # wrong lines
    assert texts.check(cite("alpha.txt", "mayor of Quillon is Edna  Pirrip", 3, 3)) == (False, False)
    assert texts.check(cite("alpha.txt", "mayor of Quillon", 3, 99)) == (True, False)  # span past the end
    assert texts.check(cite("missing.txt", "x", 1, 1)) == (False, False)
    assert texts.check(cite("p.jsonl#2", "“record”, with\nnewline", 2, 2)) == (True, True)
    assert texts.check(cite("p.jsonl#1", "“record”", 1, 1)) == (False, False)
    assert texts.check(cite("p.jsonl#9", "First", 9, 9)) == (False, False)


RGB = [
    {
        "id": 0,
        "query": "Where was the 2021 Zorbat regatta held?",
        "answer": "Quillon",
        "positive": ["The 2021 Zorbat regatta was held in Quillon in May.", "Quillon hosted the regatta."],
        "negative": ["The 2019 regatta was held in Velmar.", "Rowing is popular on the Zorbat."],
        "positive_wrong": ["The 2021 Zorbat regatta was held in Velmar in May."],
        "fakeanswer": "Velmar",
    },
    {
        "id": 1,
        "query": "Who won the 2021 Zorbat regatta?",
        "answer": ["Tobias Crane", "T. Crane"],
        "positive": ["Tobias Crane won the 2021 Zorbat regatta."],
        "negative": ["Rowing is popular on the Zorbat.", "T. Crane also builds boats."],
        "positive_wrong": [],
    },
    {
        "id": 2,
        "query": "Which two towns share the regatta course?",
        "answer": [["Quillon"], ["Velmar", "Velmar town"]],
        "positive": ["The course runs from Quillon to Velmar."],
        "negative": [],
    },
]


def test_rgb_answers_and_corpus(tmp_path: Path) -> None:
    assert answer_groups("x") == (("x",),)
    assert answer_groups(["x", "y"]) == (("x", "y"),)
    assert answer_groups([["x", "y"], ["z"]]) == (("x", "y"), ("z",))
    assert answer_groups([["x"], "z"]) == (("x",), ("z",))
    assert answer_groups(1887) == (("1887",),)

    path = tmp_path / "rgb.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RGB) + "\n")
    case_set = load_cases(path, work_dir=tmp_path / "work")
    assert case_set.format == "rgb" and case_set.corpus is not None
    lines = (case_set.corpus / "passages.jsonl").read_text().splitlines()
    texts = [json.loads(line)["text"] for line in lines]
    assert len(texts) == 7  # the shared negative passage once; positive_wrong left out of pos+neg
    assert all(set(json.loads(line)) == {"text"} for line in lines)  # no title made from the query
    assert not any("Velmar in May" in t for t in texts)
    regatta, winner, course = case_set.cases
    assert regatta.id == "rgb-0" and regatta.question == RGB[0]["query"]
    assert regatta.must_include == (("Quillon",),)
    # its positives; #7 ("The course runs from Quillon to Velmar.") holds the gold answer but is another
    # question's passage about something else (none of this question's words)
    assert regatta.expected_sources == ("passages.jsonl#1", "passages.jsonl#2")
    assert winner.must_include == (("Tobias Crane", "T. Crane"),)
    # a negative passage holding a gold answer supports the answer too
    assert winner.expected_sources == ("passages.jsonl#5", "passages.jsonl#6")
    assert course.must_include == (("Quillon",), ("Velmar", "Velmar town"))

    wrong = load_cases(path, work_dir=tmp_path / "work", rgb_pool="pos+neg+wrong")
    assert wrong.corpus != case_set.corpus
    assert any("Velmar in May" in line for line in (wrong.corpus / "passages.jsonl").read_text().splitlines())  # type: ignore[operator]
    # the planted answer is what a counterfactual answer must show next to the gold one
    assert wrong.cases[0].conflicting == (("Velmar",),) and case_set.cases[0].conflicting == ()
    assert wrong.cases[1].conflicting == ()  # no fakeanswer given


def test_rgb_eval_builds_and_uses_its_own_corpus(tiny: Path) -> None:
    (tiny / "rgb.jsonl").write_text("\n".join(json.dumps(r) for r in RGB) + "\n")
    code, output = qabot("rgb.jsonl", "--work-dir", "work", "--out", "rgb.json")
    assert code == 0, output
    data = json.loads((tiny / "rgb.json").read_text())
    assert data["meta"]["format"] == "rgb"
    assert Path(data["meta"]["corpus"]).is_relative_to(Path("work"))
    assert Path(data["meta"]["index_dir"]).is_relative_to(Path("work"))
    assert data["summary"]["cases"] == 3 and data["summary"]["unanswerable"] == 0
    for r in data["results"]:
        assert r["retrieved_sources"] and all(s.startswith("passages.jsonl#") for s in r["retrieved_sources"])
        assert all(c["quote_valid"] for c in r["citations"])
        # one-passage articles: whether the top passages hold the gold answer is measured
        assert isinstance(r["metrics"]["gold_in_top1"], bool) and isinstance(r["metrics"]["gold_in_top5"], bool)
    assert data["summary"]["gold_in_top5"] is not None
    assert "abstention (unanswerable)" not in output  # not measured without unanswerable cases: not shown


def test_gold_in_top_passages_for_one_passage_articles(tmp_path: Path) -> None:
    records = [{"text": "Rowing is popular."}, {"text": "Tobias Crane won it."}, {"text": "T. Crane builds boats."}]
    (tmp_path / "p.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    (tmp_path / "alpha.txt").write_text(ALPHA)
    texts = SourceTexts(tmp_path)

    def row(retrieved: list[str]) -> dict[str, Any]:
        r: dict[str, Any] = {"answerable": True, "must_include": [["Tobias Crane"]], "metrics": {}}
        add_gold_in_passages({**r, "retrieved_sources": retrieved}, texts)
        return r["metrics"]

    assert row(["p.jsonl#1", "p.jsonl#2"]) == {"gold_in_top1": False, "gold_in_top5": True}
    assert row(["p.jsonl#2"]) == {"gold_in_top1": True, "gold_in_top5": True}
    assert row(["p.jsonl#1", "p.jsonl#3"]) == {"gold_in_top1": False, "gold_in_top5": False}
    assert row(["p.jsonl#1", "alpha.txt"]) == {}  # a whole-file article: not measured


# ------------------------------------------------------------------ question files that name their corpus

STORIES = [
    {
        "id": "wire-00001",
        "title": "QUILLON BELL MAKER TO EXPAND",
        "date": "26-FEB-1987 15:14:36.41",
        "topics": ["acq"],
        "places": ["usa"],
        "text": "Quillon Bell Works said it will\nbuild a second foundry on the\nZorbat river for 18.5 mln dlrs.\n"
        "    The mayor, Edna Pirrip, welcomed the plan.",
    },
    {
        "id": "wire-00002",
        "title": "VELMAR BRIDGE TO CLOSE",
        "date": "2-MAR-1987 09:01:00.00",
        "topics": [],
        "places": [],
        "text": "The Velmar bridge, built in 1887 by\nTobias Crane, will close for repairs in May.",
    },
    {"id": "wire-00003", "title": "UNLISTED", "date": "3-MAR-1987 10:00:00.00", "text": "Not part of the corpus."},
]
HEADED_CASES: list[dict[str, Any]] = [
    {
        "id": "foundry-cost",
        "question": "How much will the second Quillon foundry cost?",
        "expected_answer": "18.5 mln dlrs",
        "must_include": [["18.5"]],
        "expected_sources": ["wire-00001.txt"],
    },
    {
        "id": "bridge-engineer",
        "kind": "fact",
        "question": "Who built the Velmar bridge?",
        "expected_answer": "Tobias Crane",
        "must_include": [["Crane"]],
        "expected_sources": ["wire-00002.txt"],
    },
    {"id": "bridge-cost", "kind": "near_miss", "question": "How much will the Velmar bridge repairs cost?"},
]


def write_headed(folder: Path, ids: list[str], cases: list[dict[str, Any]] | None = None, data: str = "") -> Path:
    """A question file headed by a corpus line, and (when `data` names it) the gzipped JSONL data file."""
    import gzip

    folder.mkdir(parents=True, exist_ok=True)
    if data:
        with gzip.open(folder / data, "wt", encoding="utf-8") as f:
            f.write("\n".join(json.dumps(s) for s in STORIES) + "\n")
    header = {"corpus": {"file": "wire.jsonl.gz", "ids": ids}}
    lines = [header, *(HEADED_CASES if cases is None else cases)]
    path = folder / "wire-dev.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


def test_a_corpus_header_writes_the_stories_it_names(tmp_path: Path) -> None:
    path = write_headed(tmp_path / "q", ["wire-00001", "wire-00002"], data="wire.jsonl.gz")
    case_set = load_cases(path, work_dir=tmp_path / "work")  # the data file is found next to the question file
    assert case_set.format == "qabot" and case_set.corpus is not None
    assert case_set.data_file == tmp_path / "q" / "wire.jsonl.gz"
    assert case_set.corpus.is_relative_to(tmp_path / "work") and case_set.corpus.parent.name.startswith("wire-dev-")
    assert sorted(p.name for p in case_set.corpus.iterdir()) == ["wire-00001.txt", "wire-00002.txt"]
    # title line, the date exactly as in the data, an empty line, the text with its hard wraps, a trailing newline
    assert (case_set.corpus / "wire-00001.txt").read_text(encoding="utf-8") == (
        "QUILLON BELL MAKER TO EXPAND\n26-FEB-1987 15:14:36.41\n\nQuillon Bell Works said it will\nbuild a second "
        "foundry on the\nZorbat river for 18.5 mln dlrs.\n    The mayor, Edna Pirrip, welcomed the plan.\n"
    )
    assert [c.id for c in case_set.cases] == ["foundry-cost", "bridge-engineer", "bridge-cost"]
    near_miss = case_set.cases[2]
    assert near_miss.kind == "near_miss" and not near_miss.answerable  # a near miss is unanswerable by default
    assert any("2 records of" in note for note in case_set.notes)

    # loaded again: the same folder, files not rewritten; a stray file in it is removed
    written = (case_set.corpus / "wire-00001.txt").stat().st_mtime_ns
    (case_set.corpus / "stray.txt").write_text("x")
    again = load_cases(path, work_dir=tmp_path / "work")
    assert again.corpus == case_set.corpus
    assert (case_set.corpus / "wire-00001.txt").stat().st_mtime_ns == written
    assert not (case_set.corpus / "stray.txt").exists()
    # another selection of stories is another corpus (and so another index)
    other = load_cases(write_headed(tmp_path / "q", ["wire-00002", "wire-00001", "wire-00003"]), tmp_path / "work")
    assert other.corpus != case_set.corpus and len(list(other.corpus.iterdir())) == 3  # type: ignore[union-attr]


def test_a_corpus_header_reads_plain_jsonl_from_a_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "wire.jsonl.gz").write_text(json.dumps({"id": "wire-00009", "text": "Only text.\n"}) + "\n")
    (data / "plain.jsonl").write_text(json.dumps({"id": "wire-00009", "text": "Only text."}) + "\n")
    path = write_headed(tmp_path / "q", ["wire-00009"], cases=[HEADED_CASES[2]])
    with pytest.raises(CaseFileError, match="cannot read"):  # not gzip although it says so
        load_cases(path, work_dir=tmp_path / "work", data_dir=data)
    path.write_text(path.read_text().replace("wire.jsonl.gz", "plain.jsonl"))
    case_set = load_cases(path, work_dir=tmp_path / "work", data_dir=data)
    assert (case_set.corpus / "wire-00009.txt").read_text() == "Only text.\n"  # type: ignore[operator]


def test_corpus_header_errors_are_clear(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    path = write_headed(tmp_path / "q", ["wire-00001", "wire-00002"])
    with pytest.raises(CaseFileError, match=r"corpus data file wire.jsonl.gz not found \(looked in .*empty\)"):
        load_cases(path, work_dir=tmp_path / "work", data_dir=empty)
    write_headed(tmp_path / "q", ["wire-00001", "wire-00002", "wire-00077"], data="wire.jsonl.gz")
    with pytest.raises(CaseFileError, match=r"record id\(s\) wire-00077 not in .*wire\.jsonl\.gz"):
        load_cases(path, work_dir=tmp_path / "work")
    write_headed(tmp_path / "q", ["wire-00001"], data="wire.jsonl.gz")
    with pytest.raises(CaseFileError, match=r"'bridge-engineer' expects wire-00002\.txt, which the corpus header"):
        load_cases(path, work_dir=tmp_path / "work")
    for bad in ({"corpus": {"file": "wire.jsonl.gz"}}, {"corpus": {"file": "w", "ids": ["../etc"]}}):
        path.write_text(json.dumps(bad) + "\n" + json.dumps(HEADED_CASES[2]) + "\n")
        with pytest.raises(CaseFileError, match=r"corpus header|file name"):
            load_cases(path, work_dir=tmp_path / "work")
    assert not (tmp_path / "work").exists() or not any((tmp_path / "work").rglob("*.txt"))  # nothing half-written


def test_eval_of_a_headed_file_uses_its_own_corpus_and_index(tiny: Path) -> None:
    write_headed(tiny / "q", ["wire-00001", "wire-00002"], data="wire.jsonl.gz")
    code, output = qabot("q/wire-dev.jsonl", "--work-dir", "work", "--out", "w.json", "--report", "w.html")
    assert code == 0, output
    data = json.loads((tiny / "w.json").read_text())
    meta = data["meta"]
    assert Path(meta["corpus"]).is_relative_to(Path("work")) and Path(meta["index_dir"]).is_relative_to(Path("work"))
    assert Path(meta["index_dir"]).parent == Path(meta["corpus"]).parent
    assert meta["corpus_data"].endswith("wire.jsonl.gz")
    assert all(set(r["retrieved_sources"]) <= {"wire-00001.txt", "wire-00002.txt"} for r in data["results"])
    assert all(c["quote_valid"] for r in data["results"] for c in r["citations"])
    s = data["summary"]
    assert (s["answerable"], s["unanswerable"]) == (2, 1) and s["near_miss_abstention"] is not None
    assert s["short_f1"] is not None and s["short_em"] is not None
    assert all("short_answer" in r and "disputed" in r for r in data["results"])
    assert "short answer token F1" in output and "by kind" in output

    code, output = qabot("q/wire-dev.jsonl", "--work-dir", "work", "--data-dir", "nowhere")
    assert code == 2 and "corpus data file wire.jsonl.gz not found" in output
    assert len([line for line in output.splitlines() if line.strip()]) == 1  # one line, however long


def test_the_report_shows_short_answers_calibration_and_kinds(tmp_path: Path) -> None:
    from bot.evaluation.report import write_html

    (tmp_path / "alpha.txt").write_text(ALPHA, encoding="utf-8")
    rows = [
        {**CASES[0], "kind": "fact"},
        {"id": "far", "kind": "near_miss", "question": "When was the mayor of Quillon born?", "answerable": False},
    ]
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    results = run_cases(ShortBot(), load_cases(tmp_path / "c.jsonl").cases, tmp_path, progress=False)  # type: ignore[arg-type]
    assert results[0]["short_answer"] == "Edna Pirrip" and results[0]["metrics"]["short_em"] == 1.0
    summary = summarise(results)
    assert summary["short_em"] == 1.0 and summary["short_given"] == 1.0
    assert summary["calibration_cases"] == 2 and summary["ece"] == pytest.approx(0.3)  # one bin: 0.8 vs 0.5 right
    run = {"meta": {"engine": "short", "file": "c.jsonl", "started": "now", "corpus": "x"}, "summary": summary}
    write_html(tmp_path / "r.html", [{**run, "results": results}])
    page = (tmp_path / "r.html").read_text()
    assert 'aria-label="reliability diagram"' in page and "ECE 0.300" in page and "n=2" in page
    assert "short answer exact match" in page and "short answer: Edna Pirrip" in page
    assert "<td>near_miss</td>" in page and "answered 1/1" in page


class ShortBot:
    """Answers every question with the mayor, a short answer and a confidence of 0.8."""

    def answer(self, question: str, conversation: Conversation | None = None) -> Answer:
        citation = Citation(n=1, source="alpha.txt", title="t", line_start=3, line_end=3, quote="Edna Pirrip")
        return Answer(
            question=question,
            standalone_question=question,
            text="The mayor of Quillon is Edna Pirrip [1]",
            short_answer="Edna Pirrip",
            citations=(citation,),
            confidence=0.8,
        )


@pytest.mark.parametrize(
    "name",
    [
        "reuters-dev.jsonl",
        "reuters-dev2.jsonl",
        "reuters-dev3.jsonl",
        "reuters-dev4.jsonl",
        "reuters-dev5.jsonl",
        "reuters-test.jsonl",
    ],
)
def test_the_reuters_question_sets_load_against_the_shared_data(name: str, tmp_path: Path) -> None:
    from bot.evaluation.corpora import data_dirs
    from bot.settings import ROOT

    path = ROOT / "eval" / name
    if not path.exists() or not any((d / "reuters21578.jsonl.gz").is_file() for d in data_dirs(path)):
        pytest.skip(f"eval/{name} or the Reuters data file is not on this machine")
    case_set = load_cases(path, work_dir=tmp_path)
    assert case_set.corpus is not None and len(case_set.cases) >= 20
    files = {p.name for p in case_set.corpus.iterdir()}
    for case in case_set.cases:
        assert set(case.expected_sources) <= files, case.id
        assert not case.answerable or case.expected_sources, case.id
    assert any(not c.answerable for c in case_set.cases)
