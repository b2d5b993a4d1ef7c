"""Answer values in sentences: names, numbers and dates of the wanted kind near the question's words,
normalised so that two sources giving the same answer give the same value."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.language.lexicon import (
    DAYS,
    DEMONYMS,
    INITIALS,
    KIND_NOUNS,
    MONTHS,
    NUMBER_NAMES,
    NUMBER_WORDS,
    ORGS,
    PEOPLE,
    PLACES,
    QUESTION_WORDS,
)
from bot.language.words import WORD, _terms_at, _word_at, asked_words

if TYPE_CHECKING:
    from bot.language.question import QuestionInfo

ANSWER_PATTERNS = {
    "date": re.compile(
        rf"\b(?:{DAYS}|{MONTHS}\.? \d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)? {MONTHS}|{MONTHS}|"
        r"(?:1[89]|20)\d\d(?:s)?|\d{4}-\d\d-\d\d|"
        r"\d{1,2}/\d{1,2}(?:/\d{2,4})?|(?:early|mid|late)-?\w+|"
        r"yesterday|today|overnight|last (?:week|month|year)|"
        r"(?:days?|weeks?|months?|years?) (?:ago|before|after|later))\b"
    ),
    "number": re.compile(rf"\b(?:\d[\d,.]*|{NUMBER_WORDS})\b", re.IGNORECASE),
}


YEAR_WORD = re.compile(r"(?:1[89]|20)\d\d")  # a year in a name ("Super Bowl 2021") is not what tells it apart

# A capitalised word: a candidate name when it is not the first word and not a weekday or month.
CAPITALISED = re.compile(r"(?<![.!?“\"‘(\[]\s)(?<![“\"‘(\[])(?<!^)\b[A-Z][\w’'.-]*[\w]")


NOT_NAMES = re.compile(rf"^(?:{DAYS}|{MONTHS}|I|The|A|An|It|He|She|They|We|This|That|But|And|If|In|On|As)$")


@lru_cache(maxsize=256)
def _given_numbers(question: str) -> frozenset[str]:
    return frozenset(t for t in WORD.findall(question) if t[0].isdigit())


def answer_spans(sentence: str, wants: str, question: str, common: frozenset[str] = frozenset()) -> list[int]:
    """Character offsets where a thing of the wanted kind starts in the sentence. A name is a capitalised
    word that the question does not use and that is not `common` (a word the corpus mostly writes in
    lower case, capitalised only in headings: "Crew List", "Director")."""
    if wants == "name":
        asked = asked_words(question)
        return [at for at, word in _matches(sentence, "name") if word not in asked and word not in common]
    if wants == "number":
        # the question's own numbers (a year, a season) are not the number it asks for, nor is the
        # date heading a snippet or dateline
        given = _given_numbers(question)
        after = len(sentence) - len(without_dateline(sentence))
        return [at for at, found in _matches(sentence, wants) if found not in given and at >= after]
    return [at for at, found in _matches(sentence, wants)]


@lru_cache(maxsize=16384)
def _matches(sentence: str, wants: str) -> tuple[tuple[int, str], ...]:
    """Where things of a kind start in a sentence, with what was found (a name lower-cased)."""
    if wants == "name":
        return tuple(
            (m.start(), w.lower())
            for m in CAPITALISED.finditer(sentence)
            if not NOT_NAMES.match(w := m.group(0).removesuffix("’s").removesuffix("'s"))
        )
    return tuple((m.start(), m.group(0)) for m in ANSWER_PATTERNS[wants].finditer(sentence))


def answer_near_terms(sentence: str, info: QuestionInfo, window: int = 5, common: frozenset[str] = frozenset()) -> bool:
    """Is there a thing of the wanted kind within `window` words of a word the question uses?
    ("eight districts" for "how many districts", "deputy leader Mullah Abdul Ghani Baradar" for
    "who is the deputy leader"). True for questions that want no particular kind."""
    if info.wants is None:
        return True
    starts, term_at = _terms_at(sentence, info.terms)
    if not term_at:
        return False
    answer_at = [_word_at(starts, offset) for offset in answer_spans(sentence, info.wants, info.text, common)]
    return any(abs(i - j) <= window for i in term_at for j in answer_at)


DATE_VALUE = re.compile(
    rf"\b(?:(?P<m1>{MONTHS})\.? (?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:,? (?:of )?(?P<y1>(?:1[89]|20)\d\d))?|"
    rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<m2>{MONTHS})\.?(?:,? (?P<y2>(?:1[89]|20)\d\d))?)\b"
)


# A run of capitalised words, initials allowed inside ("Niels B. Christiansen").
NAME_RUN = re.compile(r"\b[A-Z][\w’'-]*\w(?:(?: [A-Z]\.)? [A-Z][\w’'-]*\w)*")


NUMBER_VALUE = re.compile(r"(?<![\w.])\$?(\d[\d,]*(?:\.\d+)?)\s*(million|billion|trillion|thousand|%|percent)?", re.I)


def answer_values(
    sentence: str,
    info: QuestionInfo,
    window: int = 5,
    common: frozenset[str] = frozenset(),
    near: Iterable[str] | None = None,
) -> dict[str, int]:
    """The answers of the wanted kind the sentence gives near the question's words, each with its distance
    in words to the nearest of them. Values are normalised so that
    two sources giving the same answer give the same value: a name's words ("niels b. christiansen"),
    a day ("sep 7 2018", "nov 17"), a number with its scale ("6.3 billion"). Capitalised words that are
    `common` (the corpus mostly writes them in lower case: "Foundation", "Player") are not names.
    Distances are to the question's terms, or to the `near` ones when given."""
    if info.wants is None:
        return {}
    starts, term_at = _terms_at(sentence, info.terms if near is None else near)
    if not term_at:
        return {}
    values: dict[str, int] = {}

    def add(offset: int, value: str) -> None:
        j = _word_at(starts, offset)
        gap = min(abs(i - j) for i in term_at)
        if gap <= window and gap < values.get(value, window + 1):
            values[value] = gap

    if info.wants == "name":
        asked = info.asked
        for m in NAME_RUN.finditer(sentence):
            name = [w.removesuffix("’s").removesuffix("'s") for w in m.group(0).split()]
            name = [
                w
                for w in name
                if len(w) > 1 and not NOT_NAMES.match(w) and w.lower() not in asked and w.lower() not in common
            ]
            if name:
                add(m.start(), " ".join(name).lower())
    elif info.wants == "date":
        for m in DATE_VALUE.finditer(sentence):
            month = (m.group("m1") or m.group("m2"))[:3].lower()
            day, year = m.group("d1") or m.group("d2"), m.group("y1") or m.group("y2")
            add(m.start(), " ".join(x for x in (month, str(int(day)), year) if x))
    else:
        for m in NUMBER_VALUE.finditer(sentence):
            if m.group(1) not in info.numbers:
                add(m.start(1), " ".join(x for x in (m.group(1).replace(",", ""), (m.group(2) or "").lower()) if x))
    return values


