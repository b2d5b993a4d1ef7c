"""The records every layer passes around: one module, immutable, no extra fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range [start, end) in an article's text. A slotted dataclass, not a model:
    an index holds one per sentence (a tenth of a model's memory); pydantic validates it all the same."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Mention:
    """A named entity, date or amount spaCy found in a sentence: article offsets and its label."""

    start: int
    end: int
    label: str  # PERSON, ORG, GPE, NORP, DATE, MONEY, PERCENT, CARDINAL, ...


@dataclass(frozen=True, slots=True)
class Clause:
    """One verb of a sentence with who does it and what it takes, as article offsets: "Chrysler raised the
    dividend" -> verb "raise", subject "Chrysler", object "the dividend"; "asked them to join" -> complement
    "to join". A verb without a subject of its own ("agreed to pay") takes the one of the verb it completes."""

    verb: str  # lemma
    subject: Span | None = None
    object: Span | None = None  # direct object, attribute or predicate
    complement: Span | None = None  # a clause it takes ("to join ...", "that ...")


class Parse(Record):
    """What the parser found in one sentence at index time, so that answering never parses article text."""

    mentions: tuple[Mention, ...] = ()
    verbs: tuple[str, ...] = ()  # lemmas of the sentence's verbs ("pay", "acquire")
    subject: Span | None = None  # the main clause's subject
    subject_kind: str = ""  # "name" (a proper name), "pronoun" ("he", "it"), "title" ("the company", "the chairman")
    clauses: tuple[Clause, ...] = ()


class Article(Record):
    """One document of the corpus, its text normalised (NFC) exactly as answers quote it."""

    source: str  # the article's name, what answers cite: the file's path (for .jsonl: "file.jsonl#N")
    file: str = ""  # the file's path relative to the corpus root, as is (never parsed out of `source`); default: source
    record: int | None = None  # for .jsonl: the line of the file holding this article
    title: str
    date: str | None = None  # ISO yyyy-mm-dd when the text states one
    url: str | None = None
    sha256: str  # of the file's bytes (for .jsonl: of the record's line)
    text: str
    line_offset: int = 0  # 1-based line of the file where `text` starts, minus one
    boilerplate: tuple[Span, ...] = ()  # site furniture kept out of chunks
    sentences: tuple[Span, ...] = ()  # sentence boundaries in `text`
    paragraphs: tuple[Span, ...] = ()  # paragraph boundaries in `text` (from a paragraph's first sentence to its last)
    parses: tuple[Parse, ...] = ()  # one per sentence, in order

    @model_validator(mode="before")
    @classmethod
    def _file_is_source_by_default(cls, data: Any) -> Any:
        """A whole-file article names its file by its source unless told otherwise."""
        if isinstance(data, dict) and not data.get("file") and isinstance(data.get("source"), str):
            return {**data, "file": data["source"]}
        return data


class Added(Record):
    """What adding one file or URL put into the corpus, as the index reads it."""

    file: str  # the file's name in the corpus folder
    title: str  # of the first article
    date: str | None = None
    sentences: int  # in all its articles
    articles: int = 1  # a .jsonl file may carry several
    skipped: tuple[str, ...] = ()  # .jsonl lines left out, each with its reason ("line 3: not valid JSON ...")


class Chunk(Record):
    """A retrievable unit: consecutive sentences of one article, with where they came from."""

    id: int
    source: str
    ordinal: int  # position of the chunk within its article
    text: str
    start: int  # character offsets into Article.text
    end: int
    line_start: int  # 1-based, inclusive, in the source file
    line_end: int
    sentences: tuple[Span, ...]  # sentence spans inside this chunk, article coordinates
    first_sentence: int = 0  # global id (vector row) of the chunk's first sentence


class Passage(Record):
    """A chunk ranked for a query, with the scores that placed it."""

    chunk: Chunk
    title: str
    date: str | None = None
    rank: int
    score: float
    dense: float | None = None  # cosine similarity, if retrieved by the dense index
    lexical: float | None = None  # BM25 score, if retrieved lexically


class Citation(Record):
    """Where one statement of an answer comes from: a verbatim quote and its line span."""

    n: int  # the marker number used in the answer text: [n]
    source: str
    title: str
    date: str | None = None
    line_start: int
    line_end: int
    quote: str
    passage: str = ""  # the whole chunk around the quote, for "show sources"


class Answer(Record):
    question: str
    standalone_question: str
    text: str  # the cited quotes that support the answer, each followed by its [n] marker
    short_answer: str = ""  # the answer itself ("Ahmad Massoud", "18.5 mln dlrs", "Yes", "Disputed"); "" if none
    short_answers: tuple[str, ...] = ()  # one per part of a two-part question ("When ..., and why ...?")
    citations: tuple[Citation, ...] = ()
    abstained: bool = False
    disputed: bool = False  # the sources disagree and the answer shows both sides
    confidence: float = 0.0  # a calibrated probability that the answer is right
    engine: str = "extractive"
    retrieved_sources: tuple[str, ...] = ()  # sources of the ranked passages, best first
    timings_ms: dict[str, float] = Field(default_factory=dict)


class Turn(Record):
    """One exchange of a conversation: what was asked and what was answered."""

    question: str
    answer: Answer


class Conversation(Record):
    turns: tuple[Turn, ...] = ()

    def add(self, turn: Turn, keep: int = 10) -> Conversation:
        """The conversation with one more turn, keeping the last `keep` (none when keep is 0)."""
        return Conversation(turns=(*self.turns, turn)[-keep:] if keep > 0 else ())


class Shown(Record):
    """What a "Show sources" button brings back: the answer's citations, for the chat the answer was sent to."""

    chat_id: int
    citations: tuple[Citation, ...]
