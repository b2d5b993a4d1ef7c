"""Sentences -> what the parser finds in them (entities, verbs, the subject), once, at index time.

spaCy's en_core_web_sm runs over every sentence when the index is built; the engine reads the stored
result (records.Parse), so answering a question never parses article text.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence

from retrieval.chunking import SPACY_MODEL, import_spacy_without_torch
from retrieval.records import Article, Clause, Mention, Parse, Span

SentenceAnalyser = Callable[[Sequence[str]], list[Parse]]

SUBJECTS = {"nsubj", "nsubjpass"}
OBJECTS = ("dobj", "attr", "oprd", "acomp")  # what a verb takes, in order of preference
COMPLEMENTS = ("xcomp", "ccomp")
# a verb with no subject of its own: "agreed to pay", "rose and fell", "would be able to pay"
INHERITS = {"xcomp", "conj", "advcl", "acomp"}
RELATIVE_TAGS = {"WDT", "WP"}  # "which", "that", "who"
NAMING = {"compound", "amod", "det", "poss", "nmod"}
MANY_TEXTS = 1000  # from this many sentences on, parsing is shared out over processes
MAX_PROCESSES = 4


def spacy_analyser() -> SentenceAnalyser:
    """Tagger, parser, lemmatizer and NER of en_core_web_sm over sentence texts (offsets in each text)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        nlp = import_spacy_without_torch().load(SPACY_MODEL)
    except OSError as err:
        from retrieval.errors import ModelMissing

        raise ModelMissing(
            f"The spaCy model {SPACY_MODEL} is not installed ({err}). Run `make setup` to install it."
        ) from err

    def analyse(texts: Sequence[str]) -> list[Parse]:
        # Parsing runs between the build's other steps, so the encoder is idle meanwhile: many texts are
        # shared out over worker processes (forked, each with the loaded pipeline), the same parses. Only
        # from a process with one thread (`qabot index`): a fork copies no other thread, and a lock another
        # thread held (a bot's) would stay held in the child.
        alone = threading.active_count() == 1
        processes = min(os.cpu_count() or 1, MAX_PROCESSES) if len(texts) >= MANY_TEXTS and alone else 1
        return [_parse(doc) for doc in nlp.pipe(texts, batch_size=128, n_process=processes)]

    return analyse


def _parse(doc) -> Parse:  # type: ignore[no-untyped-def]
    mentions = tuple(Mention(start=e.start_char, end=e.end_char, label=e.label_) for e in doc.ents)
    verbs = tuple(dict.fromkeys(t.lemma_.lower() for t in doc if t.pos_ == "VERB"))
    subject, kind = None, ""
    roots = [t for t in doc if t.dep_ == "ROOT"]
    for root in roots[:1]:
        for child in root.children:
            if child.dep_ in SUBJECTS:
                tokens = list(child.subtree)
                subject = Span(start=tokens[0].idx, end=tokens[-1].idx + len(tokens[-1].text))
                if child.pos_ == "PRON":
                    kind = "pronoun"
                elif child.pos_ == "PROPN" or child.ent_type_:
                    kind = "name"
                elif child.pos_ == "NOUN" and not any(t.pos_ == "PROPN" for t in tokens):
                    kind = "title"
                break
    return Parse(mentions=mentions, verbs=verbs, subject=subject, subject_kind=kind, clauses=_clauses(doc))


def _extent(token) -> Span:  # type: ignore[no-untyped-def]
    tokens = list(token.subtree)
    return Span(start=tokens[0].idx, end=tokens[-1].idx + len(tokens[-1].text))


def _named_part(token) -> Span:  # type: ignore[no-untyped-def]
    """A noun with the words before it that name it ("the Panjshir valley"), without what follows it."""
    first = min([token, *(c for c in token.lefts if c.dep_ in NAMING)], key=lambda t: t.i)
    return Span(start=first.idx, end=token.idx + len(token.text))


def _clauses(doc) -> tuple[Clause, ...]:  # type: ignore[no-untyped-def]
    """Each verb with its subject (its own, or that of the verb it completes), object and complement."""
    found = []
    for token in doc:
        if token.pos_ != "VERB":
            continue
        head, subject = token, None
        for _ in range(4):  # "agreed to try to pay": up the chain to a verb with a subject
            subject = next((c for c in head.children if c.dep_ in SUBJECTS), None)
            if subject is not None or head.dep_ not in INHERITS or head.head is head:
                break
            if head.dep_ == "xcomp":  # "asked the forces to join": who joins is the one asked
                subject = next((c for c in head.head.children if c.dep_ == "dobj"), None)
                if subject is not None:
                    break
            head = head.head
        found_subject: Span | None = None
        if subject is not None and subject.tag_ in RELATIVE_TAGS and head.dep_ == "relcl":
            found_subject = _named_part(head.head)  # "Panjshir, which offers ...": Panjshir offers
        elif subject is not None:
            found_subject = _extent(subject)
        objects = [c for dep in OBJECTS for c in token.children if c.dep_ == dep]
        complements = [c for dep in COMPLEMENTS for c in token.children if c.dep_ == dep]
        found.append(
            Clause(
                verb=token.lemma_.lower(),
                subject=found_subject,
                object=_extent(objects[0]) if objects else None,
                complement=_extent(complements[0]) if complements else None,
            )
        )
    for token in doc:  # "USAir's offer", "Kuwait's quota": the possessor does what the noun names
        if token.pos_ == "NOUN":
            owner = next((c for c in token.children if c.dep_ == "poss" and c.pos_ == "PROPN"), None)
            if owner is not None:
                found.append(Clause(verb=token.lemma_.lower(), subject=_named_part(owner)))
    return tuple(found)