DURATION = re.compile(
    rf"(?:(?<![\d.,])\d+(?:[.,]\d+)*|\b(?:{NUMBER_WORDS}|a|an|several|many))\s+"
    r"(?:years?|months?|weeks?|days?|hours?|decades?|centur(?:y|ies))\b",
    re.IGNORECASE,
)


def precise_answer(sentence: str, info: QuestionInfo, window: int = 8) -> bool:
    """Does the sentence give the precise kind of answer within `window` words of what the question
    asks (its terms other than the words of names it gives): a whole date (day, month, year) for
    "when", a duration ("40 years") for "how long"? Not the date heading a web snippet or a dateline,
    which says when the text was published."""
    if info.wants == "date":
        text = without_dateline(sentence)
        return any(len(v.split()) == 3 for v in answer_values(text, info, window, near=info.focus))
    if info.wants == "number" and re.search(r"\bhow long\b", info.text, re.IGNORECASE):
        text = without_dateline(sentence)
        starts, term_at = _terms_at(text, info.focus)
        return any(abs(i - _word_at(starts, m.start())) <= window for m in DURATION.finditer(text) for i in term_at)
    return False


def common_words(texts: Iterable[str]) -> frozenset[str]:
    """Words the texts write in lower case at least as often as capitalised: common nouns, not names.
    Only words that start with a letter that has a case (a number or a code is never a name's word)."""
    lower: dict[str, int] = {}
    upper: dict[str, int] = {}
    for text in texts:
        for w in WORD.findall(text):
            if w[0].lower() == w[0].upper():
                continue
            counts = upper if w[0].isupper() else lower
            counts[w.lower()] = counts.get(w.lower(), 0) + 1
    return frozenset(w for w, n in lower.items() if n >= upper.get(w, 0))


