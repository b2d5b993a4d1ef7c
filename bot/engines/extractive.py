"""The default engine: answers made of the articles' own sentences, each cited. No generative model.

For every sentence of the retrieved passages it combines the embedding similarity to the question
(the sentence vectors are in the index already), the share of the question's content words the
sentence holds (weighted by rarity), whether it holds the kind of answer asked for (a name, a number,
a date) and the rank of its passage. The best sentences, from different places when they agree,
form the answer; when the best candidates claim and dispute the same thing, or two sources say the
same thing with a different name, date or number, both sides are shown; below a calibrated score the
engine abstains and says so.
"""

from __future__ import annotations

import math
import re
import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bot.engines.base import Draft, Engine, Evidence, Quote
from bot.engines.calibration import linear, probability
from bot.engines.reading import Reading, Unit, read, what_was_said
from bot.language import (
    QuestionInfo,
    analyse,
    answer_near_terms,
    answer_values,
    base_form,
    common_words,
    gives_number,
    gives_value,
    has_answer_type,
    is_caption,
    is_instruction,
    mentions,
    names_in,
    precise_answer,
    stance,
    stems,
)
from bot.language.question import (
    DETERMINERS,
    asked_heads,
    asked_roles,
    carry_over,
    count_entities,
    entities_in,
    lexicon_of,
    names_relative_time,
    subjects,
    times_in,
    wanted,
)
from bot.language.question import parts as question_parts
from bot.language.spans import argument_span, reason_span, unasked_span, word_used
from bot.language.stance import only_planned, withholds
from bot.phrases import (
    CLOSEST,
    DISAGREE,
    DISPUTED,
    NO,
    NO_ANSWER,
    NOT_A_QUESTION,
    OTHER_SIDE,
    OTHER_SOURCE,
    SIDES,
    YES,
)
from bot.settings import Settings
from retrieval.hashed import HashedKeys
from retrieval.index import Index
from retrieval.records import Article, Chunk, Span

