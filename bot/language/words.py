"""Words -> stems: the one tokenizer and stemmer every language rule uses (Snowball English, as BM25)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from functools import lru_cache

from bot.language.lexicon import IRREGULAR, stopwords

WORD = re.compile(r"[\w’'-]+")


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


# British and American spellings of one word stem alike ("licences" / "licenses", "labour" / "labor",
# "organise" / "organize", "centre" / "center"): questions and stories do not always spell the same way
SPELLINGS = {"programm": "program", "chequ": "check", "catalogu": "catalog", "aluminium": "aluminum"}
SPELLINGS |= {"sulphur": "sulfur", "tonn": "ton", "grey": "gray", "jewelleri": "jewelri", "tyre": "tire"}
SPELLING_RULES = (
    (re.compile(r"(?<=\w\w)our$"), "or"),  # labour, harbour, favour (not four, hour)
    (re.compile(r"(?<=\w\w\w)([iy])s$"), r"\1z"),  # organis, analys
    (re.compile(r"(?<=\w\w)enc$"), "ens"),  # licenc, defenc, offenc
    (re.compile(r"(?<=\w\w)([tb])r$"), r"\1er"),  # centr, metr, fibr
)


@lru_cache(maxsize=65536)
def spelled(stem: str) -> str:
    """One spelling of a stem for British and American English ("licenc" and "licens" give "licens")."""
    if stem in SPELLINGS:
        return SPELLINGS[stem]
    for pattern, replacement in SPELLING_RULES:
        stem = pattern.sub(replacement, stem)
    return stem


def stems(text: str) -> list[str]:
    """Lower-cased, stemmed content words (stop words and question words removed)."""
    return list(_stems(text))


@lru_cache(maxsize=16384)
def _stems(text: str) -> tuple[str, ...]:
    """Sentences come back candidate after candidate (and question after question), so each is stemmed once."""
    words = [w.strip("’'-").lower() for w in WORD.findall(text)]
    words = [w.removesuffix("’s").removesuffix("'s") for w in words]
    stop = stopwords()
    return tuple(spelled(s) for s in _stemmer().stemWords([w for w in words if w and w not in stop]) if s)


@lru_cache(maxsize=65536)
def base_form(stem: str) -> str:
    """The verb an agent noun comes from, which the stemmer keeps apart: "winner" / "win", "leader" /
    "lead", "killer" / "kill", "director" / "direct" (the stem of its "-ing" form); and the base of an
    irregular past ("led" / "lead", "bought" / "buy")."""
    if stem in IRREGULAR:  # "led": "lead"
        return str(_stemmer().stemWord(IRREGULAR[stem]))
    for suffix in ("er", "or"):
        if stem.endswith(suffix) and len(stem) > len(suffix) + 2:
            return str(_stemmer().stemWord(stem[: -len(suffix)] + "ing"))
    return stem


def _bare(word: str) -> str:
    return word.lower().removesuffix("’s").removesuffix("'s")


@lru_cache(maxsize=256)
def asked_words(question: str) -> frozenset[str]:
    return frozenset(_bare(w) for w in WORD.findall(question))


@lru_cache(maxsize=16384)
def tokens(sentence: str) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Where each word of a sentence starts, and its stem (possessive dropped). Sentences come back
    question after question, so they are tokenised once."""
    words = list(WORD.finditer(sentence))
    stemmed = _stemmer().stemWords([_bare(w.group(0)) for w in words])
    return tuple(w.start() for w in words), tuple(map(spelled, stemmed))


def _word_at(starts: tuple[int, ...], offset: int) -> int:
    return bisect.bisect_right(starts, offset) - 1


def _terms_at(sentence: str, terms: Iterable[str]) -> tuple[tuple[int, ...], list[int]]:
    """Where the sentence's words start, and the positions (in words) of those that are these terms."""
    starts, stemmed = tokens(sentence)
    wanted = set(terms)
    return starts, [i for i, s in enumerate(stemmed) if s in wanted]


def content_words(text: str) -> set[str]:
    """The set of a text's stems without stop words and question words."""
    return set(stems(text))