def gives_value(text: str, value: str, wants: str) -> bool:
    """Does the text give this answer value (as `answer_values` normalises it), wherever it stands?"""
    if wants == "name":
        return bool(re.search(rf"\b{re.escape(value.split()[-1])}\b", text, re.IGNORECASE))
    if wants == "date":
        month, day, *year = value.split()
        for m in DATE_VALUE.finditer(text):
            same_day = int(m.group("d1") or m.group("d2")) == int(day)
            if same_day and (m.group("m1") or m.group("m2"))[:3].lower() == month:
                found = m.group("y1") or m.group("y2")
                if not year or not found or found == year[0]:
                    return True
        return False
    number, *scale = value.split()
    return any(
        m.group(1).replace(",", "") == number and (m.group(2) or "").lower() == (scale[0] if scale else "")
        for m in NUMBER_VALUE.finditer(text)
    )


def gives_number(text: str, number: str) -> bool:
    """Does the text hold the number, as digits ("11", "11th") or, up to twenty, in words ("eleventh");
    a quarter ("q3") also as "third quarter" / "third-quarter"?"""
    words: list[str] = []
    if number.isascii() and number.isdigit() and int(number) < len(NUMBER_NAMES):
        words += NUMBER_NAMES[int(number)]
    if re.fullmatch(r"q[1-4]", number, re.IGNORECASE):
        words.append(rf"{NUMBER_NAMES[int(number[1])][1]}[- ]quarter")
    pattern = rf"\b{re.escape(number)}(?!\d)" + (rf"|\b(?:{'|'.join(words)})\b" if words else "")
    return bool(re.search(pattern, text, re.IGNORECASE))


# A date heading a text, as web snippets and datelines give it ("Sep 17, 2020 ...", "3 days ago —").
DATELINE = re.compile(
    rf"^\s*(?:{MONTHS}\.? \d{{1,2}}, \d{{4}}|\d{{1,2}} {MONTHS}\.? \d{{4}}|\d+ (?:minutes?|hours?|days?) ago)"
    r"\s*(?:\.\.\.|…|—|–)\s*"
)


def without_dateline(text: str) -> str:
    """The text without the date that heads it as a snippet or dateline (when it was published)."""
    return DATELINE.sub("", text, count=1)


def names_in(question: str) -> list[str]:
    """Multi-word capitalised names in the question ("Ilhan Omar", "General Abdul Wudod Zara")."""
    found = []
    for m in re.finditer(r"\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)+", question):
        words = [w for w in m.group(0).split() if w.lower() not in QUESTION_WORDS and not NOT_NAMES.match(w)]
        if len(words) >= 2:
            found.append(" ".join(words))
    return found