# a word some feeds capitalise after an abbreviation's full stop ("the U.S. Dlrs", "U.K. Firms fail"), taking it
# for a sentence's start; the next word, when it is capitalised too, makes a name of the pair ("U.S. Trade
# Representative")
AFTER_ABBREVIATION = re.compile(r"\b(?:[A-Z]\.){2,}\s+([A-Z][a-z]+)\b(?P<name>\s+[A-Z])?")
FUNCTION_WORDS = frozenset(
    {"and", "or", "but", "the", "a", "an", "of", "to", "in", "on", "at", "for", "by", "with", "from", "as", "is",
     "are", "was", "were", "has", "have", "had", "will", "would", "said", "says"}
)  # fmt: skip


def as_written(sentence: str, article_words: frozenset[str]) -> str:
    """The sentence with the case restored of a word capitalised after an abbreviation that the article
    writes in lower case elsewhere, or a function word ("some 54 billion U.S. dlrs", "U.S. and New Zealand"),
    for the parser; the text keeps its length, so every offset stands."""

    def restored(found: re.Match[str]) -> str:
        word = found.group(1)
        written = word.lower() in FUNCTION_WORDS or (word.lower() in article_words and not found.group("name"))
        if not written:
            return found.group(0)
        at = found.start(1) - found.start(0)
        return found.group(0)[:at] + word.lower() + found.group(0)[at + len(word) :]

    return AFTER_ABBREVIATION.sub(restored, sentence)


def analyse_articles(articles: Sequence[Article], analyser: SentenceAnalyser) -> list[Article]:
    """Each article with one Parse per sentence, its offsets moved from the sentence to the article; the
    parser reads each sentence as written (see `as_written`)."""
    lower = {a.source: frozenset(re.findall(r"\b[a-z]+\b", a.text)) for a in articles}
    texts = [
        as_written(a.text[s.start : s.end].replace("\n", " "), lower[a.source]) for a in articles for s in a.sentences
    ]
    distinct = list(dict.fromkeys(texts))  # news repeats lines ("Reuter", table headings): each parsed once
    parsed = dict(zip(distinct, analyser(distinct) if distinct else [], strict=True))
    parses = (parsed[text] for text in texts)
    done = []
    for article in articles:
        moved = []
        for span in article.sentences:
            moved.append(_shift(next(parses), span.start))
        done.append(article.model_copy(update={"parses": tuple(moved)}))
    return done


def _shift(parse: Parse, by: int) -> Parse:
    return Parse(
        mentions=tuple(Mention(start=m.start + by, end=m.end + by, label=m.label) for m in parse.mentions),
        verbs=parse.verbs,
        subject=_moved(parse.subject, by),
        subject_kind=parse.subject_kind,
        clauses=tuple(
            Clause(c.verb, _moved(c.subject, by), _moved(c.object, by), _moved(c.complement, by)) for c in parse.clauses
        ),
    )


def _moved(span: Span | None, by: int) -> Span | None:
    return Span(start=span.start + by, end=span.end + by) if span is not None else None


def _offsets(span: Span | None) -> list[int]:
    return [span.start, span.end] if span is not None else []


def _span(raw: list[int]) -> Span | None:
    return Span(raw[0], raw[1]) if raw else None


def parses_to_json(parses: Sequence[Parse]) -> list[list[object]]:
    """A compact form for storage: [mentions as [start, end, label], verbs, [start, end, kind] or None,
    clauses as [verb, subject, object, complement], each span [start, end] or []]."""
    return [
        [
            [[m.start, m.end, m.label] for m in p.mentions],
            list(p.verbs),
            [p.subject.start, p.subject.end, p.subject_kind] if p.subject else None,
            [[c.verb, _offsets(c.subject), _offsets(c.object), _offsets(c.complement)] for c in p.clauses],
        ]
        for p in parses
    ]


def parses_from_json(raw: list[list[object]]) -> tuple[Parse, ...]:
    """The stored form back as records (trusted: written by this module and checksummed)."""
    parses = []
    for mentions, verbs, subject, clauses in raw:
        parses.append(
            Parse.model_construct(
                mentions=tuple(Mention(s, e, label) for s, e, label in mentions),  # type: ignore[attr-defined]
                verbs=tuple(verbs),  # type: ignore[arg-type]
                subject=Span(subject[0], subject[1]) if subject else None,  # type: ignore[index]
                subject_kind=subject[2] if subject else "",  # type: ignore[index]
                clauses=tuple(Clause(v, _span(s), _span(o), _span(c)) for v, s, o, c in clauses),  # type: ignore[attr-defined]
            )
        )
    return tuple(parses)
