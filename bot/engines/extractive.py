"""The default engine: answers made of the articles' own sentences, each cited. No generative model."""

from __future__ import annotations

from bot.engines.base import Draft, Engine, Evidence, Quote
from bot.settings import Settings

NO_ANSWER = "The articles don't say."


class ExtractiveEngine(Engine):
    name = "extractive"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def draft(self, evidence: Evidence) -> Draft:
        index = evidence.index
        best: tuple[float, Quote] | None = None
        for passage in evidence.passages:
            chunk = passage.chunk
            for i, span in enumerate(chunk.sentences):
                score = float(index.vectors[chunk.first_sentence + i] @ evidence.qvec)
                if best is None or score > best[0]:
                    best = (score, Quote(chunk.source, span.start, span.end))
        if best is None or best[0] < self.settings.abstain_below:
            return Draft(text=NO_ANSWER, abstained=True, engine=self.name)
        quote = best[1]
        text = index.articles[quote.source].text[quote.start : quote.end]
        return Draft(text=f"{text} [1]", quotes=[quote], confidence=best[0], engine=self.name)