def mentions(text: str, name: str) -> bool:
    """Does the text mention the name, or at least one of its words (surnames stand for people), or its
    initials ("ITC" for "International Tin Council", "U.S." for "United States", "ATT" for "AT&T"), or, for a
    country, its adjective ("French" for "France")? A number in the name must be there ("Local 222")."""
    lower = text.lower()
    numbers = [w for w in name.lower().split() if any(ch.isdigit() for ch in w) and not YEAR_WORD.fullmatch(w)]
    if numbers and not all(_number_in(n, lower) for n in numbers):
        return False  # "Local 222" is not "local 174": the number tells such names apart
    return any(re.search(pattern, lower) for pattern in _name_patterns(name)) or any(
        re.search(pattern, text) for pattern in _cased_patterns(name)
    )


MODEL_PLURAL = re.compile(r"[a-z]+-?\d[\w-]*s")  # "a310-300s", "b747s"; not "1980s", a decade


def _number_in(number: str, lower: str) -> bool:
    """Is the number in the (lower-cased) text, in digits or in words ("Chapter 11", "Chapter Eleven"), or a
    model's name in the singular ("A310-300" for the question's "A310-300s")?"""
    forms = [number]
    if MODEL_PLURAL.fullmatch(number):
        forms.append(number[:-1])
    if number.isdigit() and int(number) < len(NUMBER_NAMES):
        forms.append(NUMBER_NAMES[int(number)][0])
    return any(re.search(rf"(?<![\w.]){re.escape(form)}(?![\w])", lower) for form in forms)


# words any organisation's name may hold: one of them alone names no one ("Bank" of "Midland Bank")
SHARED_NAME_WORDS = frozenset(
    form
    for w, kinds in [*KIND_NOUNS.items(), ("worker", PEOPLE), ("employee", PEOPLE)]
    if kinds in (ORGS, PLACES, PEOPLE)
    for form in (w, f"{w}s")
) | frozenset(
    {"corp", "inc", "co", "plc", "ltd", "llc", "ag", "sa", "nv", "corporation", "company", "incorporated", "limited"}
    | {"international", "industries", "holdings", "holding", "enterprises", "national"}
)


def _own_words(words: list[str]) -> list[str]:
    """The words of a name that stand for it alone: not the kind of body it is ("Bank", "Corp",
    "Association") nor, after such a word, the place it is "of" ("Bank of New Zealand" is not any "New
    Zealand": only the whole name stands for it). A name of nothing but such words keeps them all."""
    own = []
    after_kind = of_place = False
    for i, word in enumerate(words):
        lower = word.lower().rstrip(".")
        if lower in SHARED_NAME_WORDS:
            after_kind = i + 1 < len(words) and words[i + 1].lower() == "of"
            continue
        if lower == "of" or after_kind:
            of_place |= after_kind
            continue
        own.append(word)
    return own if own or of_place else words


@lru_cache(maxsize=4096)
def _name_patterns(name: str) -> tuple[str, ...]:
    words = [w.removesuffix("’s").removesuffix("'s") for w in name.split()]
    own = _own_words(words)
    # "anti-Taliban" names the Taliban's foes, not the Taliban
    found = [rf"(?<!anti-)(?<!non-)\b{re.escape(w.lower())}" for w in own if len(w) > 2]
    if len(own) < len(words):
        found.append(r"\b" + r"\s+".join(re.escape(w.lower()) for w in words) + r"\b")
        # "the department" after the story has named the Transportation Department
        kinds = {w.lower() for w in words if w.lower() in KIND_NOUNS} & SHARED_NAME_WORDS
        found += [rf"\bthe {re.escape(kind)}\b(?!\s+of\b)" for kind in sorted(kinds)]
    found += [rf"\b{re.escape(w.lower())}\b" for w in words if len(w) == 2 and w.isupper()]  # "BP", "UK"
    capitals = [w for w in words if w[:1].isupper() and w.lower() not in ("of", "and", "the", "for")]
    if len(capitals) > 1:
        found.append(r"\b" + r"\.?".join(w[0].lower() for w in capitals) + r"\b")  # "ITC", "U.S."
    key = " ".join(w.lower() for w in words)
    found += [rf"\b{re.escape(adjective)}\b" for adjective in DEMONYMS.get(key, ())]  # "French" for "France"
    found += [rf"\b{re.escape(country)}\b" for country, adjectives in DEMONYMS.items() if key in adjectives]
    found += [rf"\b{re.escape(other)}\b" for other in INITIALS.get(key.rstrip("."), ())]  # "United States"
    squeezed = re.sub(r"[&.]", "", name)
    if squeezed != name and len(squeezed) > 3 and " " not in squeezed:
        found.append(rf"\b{re.escape(squeezed.lower())}\b")
    return tuple(found)


