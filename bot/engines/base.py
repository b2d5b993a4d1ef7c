"""What an answer engine gets and gives back. The code, not the engine, owns the citations."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from retrieval.index import Index
from retrieval.records import Conversation, Passage


@dataclass(frozen=True)
class Evidence:
    """What retrieval found for one (standalone) question."""

    question: str
    qvec: np.ndarray
    passages: list[Passage]
    index: Index
    search: Callable[[str, int], list[Passage]] | None = None  # more retrieval, e.g. for counter-evidence


@dataclass(frozen=True)
class Quote:
    """A span of an article's text that supports a statement: source and character offsets."""

    source: str
    start: int
    end: int


@dataclass
class Draft:
    """An engine's answer before the code checks it. `text` cites quotes as [1], [2], ... (1-based
    positions in `quotes`); markers with no quote behind them are dropped by the code."""

    text: str
    quotes: list[Quote] = field(default_factory=list)
    abstained: bool = False
    confidence: float = 0.0
    engine: str = ""
    short_answers: tuple[str, ...] = ()  # the answer itself, one per part of the question; () when none
    disputed: bool = False  # the quotes show two sides that contradict each other
    features: dict[str, float] = field(default_factory=dict)  # what the confidence was computed from


class Engine(ABC):
    name: str

    def condense(self, question: str, conversation: Conversation) -> str | None:
        """A standalone rewrite of a follow-up question, or None to use the default rewriting."""
        return None

    def prepare(self, index: Index) -> None:
        """Get ready to answer from this index (what it reads of the whole corpus, once), before it is used.
        Engines that read nothing ahead keep this default."""
        return None

    @abstractmethod
    def draft(self, evidence: Evidence) -> Draft:
        """Compose an answer from the evidence, citing quotes by number."""
