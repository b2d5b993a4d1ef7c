"""qabot's language analysis, one small package every part imports: one lexicon (`lexicon`), one tokenizer
and stemmer (`words`), question analysis (`question`), answer values in sentences (`values`) and stance
(`stance`). General English only: no rule names the words of one story."""

from __future__ import annotations

from bot.language.lexicon import QUESTION_WORDS, SENTENCE_STARTERS, stopwords
from bot.language.question import (
    Ask,
    QuestionInfo,
    analyse,
    entities_in,
    entity_lexicon,
    parts,
    time_kind,
    times_in,
    wanted,
)
from bot.language.stance import is_caption, is_instruction, stance
from bot.language.values import (
    answer_near_terms,
    answer_spans,
    answer_values,
    common_words,
    gives_number,
    gives_value,
    has_answer_type,
    mentions,
    names_in,
    precise_answer,
    without_dateline,
)
from bot.language.words import asked_words, base_form, content_words, stems, tokens

__all__ = [
    "QUESTION_WORDS",
    "SENTENCE_STARTERS",
    "Ask",
    "QuestionInfo",
    "analyse",
    "answer_near_terms",
    "answer_spans",
    "answer_values",
    "asked_words",
    "base_form",
    "common_words",
    "content_words",
    "entities_in",
    "entity_lexicon",
    "gives_number",
    "gives_value",
    "has_answer_type",
    "is_caption",
    "is_instruction",
    "mentions",
    "names_in",
    "parts",
    "precise_answer",
    "stance",
    "stems",
    "stopwords",
    "time_kind",
    "times_in",
    "tokens",
    "wanted",
    "without_dateline",
]