@lru_cache(maxsize=4096)
def _cased_patterns(name: str) -> tuple[str, ...]:
    """Patterns to find a short name in its own case: "US" for "U.S." ("us" is no name, nor "at" AT&T)."""
    squeezed = re.sub(r"[&.]", "", name)
    if squeezed != name and 1 < len(squeezed) <= 3 and " " not in squeezed:
        return (rf"\b{re.escape(squeezed)}\b",)
    return ()


def has_answer_type(sentence: str, wants: str | None, question: str = "", common: frozenset[str] = frozenset()) -> bool:
    """Does the sentence hold the kind of thing asked for (a name the question lacks, a number, a date)?"""
    return wants is None or bool(answer_spans(sentence, wants, question, common))


# An amount with the unit it counts: "11 km", "32-km", "1.91 mln shares", "10.5 pct", "71 dlrs", "$5 billion".
# Each unit has one name, so "dlrs" and "dollars", "tonnes" and "tons" compare equal.
UNITS = {
    "pct": "pct", "percent": "pct", "%": "pct", "dlr": "dlr", "dlrs": "dlr", "dollar": "dlr", "dollars": "dlr",
    "$": "dlr", "ct": "ct", "cts": "ct", "cent": "ct", "cents": "ct", "stg": "stg", "pound": "stg", "pounds": "stg",
    "yen": "yen", "franc": "franc", "francs": "franc", "mark": "mark", "marks": "mark", "crowns": "crown",
    "tonne": "tonne", "tonnes": "tonne", "ton": "tonne", "tons": "tonne", "barrel": "barrel", "barrels": "barrel",
    "bpd": "bpd", "ounce": "ounce", "ounces": "ounce", "bag": "bag", "bags": "bag", "share": "share",
    "shares": "share", "km": "km", "kms": "km", "kilometre": "km", "kilometres": "km", "mile": "mile",
    "miles": "mile", "acre": "acre", "acres": "acre", "employee": "worker", "employees": "worker",
    "worker": "worker", "workers": "worker", "vessel": "ship", "vessels": "ship", "ship": "ship", "ships": "ship",
    "bushel": "bushel", "bushels": "bushel", "gallon": "gallon", "gallons": "gallon", "lb": "lb", "lbs": "lb",
    "kilo": "kilo", "kilos": "kilo", "lire": "lira", "lira": "lira", "guilder": "guilder", "guilders": "guilder",
    "peso": "peso", "pesos": "peso", "rupee": "rupee", "rupees": "rupee", "riyal": "riyal", "riyals": "riyal",
    "crown": "crown", "sterling": "stg", "p": "ct", "pence": "ct", "penny": "ct",
    "foot": "foot", "feet": "foot", "metre": "metre", "metres": "metre",
    "meter": "metre", "meters": "metre", "inch": "inch", "inches": "inch", "hectare": "hectare",
    "hectares": "hectare", "kg": "kilo", "kilogram": "kilo", "kilograms": "kilo", "litre": "litre",
    "litres": "litre", "liter": "litre", "liters": "litre",
}  # fmt: skip
# other currencies news gives amounts in, each its own unit
OTHER_CURRENCIES = (
    "rouble", "roubles", "ruble", "rubles", "kwacha", "naira", "cruzado", "cruzados", "cruzeiro", "cruzeiros",
    "austral", "australs", "shilling", "shillings", "schilling", "schillings", "rand", "dinar", "dinars", "dirham",
    "dirhams", "ringgit", "baht", "yuan", "renminbi", "rupiah", "escudo", "escudos", "drachma", "drachmas", "krona",
    "kronor", "krone", "kroner", "zloty", "zlotys", "forint", "forints", "peseta", "pesetas",
)  # fmt: skip
UNITS |= {c: c.removesuffix("s") for c in OTHER_CURRENCIES}
MONEY_UNITS = frozenset(
    {"dlr", "ct", "stg", "yen", "franc", "mark", "crown", "lira", "guilder", "peso", "rupee", "riyal"}
    | {c.removesuffix("s") for c in OTHER_CURRENCIES}
)
SCALES = {"thousand": 1e3, "mln": 1e6, "million": 1e6, "bln": 1e9, "billion": 1e9, "trillion": 1e12}
QUANTITY = re.compile(
    r"(?<![\w.,/-])(?P<cur>\$)?(?P<n>\d[\d,]*(?:\.\d+)?)(?:[\s-]*(?P<scale>thousand|mln|million|bln|billion|trillion)\b)?"
    r"[\s-]*(?P<unit>%|[a-z]+)?",
    re.IGNORECASE,
)