# auxiliaries a question's verb of doing follows ("when will GenCorp resubmit", "what did the EC accept")
DOING_AUXILIARIES = frozenset({"do", "does", "did", "will", "would", "can", "could", "should", "may", "might", "shall"})
PARAGRAPH_UNIT = 250  # characters: a paragraph up to this long is also judged as one unit
# verbs whose subject holds a claim ("the Taliban claimed") or disputes one ("the NRF denied the allegation")
SAYING = frozenset({"say", "tell", "state", "tweet", "insist"})
STANCE_VERBS = {
    "claim": SAYING | {"claim", "announce", "declare", "report", "confirm", "allege"},
    "deny": SAYING | {"deny", "reject", "dismiss", "refute", "call"},
    "resist": SAYING | {"vow", "pledge", "promise"},
}
VALUE_WINDOW = 8  # words between a question's word and the answer value it gives
NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|denied|den(?:y|ies)|rejected|declined)\b|n[’']t\b", re.I)


@dataclass(frozen=True)
class Scored:
    row: int
    rows: tuple[int, ...]  # the index rows of its sentences
    quote: Quote
    text: str
    score: float
    dense: float
    lexical: float
    rank: int
    typed: bool  # holds the kind of answer asked for, near the question's words


class Rarity:
    """Per stem its inverse sentence frequency, log(1 + sentences / sentences holding it).

    Most of a large corpus's stems occur in a single sentence (numbers, codes, rare names), and all of
    those weigh the same, log(1 + sentences). They are kept as hashes (retrieval.hashed, 8 bytes a stem)
    rather than as entries of the table (about 100 bytes each); the table holds the rest."""

    def __init__(self, df: dict[str, int], sentences: int) -> None:
        n = max(sentences, 1)
        self.once = math.log(1 + n)
        self._table = {s: math.log(1 + n / c) for s, c in df.items() if c > 1}
        self._once = HashedKeys(s for s, c in df.items() if c == 1)

    def get(self, stem: str, default: float) -> float:
        """The stem's weight, or `default` for a stem no sentence of the corpus holds."""
        weight = self._table.get(stem)
        if weight is not None:
            return weight
        return self.once if stem in self._once else default


@dataclass(frozen=True)
class CorpusStats:
    idf: Rarity  # per stem (agent nouns as their verbs: "winner" -> "win"), its inverse sentence frequency
    unseen: float  # the weight of a stem the corpus never uses
    common: frozenset[str]  # words mostly written in lower case: capitalised, they are headings, not names
    position: np.ndarray  # per sentence row: its position among its article's sentences (int32)
    lexicon: dict[str, str]  # entity text (lower case) -> the label the parser gave it most often
    verbs: frozenset[str]  # stems of the words the corpus uses as verbs


def terms_of(text: str) -> frozenset[str]:
    """A sentence's stems as the scores count them (agent nouns as their verbs)."""
    return frozenset(map(base_form, stems(text)))


# kept for the sentences questions come back to, never for the whole corpus
sentence_terms = lru_cache(maxsize=16384)(terms_of)


def corpus_stats(index: Index) -> CorpusStats:
    """One pass over the articles, in order (each read once: a loaded index may keep only some in memory).
    Sentence rows are the articles' sentences in that order. Per sentence only its position is kept."""
    df: dict[str, int] = {}
    position = array("i")
    sentences = 0
    entities: dict[str, dict[str, int]] = {}
    verbs: set[str] = set()

    def texts() -> Iterator[str]:  # each article's text for common_words, the rest gathered on the way
        nonlocal sentences
        for article in index.articles.values():
            text = article.text
            for span in article.sentences:
                for term in terms_of(text[span.start : span.end]):
                    df[term] = df.get(term, 0) + 1
            sentences += len(article.sentences)
            position.extend(range(len(article.sentences)))
            count_entities(((text[m.start : m.end], m.label) for p in article.parses for m in p.mentions), entities)
            # as stems and as the base forms the question's focus holds ("offer" is also "off", "lead" "lead")
            verbs.update(f for p in article.parses for v in p.verbs for s in stems(v) for f in (s, base_form(s)))
            yield text

    common = common_words(texts())
    n = max(sentences, 1)
    rows = np.frombuffer(position, dtype=np.int32) if len(position) else np.zeros(0, dtype=np.int32)
    return CorpusStats(Rarity(df, sentences), math.log(1 + n), common, rows, lexicon_of(entities), frozenset(verbs))


class ExtractiveEngine(Engine):
    name = "extractive"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stats: list[tuple[Index, CorpusStats]] = []  # the last two indexes' (answers in flight on a
        # version the bot has just left keep theirs)
        self._computing: dict[int, threading.Lock] = {}  # per index whose statistics are being gathered
        self._lock = threading.Lock()

    # ------------------------------------------------------------ scoring

    def stats(self, index: Index) -> CorpusStats:
        """What the engine needs to know of the whole corpus, computed once per loaded index."""
        with self._lock:  # held only to look up and store: answers on another index never wait for a pass
            found = self._known(index)
            if found is not None:
                return found
            gate = self._computing.setdefault(id(index), threading.Lock())
        with gate:  # one pass per index, however many threads ask for it at once
            with self._lock:
                found = self._known(index)
            if found is not None:
                return found
            stats = corpus_stats(index)
            with self._lock:
                self._stats = [*self._stats[-1:], (index, stats)]
                self._computing.pop(id(index), None)
            return stats

    def _known(self, index: Index) -> CorpusStats | None:
        return next((stats for known, stats in self._stats if known is index), None)

    def prepare(self, index: Index) -> None:
        self.stats(index)

    def score(self, evidence: Evidence, info: QuestionInfo) -> list[Scored]:
        w = self.settings.sentence
        index = evidence.index
        corpus = self.stats(index)
        common = corpus.common
        term_weight = {t: corpus.idf.get(t, corpus.unseen) for t in map(base_form, info.terms)}
        total = sum(term_weight.values()) or 1.0
        seen_rows: set[int] = set()
        scored: list[Scored] = []
        k = max(len(evidence.passages), 1)
        asked_names = names_in(info.text)
        missing_in: dict[str, int] = {}  # per article: how many of the question's numbers it lacks
        for passage in evidence.passages:
            chunk = passage.chunk
            first = chunk.first_sentence
            similarity = index.vectors[first : first + len(chunk.sentences)] @ evidence.qvec
            for key, span, rows in _units(index, chunk):
                if key in seen_rows:
                    continue
                seen_rows.add(key)
                row = key
                text = index.articles[chunk.source].text[span.start : span.end]
                words = frozenset().union(*(sentence_terms(index.sentence_text(r)) for r in rows))
                lexical = sum(w for t, w in term_weight.items() if t in words) / total
                dense = float(max(similarity[r - first] for r in rows))
                paragraph = _paragraph(index.articles[chunk.source], span)
                unnamed = any(not mentions(paragraph, name) for name in asked_names)
                # a number the question gives (a year, a season) must appear in the article
                if chunk.source not in missing_in:
                    context = index.articles[chunk.source].text
                    missing_in[chunk.source] = sum(not gives_number(context, n) for n in info.numbers)
                missing = missing_in[chunk.source]
                # a whole date answers "when" best, a duration "how long"; further from the question's
                # words than other kinds ("released for the PlayStation 4 on September 7, 2018")
                exact = precise_answer(text, info, VALUE_WINDOW)
                typed = exact or answer_near_terms(text, info, common=common)
                score = (
                    w.exact * exact
                    + w.dense * dense
                    + w.lexical * lexical
                    + w.typed * typed
                    + w.typed_anywhere * has_answer_type(text, info.wants, info.text, common)
                    + w.rank * (k - passage.rank) / k
                    - w.caption_penalty * is_caption(paragraph)  # a photo caption: the line ends in a credit
                    - w.short_penalty * (len(text.split()) < 6)
                    - w.unnamed_penalty * unnamed
                    - w.number_penalty * missing / max(len(info.numbers), 1)
                )
                quote = Quote(chunk.source, span.start, span.end)
                scored.append(Scored(row, tuple(rows), quote, text, score, dense, lexical, passage.rank, typed))
        scored.sort(key=lambda s: -s.score)
        return scored

    # ------------------------------------------------------------ composing

    def draft(self, evidence: Evidence) -> Draft:
        if is_instruction(evidence.question):
            return Draft(text=NOT_A_QUESTION, abstained=True, engine=self.name)
        info = analyse(evidence.question)
        if info.contestable:
            evidence = self.with_counter_evidence(evidence)
        scored = self.score(evidence, info)
        threshold = self.settings.abstain_below
        questions = question_parts(evidence.question)
        picks: list[tuple[Scored | None, Reading | None]] = []
        for i, part in enumerate(questions):  # the second part asks something else: never the first part's answer
            taken = frozenset(r.span for _, r in picks if r is not None and r.span is not None)
            if i:  # "..., and what was it a year earlier?": its pronoun stands for what the first part names
                part = self.carried_over(part, questions[0], evidence, picks[0][1])
            searched = self.with_part_evidence(evidence, part) if len(questions) > 1 else evidence
            picks.append(self.pick(part, searched, scored if len(questions) == 1 else None, taken))
        if len(questions) > 1:
            picks = self.together(questions, picks, evidence, threshold)
        found = [(s, r) for s, r in picks if s is not None and r is not None]
        if len(found) < len(questions):
            nearest = found[0][0] if found else None
            return self.abstain(nearest, 0.0, threshold, evidence.index)
        weakest = min(found, key=lambda pair: pair[1].probability)[1]
        if len(found) > 1 and weakest.probability > 0.0:  # each part was read as a question of its own
            weakest.features = {**weakest.features, "two_part": 1.0}
            weakest.probability = probability(self.settings.answer_weights, weakest.features)
        if min(r.nearest for _, r in found) < self.settings.min_sentence_score:
            weakest.probability = 0.0  # nothing in the articles is near the question (or a part of it)
        if weakest.probability < threshold:
            return self.abstain(found[0][0], weakest.probability, threshold, evidence.index, weakest.features)
        index = evidence.index
        if len(questions) > 1:
            quotes = [q for s, r in found for q in self.support(index, s, r)]
            shorts = tuple(self.short_answer(index, s, r, part) for part, (s, r) in zip(questions, found, strict=True))
            return self.compose(index, quotes, weakest.probability, short_answers=shorts, features=weakest.features)
        best, reading = found[0]
        sides = self.disagreement(scored, best, info) if info.contestable else None
        second = OTHER_SIDE
        if sides is None and info.wants:
            sides, second = self.conflict(scored, best, info, index), OTHER_SOURCE
        if sides is not None:
            quotes = [self.whole_quote(index, s.quote) for s in sides]
            text = (
                f"{DISAGREE} {self.quote_text(index, quotes[0])} [1] {second} {self.quote_text(index, quotes[1])} [2]"
            )
            disputed: tuple[str, ...] = (self.sides(index, sides),) if info.polar else ()
            return Draft(
                text=text,
                quotes=quotes,
                confidence=reading.probability,
                engine=self.name,
                short_answers=disputed,
                disputed=True,
                features=reading.features,
            )
        w = self.settings.sentence
        chosen = [best]
        for candidate in scored:
            if len(chosen) >= self.settings.max_answer_sentences or candidate.score < w.keep_ratio * best.score:
                break
            # a further sentence must be about the question too: the wanted kind of answer near its
            # words, and at least half the word coverage of the best sentence
            if (
                all(not _similar(candidate.text, c.text) for c in chosen)
                and candidate.typed
                and candidate.lexical >= w.extra_lexical * best.lexical
            ):
                chosen.append(candidate)
        quotes = [*self.support(index, best, reading), *(c.quote for c in chosen[1:])]
        short = self.short_answer(index, best, reading, evidence.question)
        return self.compose(
            index, quotes, reading.probability, short_answers=(short,) if short else (), features=reading.features
        )

    def together(
        self,
        questions: Sequence[str],
        picks: list[tuple[Scored | None, Reading | None]],
        evidence: Evidence,
        threshold: float,
    ) -> list[tuple[Scored | None, Reading | None]]:
        """A part whose own pick is too weak to answer, read again in the sentence another part's answer came
        from: a two-part question about one event is often answered in one sentence ("the sinking in 1912 of
        the Titanic with a loss of 1,500 lives"). That reading replaces the part's own pick when the answer
        model trusts it more; its lead is measured against the part's own best candidate."""
        ranker, out = self.settings.rank_weights, list(picks)
        for i, part in enumerate(questions):
            own = out[i][1]
            if own is not None and own.probability >= threshold:
                continue
            if i:
                part = self.carried_over(part, questions[0], evidence, out[0][1])
            for j, (other, answer) in enumerate(out):
                if j == i or other is None or answer is None or answer.probability < threshold:
                    continue
                taken = frozenset(r.span for k, (_, r) in enumerate(out) if k != i and r is not None and r.span)
                readings = self.candidates(part, evidence, [other], taken)
                if not readings or (reading := readings[0][1]).span is None or reading.features["time_conflict"]:
                    continue
                top = linear(ranker, reading.features)
                rival = own.features.get("ranked", top) if own is not None else top
                reading.features = {**reading.features, "ranked": top, "lead": top - rival}
                reading.probability = probability(self.settings.answer_weights, reading.features)
                reading.nearest = max(answer.nearest, own.nearest if own is not None else 0.0)
                if own is None or reading.probability > own.probability:
                    out[i], own = (other, reading), reading
        return out

    def carried_over(self, part: str, first: str, evidence: Evidence, answer: Reading | None) -> str:
        """The second part with its pronoun replaced (`carry_over`): by the first part's value phrase, its
        answer for "who", or the entity it is about (its subject or possessor before its other names)."""
        entities = entities_in(first, self.stats(evidence.index).lexicon)
        names = [name for name, _ in [*subjects(first, entities), *entities]]
        said = ""
        if answer is not None and answer.span is not None:
            source, start, end = answer.span
            said = " ".join(evidence.index.articles[source].text[start:end].split())
        return carry_over(part, first, names, said)

    def pick(
        self,
        question: str,
        evidence: Evidence,
        scored: list[Scored] | None,
        taken: frozenset[tuple[str, int, int]] = frozenset(),
    ) -> tuple[Scored | None, Reading | None]:
        """The candidate the ranker puts first for the question (or one part of it), with the answer model's
        probability that it answers; a candidate whose answer span another part has `taken` is passed over."""
        readings = self.candidates(question, evidence, scored, taken)
        if not readings:
            return None, None
        nearest = max(candidate.score for candidate, _ in readings)
        for _, candidate_reading in readings:
            candidate_reading.nearest = nearest
        ranker = self.settings.rank_weights
        ranked = sorted(readings, key=lambda pair: -linear(ranker, pair[1].features))
        # a candidate the evidence contradicts (another month, year or quarter than the one asked) is ruled out;
        # a name of the question that no candidate mentions rules them all out: the articles don't cover it;
        # so does a question that wants a kind of answer (a person, an amount) no candidate offers
        eligible = [pair for pair in ranked if not pair[1].features["time_conflict"] and pair[1].span not in taken]
        unmentioned = frozenset.intersection(*(r.absent for _, r in readings))
        typed = bool(wanted(question).labels)
        untyped = typed and not any(r.span for _, r in eligible)
        if not eligible or unmentioned or untyped:
            best, reading = ranked[0]
            reading.probability = 0.0
            return best, reading
        # a question that wants a kind of answer (a person, an amount) is answered by the best candidate that
        # offers one, not by a sentence the ranker likes better that holds none
        ranked = [pair for pair in eligible if pair[1].span] if typed else eligible
        # one who asks for a role's holder ("who is BT's chairman") is answered by the best candidate that names a
        # holder of that role, not by one the text gives another role ("deputy chairman Graeme Odgers")
        holders = asked_roles(question) and any(not r.features.get("role_missing") for _, r in ranked)
        if holders:
            ranked = sorted(ranked, key=lambda pair: pair[1].features.get("role_missing", 0.0))
        best, reading = ranked[0]
        top = linear(ranker, reading.features)
        runner_up = linear(ranker, ranked[1][1].features) if len(ranked) > 1 else top - 1.0
        reading.features = {**reading.features, "ranked": top, "lead": top - runner_up}
        reading.probability = probability(self.settings.answer_weights, reading.features)
        if asked_roles(question) and not holders:
            reading.probability = 0.0  # "who is Pan Am's chairman": no candidate names one ("vice chairman X")
        if reading.unnamed and reading.span is None:
            reading.probability = 0.0  # "several shipping lines had ordered ..." names none for "which lines"
        verbs = self.asked_verbs(evidence.index, question)
        if self.withheld(evidence.index, best.quote, question, verbs):
            reading.probability = 0.0  # "he did not say what EC products ...": the article says it doesn't say
        if not typed and only_planned(best.text, question, verbs):
            reading.probability = 0.0  # "how did the tribunal rule": "the tribunal is due to rule later today"
        return best, reading

    def asked_verbs(self, index: Index, question: str) -> frozenset[str]:
        """The verb the question asks about, after its auxiliary ("resubmit" in "when will GenCorp resubmit
        its proposals", "accept" in "how much of the sugar offered did the Commission accept"), as a base-form
        stem; none when it has no auxiliary of a doing ("who is the president of ...")."""
        words = [w.strip("?,.;:!\"'“”‘’") for w in question.split()]
        at = next((i for i, w in enumerate(words) if i and w.lower() in DOING_AUXILIARIES), None)
        if at is None:
            return frozenset()
        # past the subject: its determiners and the capitalised words of its name
        word = next((w for w in words[at + 1 :] if w[:1].islower() and w not in DETERMINERS), "")
        stem = next(iter(map(base_form, stems(word))), "")
        return frozenset({stem}) if stem in self.stats(index).verbs else frozenset()

    def candidates(
        self,
        question: str,
        evidence: Evidence,
        scored: list[Scored] | None = None,
        taken: frozenset[tuple[str, int, int]] = frozenset(),
    ) -> list[tuple[Scored, Reading]]:
        """The best-scored sentences for the question (or one part of it), each read closely; a span another
        part has `taken` is not offered again ("68.4 pct owned by Grace and 31.6 pct by Berisford" offers the
        second part the other figure)."""
        index = evidence.index
        stats = self.stats(index)
        info = analyse(question)
        if scored is None:
            scored = self.score(evidence, info)
        ask = wanted(question)
        entities = entities_in(question, stats.lexicon) or entities_in(evidence.question, stats.lexicon)
        # a part that asks about "last year" is not about the years another part names
        times = times_in(question) or (frozenset() if names_relative_time(question) else times_in(evidence.question))
        named = {s for name, _ in entities for s in stems(name)}
        focus = frozenset(t for t in map(base_form, info.terms) if t not in named)
        verbs = frozenset(t for t in focus if t in stats.verbs)
        about = subjects(question, entities)
        heads = asked_heads(question)
        roles = asked_roles(question) if "PERSON" in ask.labels else frozenset()
        readings = []
        for rank, candidate in enumerate(scored[: self.settings.answer_candidates], start=1):
            base = {
                "score": candidate.score,
                "dense": candidate.dense,
                "lexical": candidate.lexical,
                "rank": 1 / rank,
                "typed_near": float(candidate.typed),
            }
            unit = self.unit(index, candidate)
            reading = read(unit, ask, entities, times, focus, stats.idf, verbs, base, about, heads, roles, taken)
            readings.append((candidate, reading))
        return readings

    @staticmethod
    def withheld(index: Index, quote: Quote, question: str, verbs: frozenset[str] = frozenset()) -> bool:
        """Does the answer's sentence, or the sentence after it, say it does not tell what the question asks
        ("... withdrew the proposals. The company did not indicate when it would resubmit them.")? Or does
        another sentence of its article say so of the question's own verb ("did not indicate when it might
        resubmit the proposals", for "when will GenCorp resubmit", four sentences after the meeting's date)?"""
        article = index.articles[quote.source]
        after = next((s for s in article.sentences if s.start >= quote.end), None)
        if withholds(article.text[quote.start : after.end if after is not None else quote.end], question):
            return True
        return bool(verbs) and any(withholds(article.text[s.start : s.end], question, verbs) for s in article.sentences)

    def unit(self, index: Index, candidate: Scored) -> Unit:
        stats = self.stats(index)
        source = candidate.quote.source
        positions = tuple(int(stats.position[r]) for r in candidate.rows)
        return Unit(index.articles[source], positions, candidate.quote.start, candidate.quote.end)

    def support(self, index: Index, best: Scored, reading: Reading) -> list[Quote]:
        """The quotes an answer stands on, in the article's order: the answering sentence, and the sentence
        that names who "he" or "the company" is, or holds the figure, when the answer needs it."""
        quotes = [best.quote]
        if reading.antecedent is not None:
            article = index.articles[best.quote.source]
            span = article.sentences[reading.antecedent]
            quotes.append(Quote(article.source, span.start, span.end))
        return sorted(quotes, key=lambda q: q.start)

    def short_answer(self, index: Index, best: Scored, reading: Reading, question: str) -> str:
        """The answer itself: the typed span, or Yes/No for a yes/no question; "" when there is none."""
        if reading.span is not None:
            source, start, end = reading.span
            return " ".join(index.articles[source].text[start:end].split())
        ask = wanted(question)
        if ask.polar:
            return NO if NEGATION.search(best.text) else YES
        if ask.reason:  # "why": the reason the answer's sentence gives, or the sentence after it that gives one
            article = index.articles[best.quote.source]
            places = [(best.quote.start, best.quote.end)]
            if reading.antecedent is not None:
                places.append((article.sentences[reading.antecedent].start, article.sentences[reading.antecedent].end))
            for start, end in places:
                if (why := reason_span(article.text[start:end])) is not None:
                    return " ".join(article.text[start + why[0] : start + why[1]].split())
            return ""
        if analyse(question).wants is None:  # no name, number or date asked: what the quote adds to the question
            article, quote = index.articles[best.quote.source], best.quote
            inside = [p for span, p in zip(article.sentences, article.parses, strict=False)
                      if quote.start <= span.start < quote.end]  # fmt: skip
            text = article.text[quote.start : quote.end]

            def local(span: Span | None) -> tuple[int, int] | None:
                return (span.start - quote.start, span.end - quote.start) if span is not None else None

            clauses = [
                (c.verb, local(c.subject), local(c.object), local(c.complement)) for p in inside for c in p.clauses
            ]
            whole = self.whole_quote(index, quote)  # the word used may stand in the quotation's next sentence
            if (word := word_used(article.text[whole.start : whole.end], question)) is not None:
                return " ".join(article.text[whole.start + word[0] : whole.start + word[1]].split())
            found = argument_span(text, question, clauses, what_was_said(question))
            found = found or unasked_span(text, question, [v for p in inside for v in p.verbs])
            if found is not None:
                return " ".join(article.text[quote.start + found[0] : quote.start + found[1]].split())
        return ""

    def compose(
        self,
        index: Index,
        quotes: list[Quote],
        confidence: float,
        prefix: str = "",
        abstained: bool = False,
        short_answers: tuple[str, ...] = (),
        features: dict[str, float] | None = None,
    ) -> Draft:
        """Quotes (each completed to whole quotations, overlaps merged) as a cited answer."""
        whole: list[Quote] = []
        for quote in (self.whole_quote(index, q) for q in quotes):
            if not any(q.source == quote.source and q.start < quote.end and quote.start < q.end for q in whole):
                whole.append(quote)
        body = " ".join(f"{' '.join(self.quote_text(index, q).split())} [{n}]" for n, q in enumerate(whole, start=1))
        return Draft(
            text=f"{prefix}{body}",
            quotes=whole,
            abstained=abstained,
            confidence=confidence,
            engine=self.name,
            short_answers=short_answers,
            features=features or {},
        )

    @staticmethod
    def quote_text(index: Index, quote: Quote) -> str:
        return index.articles[quote.source].text[quote.start : quote.end]

    @staticmethod
    def whole_quote(index: Index, quote: Quote) -> Quote:
        """Grow a sentence to its neighbours on the same line until its quotation marks balance, so a
        quotation split into sentences comes with its opening words and its "... he said"."""
        article = index.articles[quote.source]
        spans = list(article.sentences)
        try:
            i = j = next(k for k, s in enumerate(spans) if s.start == quote.start and s.end == quote.end)
        except StopIteration:
            return quote
        for _ in range(4):
            text = article.text[spans[i].start : spans[j].end]
            balance = _quote_balance(text)
            if balance > 0 and j + 1 < len(spans) and _same_line(article, spans[j], spans[j + 1]):
                j += 1
            elif balance < 0 and i > 0 and _same_line(article, spans[i - 1], spans[i]):
                i -= 1
            else:
                break
        return Quote(quote.source, spans[i].start, spans[j].end)

    def disagreement(self, scored: list[Scored], best: Scored, info: QuestionInfo) -> tuple[Scored, Scored] | None:
        """The best-placed assertion that answers the question (it holds the question's words, all but one in
        four) and the best-placed dispute of it, when both are relevant enough."""
        w = self.settings.sentence
        floor = max(w.dispute_ratio * best.score, w.dispute_min)
        focus = {base_form(t) for t in info.focus}

        def answers(s: Scored) -> bool:
            return len(focus - {base_form(t) for t in stems(s.text)}) <= len(focus) // 4

        claims = [
            s for s in scored[:5] if s.score >= w.keep_ratio * best.score and stance(s.text) == "claim" and answers(s)
        ]
        if not claims:
            return None
        for kind in ("deny", "resist"):
            disputes = [s for s in scored if s.score >= floor and stance(s.text) == kind]
            if disputes:
                return claims[0], disputes[0]
        return None

    def sides(self, index: Index, sides: tuple[Scored, Scored]) -> str:
        """The short answer to a disputed yes/no question, with who holds each side the sentences name ("Disputed:
        claimed by the Taliban, denied by the National Resistance Front"; a side no name holds is left out)."""
        held = []
        for side in sides:
            kind = stance(side.text)
            if kind is None or kind not in SIDES:
                continue
            if who := self.claimant(index, self.whole_quote(index, side.quote), kind):
                held.append(SIDES[kind].format(who))
        return f"{DISPUTED}: {', '.join(held)}" if held else DISPUTED

    @staticmethod
    def claimant(index: Index, quote: Quote, kind: str) -> str:
        """Who makes the claim or denial (`kind`, as `stance` says) a quote holds: the name in the subject of
        its verb of saying, claiming or denying, a person before an organisation ("Taliban spokesman Zabihullah
        Mujahid" is Mujahid); the subject of its main clause only when no such verb says who ("“Taliban's claim
        ... is false,” it said" is no denial by the Taliban); "" when the subject names no one ("he",
        "witnesses")."""
        article = index.articles[quote.source]
        inside = [
            parse for span, parse in zip(article.sentences, article.parses, strict=False)
            if quote.start <= span.start < quote.end
        ]  # fmt: skip
        said = [(c.subject, p) for p in inside for c in p.clauses if c.verb in STANCE_VERBS[kind]]
        for subject, parse in said or [(p.subject, p) for p in inside]:
            if subject is None:
                continue
            named = [m for m in parse.mentions if subject.start <= m.start and m.end <= subject.end]
            for label in ("PERSON", "ORG", "NORP", "GPE"):
                found = next((m for m in named if m.label == label), None)
                if found is not None:
                    the = "the " if article.text[max(0, found.start - 4) : found.start].lower() == "the " else ""
                    return the + " ".join(article.text[found.start : found.end].split())
        return ""

    def conflict(
        self, scored: list[Scored], best: Scored, info: QuestionInfo, index: Index
    ) -> tuple[Scored, Scored] | None:
        """Another source that says the same thing as the best sentence with a different answer (another
        name, date or number), and scores nearly as well: the sources contradict each other."""
        w = self.settings.sentence
        common = self.stats(index).common
        mine = answer_values(best.text, info, VALUE_WINDOW, common)
        if not mine or info.wants is None:
            return None
        wants = info.wants
        floor = max(w.conflict_ratio * best.score, w.conflict_min)
        for other in scored[1:]:
            if other.score < floor:
                break
            if other.quote.source == best.quote.source or not other.typed:
                continue
            # about the same thing: the question's numbers (a year) that the best gives, it gives too
            if any(gives_number(best.text, n) and not gives_number(other.text, n) for n in info.numbers):
                continue
            theirs = answer_values(other.text, info, VALUE_WINDOW, common)
            if not theirs:
                continue
            # the answers each gives that the other does not; the rest of the two sentences alike
            only_mine = {v for v in mine if not gives_value(other.text, v, wants)}
            only_theirs = {v for v in theirs if not gives_value(best.text, v, wants)}
            if len(only_mine) == 1 and len(only_theirs) == 1:  # one answer against another, the rest shared
                likeness = _jaccard(_stem_set(best.text, only_mine), _stem_set(other.text, only_theirs))
                if likeness >= w.conflict_likeness:
                    return best, other
        return None

    def with_part_evidence(self, evidence: Evidence, part: str) -> Evidence:
        """For one part of a two-part question, also what retrieval finds for that part alone: the whole
        question's passages lean to the part with more words."""
        return self.with_more(evidence, part, keep_search=True)

    def with_counter_evidence(self, evidence: Evidence) -> Evidence:
        """For a yes/no question about a claimed event, also retrieve what disputes it."""
        return self.with_more(evidence, f"{evidence.question} denied false claim", keep_search=False)

    @staticmethod
    def with_more(evidence: Evidence, query: str, keep_search: bool) -> Evidence:
        """The evidence with the passages a further search for `query` finds that it lacks, ranked after its
        own; the search is kept for later use only when `keep_search`."""
        if evidence.search is None:
            return evidence
        extra = evidence.search(query, len(evidence.passages) or 4)
        known = {p.chunk.id for p in evidence.passages}
        more = [p.model_copy(update={"rank": len(evidence.passages) + 1}) for p in extra if p.chunk.id not in known]
        search = evidence.search if keep_search else None
        return Evidence(evidence.question, evidence.qvec, [*evidence.passages, *more], evidence.index, search)

    def abstain(
        self,
        nearest: Scored | None,
        confidence: float,
        threshold: float,
        index: Index,
        features: dict[str, float] | None = None,
    ) -> Draft:
        """The articles don't say; with the nearest sentence when it comes close to answering."""
        if nearest is not None and confidence >= self.settings.sentence.nearest_ratio * threshold:
            return self.compose(index, [nearest.quote], confidence, f"{NO_ANSWER} {CLOSEST} ", True, features=features)
        return Draft(text=NO_ANSWER, abstained=True, confidence=confidence, engine=self.name, features=features or {})


def _quote_balance(text: str) -> int:
    """> 0: a quotation opens and does not close; < 0: one closes that did not open here."""
    curly = text.count("“") - text.count("”")
    if curly:
        return curly
    if text.count('"') % 2:
        # a straight quote closes when it follows a word or punctuation and opens otherwise
        at = text.index('"')
        closes = at > 0 and not text[at - 1].isspace() and (at + 1 == len(text) or text[at + 1] in " ,.;:!?")
        return -1 if closes else 1
    return 0


def _units(index: Index, chunk: Chunk) -> list[tuple[int, Span, list[int]]]:
    """What can answer: each sentence of the chunk (keyed by its row), and each short paragraph of
    several sentences as a whole (keyed by minus its first row, minus one), so that a sentence like
    "It was released on July 21, 2017." is judged with the sentence that names "it"."""
    article = index.articles[chunk.source]
    units = [(chunk.first_sentence + i, span, [chunk.first_sentence + i]) for i, span in enumerate(chunk.sentences)]
    lines: dict[int, list[int]] = {}
    for i, span in enumerate(chunk.sentences):
        lines.setdefault(article.text.count("\n", chunk.start, span.start), []).append(i)  # line within the chunk
    for members in lines.values():
        first, last = chunk.sentences[members[0]], chunk.sentences[members[-1]]
        if len(members) > 1 and last.end - first.start <= PARAGRAPH_UNIT:
            rows = [chunk.first_sentence + i for i in members]
            units.append((-1 - rows[0], Span(start=first.start, end=last.end), rows))
    return units


def _paragraph(article: Article, span: Span) -> str:
    start = article.text.rfind("\n", 0, span.start) + 1
    end = article.text.find("\n", span.end)
    return article.text[start : end if end >= 0 else len(article.text)]


def _same_line(article: Article, a: Span, b: Span) -> bool:
    return "\n" not in article.text[a.start : b.end]


def _stem_set(text: str, leave_out: Iterable[str] = ()) -> set[str]:
    """The text's stems, without those of the given answer values."""
    drop = {s for v in leave_out for s in stems(v)}
    return {s for s in stems(text) if s not in drop}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _similar(a: str, b: str) -> bool:
    return _jaccard(_stem_set(a), _stem_set(b)) >= 0.5
