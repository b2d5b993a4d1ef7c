"""Question files -> cases. Our JSONL format (optionally headed by a line naming the corpus it is written over,
see bot/evaluation/corpora.py), and RGB's (query/answer/positive/negative) with a corpus built from its passages."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.evaluation.corpora import CaseFileError, header_corpus, parse_header, write_corpus

OWN_FIELDS = {"id", "question", "expected_answer", "must_include", "expected_sources", "answerable", "history", "kind"}
RGB_FIELDS = {"query", "answer"}
RGB_POOLS = ("pos+neg", "pos+neg+wrong", "pos")
# kinds whose right behaviour is to abstain: a case of such a kind is unanswerable unless it says otherwise
UNANSWERABLE_KINDS = ("unanswerable", "near_miss")


@dataclass(frozen=True)
class Case:
    """One question to ask, and what a right answer looks like."""

    id: str
    question: str
    expected_answer: str | None = None
    must_include: tuple[tuple[str, ...], ...] = ()  # every group must appear; any alternative of a group will do
    expected_sources: tuple[str, ...] = ()  # files that support the answer
    answerable: bool = True
    history: tuple[str, ...] = ()  # earlier questions of the conversation, asked first, not scored
    kind: str = "fact"
    # answers that planted (counterfactual) passages give instead: an answer meeting both shows the conflict
    conflicting: tuple[tuple[str, ...], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "question": self.question,
            "expected_answer": self.expected_answer,
            "must_include": [list(g) for g in self.must_include],
            "expected_sources": list(self.expected_sources),
            "answerable": self.answerable,
            "history": list(self.history),
            "conflicting": [list(g) for g in self.conflicting],
        }


@dataclass
class CaseSet:
    """The cases of one file; for RGB also the corpus built from its passages."""

    path: Path
    format: str  # "qabot" | "rgb"
    cases: list[Case]
    corpus: Path | None = None  # set when the file brings its own corpus (RGB, or a corpus header)
    data_file: Path | None = None  # the data file a corpus header's records came from
    notes: list[str] = field(default_factory=list)


def answer_groups(answer: object) -> tuple[tuple[str, ...], ...]:
    """RGB answers: "x" -> [[x]]; ["x", "y"] -> [[x, y]] (alternatives); [["x", "y"], ["z"]] -> groups."""
    if isinstance(answer, str):
        return ((answer,),) if answer.strip() else ()
    if isinstance(answer, (int, float)):
        return ((str(answer),),)
    if isinstance(answer, list):
        if all(isinstance(a, (str, int, float)) for a in answer):
            alts = tuple(str(a) for a in answer if str(a).strip())
            return (alts,) if alts else ()
        groups: list[tuple[str, ...]] = []
        for item in answer:
            groups.extend(answer_groups(item if isinstance(item, list) else [item]))
        return tuple(g for g in groups if g)
    raise CaseFileError(f"an answer must be a string or a list, not {type(answer).__name__}")


def _groups(value: object, where: str) -> tuple[tuple[str, ...], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CaseFileError(f"{where}: must_include must be a list of groups (lists of alternative strings)")
    groups = []
    for group in value:
        alts = [group] if isinstance(group, str) else group
        if not isinstance(alts, list) or not all(isinstance(a, str) and a.strip() for a in alts) or not alts:
            raise CaseFileError(f"{where}: each must_include group must be a non-empty list of strings")
        groups.append(tuple(alts))
    return tuple(groups)


def _strings(value: object, name: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CaseFileError(f"{where}: {name} must be a list of strings")
    return tuple(value)


def own_case(record: dict[str, Any], where: str, fallback_id: str) -> Case:
    unknown = set(record) - OWN_FIELDS
    if unknown:
        raise CaseFileError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    question = record.get("question")
    if not isinstance(question, str) or not question.strip():
        raise CaseFileError(f'{where}: "question" must be a non-empty string')
    answerable = record.get("answerable", record.get("kind") not in UNANSWERABLE_KINDS)
    if not isinstance(answerable, bool):
        raise CaseFileError(f'{where}: "answerable" must be true or false')
    expected = record.get("expected_answer")
    if expected is not None and not isinstance(expected, str):
        raise CaseFileError(f'{where}: "expected_answer" must be a string')
    case = Case(
        id=str(record.get("id", fallback_id)),
        question=question.strip(),
        expected_answer=expected,
        must_include=_groups(record.get("must_include"), where),
        expected_sources=_strings(record.get("expected_sources"), "expected_sources", where),
        answerable=answerable,
        history=_strings(record.get("history"), "history", where),
        kind=str(record.get("kind") or ("unanswerable" if not answerable else "fact")),
    )
    if case.answerable and not case.must_include and not (case.expected_answer or "").strip():
        raise CaseFileError(f"{where}: an answerable case needs expected_answer or must_include")
    return case


def read_records(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise CaseFileError(f"cannot read {path}: {e.strerror or e}") from e
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise CaseFileError(f"{path}:{number}: not valid JSON ({e.msg})") from e
        if not isinstance(record, dict):
            raise CaseFileError(f"{path}:{number}: expected a JSON object")
        records.append((number, record))
    if not records:
        raise CaseFileError(f"{path} holds no cases")
    return records


def is_rgb(records: list[tuple[int, dict[str, Any]]]) -> bool:
    return all(set(r) >= RGB_FIELDS and "question" not in r for _, r in records)


def load_cases(
    path: Path, work_dir: Path | None = None, rgb_pool: str = "pos+neg", data_dir: Path | None = None
) -> CaseSet:
    """Read a question file in either format. RGB files get a .jsonl corpus written under work_dir; our format
    headed by a corpus line gets the records it names written there as articles (their data file is looked for
    in data_dir, or next to the question file and in the shared data folders)."""
    records = read_records(path)
    work_dir = work_dir or Path("results") / "eval-corpora"
    header = parse_header(records[0][1], f"{path}:{records[0][0]}")
    if header is not None:
        records = records[1:]
        if not records:
            raise CaseFileError(f"{path} holds a corpus header but no cases")
    elif is_rgb(records):
        return load_rgb(path, records, work_dir, rgb_pool)
    cases = [own_case(r, f"{path}:{n}", f"line-{n}") for n, r in records]
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise CaseFileError(f"{path}: duplicate case id {case.id!r}")
        seen.add(case.id)
    if header is None:
        return CaseSet(path=path, format="qabot", cases=cases)
    listed = {f"{i}.txt" for i in header.ids}
    for case in cases:
        if unlisted := [s for s in case.expected_sources if s not in listed]:
            raise CaseFileError(
                f"{path}: case {case.id!r} expects {unlisted[0]}, which the corpus header does not list"
            )
    corpus, data_file = header_corpus(header, path, work_dir, data_dir)
    note = f"corpus ({len(header.ids)} records of {data_file}): {corpus}"
    return CaseSet(path=path, format="qabot", cases=cases, corpus=corpus, data_file=data_file, notes=[note])


def load_rgb(path: Path, records: list[tuple[int, dict[str, Any]]], work_dir: Path, pool: str) -> CaseSet:
    """Every passage of every question (positive + negative, optionally the counterfactual positive_wrong) goes
    into one pooled corpus, one article a line; a case's expected sources are its positive passages and any
    passage of the pool (but the planted positive_wrong ones) that contains a gold answer."""
    from bot.evaluation.metrics import satisfies
    from bot.language import stems

    if pool not in RGB_POOLS:
        raise CaseFileError(f"unknown RGB pool {pool!r}: use one of {', '.join(RGB_POOLS)}")
    kinds = {"pos": ("positive",), "pos+neg": ("positive", "negative")}.get(
        pool, ("positive", "negative", "positive_wrong")
    )
    line_of: dict[str, int] = {}
    lines: list[str] = []
    per_case: list[tuple[dict[str, Any], int, list[tuple[str, str]]]] = []
    for number, record in records:
        passages: list[tuple[str, str]] = []
        for kind in kinds:
            items = record.get(kind) or []
            if not isinstance(items, list):
                raise CaseFileError(f"{path}:{number}: {kind} must be a list of passages")
            for text in items:
                if not isinstance(text, str) or not text.strip():
                    continue
                text = " ".join(text.split())
                if text not in line_of:
                    # no title: a title made from the query would leak the question into the passage
                    lines.append(json.dumps({"text": text}, ensure_ascii=False))
                    line_of[text] = len(lines)
                passages.append((kind, text))
        per_case.append((record, number, passages))

    planted = {text for _, _, passages in per_case for kind, text in passages if kind == "positive_wrong"}
    genuine = [text for text in line_of if text not in planted]
    corpus = write_corpus(
        work_dir, f"{path.stem}-{pool.replace('+', '-')}", {"passages.jsonl": "\n".join(lines) + "\n"}
    )
    target = corpus / "passages.jsonl"

    cases = []
    for record, number, passages in per_case:
        groups = answer_groups(record.get("answer"))
        if not groups:
            raise CaseFileError(f"{path}:{number}: the RGB case has no answer")
        sources = [
            f"passages.jsonl#{line_of[text]}"
            for kind, text in passages
            if kind == "positive" or (kind == "negative" and satisfies(text, groups))
        ]
        # another passage of the pool that holds a gold answer supports it too when it is about the question
        # (half its words): "Release date. December 1, 2017" for a second question on the same game, but not
        # a Tour de France passage for "Who won the World Cup in 2018?" (gold "France"); planted ones never do
        asked = set(stems(str(record["query"])))
        sources += [
            f"passages.jsonl#{line_of[text]}"
            for text in genuine
            if satisfies(text, groups) and len(asked & set(stems(text))) * 2 >= len(asked)
        ]
        sources = list(dict.fromkeys(sources))
        cases.append(
            Case(
                id=f"rgb-{record.get('id', number)}",
                question=str(record["query"]).strip(),
                expected_answer=" / ".join(g[0] for g in groups),
                must_include=groups,
                expected_sources=tuple(sources),
                kind="rgb",
                conflicting=answer_groups(record["fakeanswer"])
                if record.get("fakeanswer") and "positive_wrong" in kinds
                else (),
            )
        )
    notes = [f"RGB corpus ({pool}): {len(lines)} distinct passages in {target}"]
    return CaseSet(path=path, format="rgb", cases=cases, corpus=corpus, notes=notes)