@lru_cache(maxsize=16384)
def quantities(text: str) -> frozenset[tuple[float, str]]:
    """The amounts in a text that name their unit, as (value, unit): "11 km" -> (11.0, "km"), "1.91 mln TMOC
    shares" is left out (a name stands between), "$5 billion" -> (5e9, "dlr"). Bare numbers and years are not
    amounts of anything."""
    found = set()
    for m in QUANTITY.finditer(text):
        unit = UNITS.get((m.group("unit") or "").lower()) or ("dlr" if m.group("cur") else None)
        if unit is None:
            continue
        try:
            value = float(m.group("n").replace(",", ""))
        except ValueError:
            continue
        found.add((value * SCALES.get((m.group("scale") or "").lower(), 1.0), unit))
    return frozenset(found)


def amount_conflict(question: str, text: str) -> bool:
    """Does the text give another amount of a unit the question states ("the 32-km stretch" for "Colombia's
    11 km section"), and not the question's own?"""
    given = quantities(text)
    for value, unit in quantities(question):
        same_unit = {v for v, u in given if u == unit}
        if same_unit and not any(math.isclose(v, value, rel_tol=1e-6) for v in same_unit):
            return True
    return False


def unit_family(unit: str) -> str:
    """What a unit measures, for telling one kind of amount from another: every currency is "money", a barrel
    a day is barrels ("700,000 bpd" and "1.5 mln barrels" answer the same question), other units themselves."""
    return "money" if unit in MONEY_UNITS else "barrel" if unit == "bpd" else unit


UNIT_TOKEN = re.compile(r"\$|%|[a-z]+", re.IGNORECASE)
# "90.25 dlrs a share", "1.05 dlrs per bushel": the unit after "a" or "per" is what the price is of
PRICE_OF = re.compile(r"\b(?:a|an|per|each)\s+[a-z]+", re.IGNORECASE)


@lru_cache(maxsize=16384)
def units_in(text: str) -> frozenset[str]:
    """The kinds of amount a span states: "1.05 dlrs per bushel" -> {"money"}, "4.7 mln tonnes" ->
    {"tonne"}, "83 pct" -> {"pct"}, "two" -> {}."""
    return frozenset(
        unit_family(UNITS[t.lower()]) for t in UNIT_TOKEN.findall(PRICE_OF.sub(" ", text)) if t.lower() in UNITS
    )
