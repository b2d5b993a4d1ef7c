"""The language signals the extractive engine composes answers with: answer values and conflicts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.language import analyse, answer_values, common_words, gives_value
from bot.language.values import amount_conflict, quantities
from tests.conftest import make_settings


def test_names_keep_initials_and_drop_asked_and_common_words() -> None:
    info = analyse("Who is the CEO of Lego in 2021?")
    sentence = "Apr 26, 2021 ... Lego play matters, CEO Niels B. Christiansen tells the Group."
    values = answer_values(sentence, info, window=8, common=frozenset({"group"}))
    assert "niels b. christiansen" in values
    assert "group" not in values and "lego" not in values  # a common noun; a word of the question


def test_values_are_normalised_so_sources_can_be_compared() -> None:
    when = analyse("When was the game released?")
    assert answer_values("The game was released on September 7, 2018.", when) == {"sep 7 2018": 2}
    assert answer_values("It was released on 7th of Sept. 2018 in Europe.", when) == {"sep 7 2018": 2}
    assert gives_value("Out since Sep. 7, 2018.", "sep 7 2018", "date")
    assert not gives_value("Out since Sep. 17, 2018.", "sep 7 2018", "date")
    assert gives_value("Out on Sep 7.", "sep 7 2018", "date")  # no year given: does not contradict
    much = analyse("What was Tesla's revenue in Q3 2019?")
    assert answer_values("Tesla posted $6.3 billion in revenue in Q3 2019.", much) == {"6.3 billion": 2}
    assert not gives_value("revenue of $6.3 million", "6.3 billion", "number")


def test_far_from_the_question_words_is_no_answer() -> None:
    info = analyse("Who won the race?")
    assert answer_values("Bob Smith won the race.", info) == {"bob smith": 4}  # words from "race"
    far = "Bob Smith, who had trained for many long and difficult years in the hills, won the race."
    assert answer_values(far, info, window=8) == {}


def test_common_words_are_those_mostly_written_in_lower_case() -> None:
    common = common_words(["The Foundation said the foundation and the foundation agreed.", "Ask Alice Brown."])
    assert "foundation" in common and "alice" not in common


def test_common_words_hold_only_words_that_have_a_case() -> None:
    common = common_words(["In 1987 the unit 0000123 sold 3.5 mln shares, said the unit."])
    assert "unit" in common and "shares" in common
    assert not any(w[0].isdigit() for w in common)  # a number is never a name's word, so never listed


@pytest.fixture(scope="module")
def conflicting_bot(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from bot.core import QABot

    corpus = tmp_path_factory.mktemp("conflict") / "corpus"
    corpus.mkdir()
    (corpus / "herald.txt").write_text(
        "Bridge opens\n\nThe new river bridge in Easton was opened on Monday by Mayor Alice Brown.\n"
        "Traffic was light on the first day.\n",
        encoding="utf-8",
    )
    (corpus / "courier.txt").write_text(
        "Easton celebrates\n\nThe new river bridge in Easton was opened on Monday by Mayor Carol White.\n"
        "Crowds gathered on both banks.\n",
        encoding="utf-8",
    )
    (corpus / "gazette.txt").write_text(
        "Budget news\n\nThe council approved the budget for the library in Easton on Friday.\n",
        encoding="utf-8",
    )
    settings = make_settings(corpus.parent, corpus=corpus, embedder="minilm")
    return QABot.load(settings)


def test_sources_giving_different_names_are_shown_disagreeing(conflicting_bot) -> None:  # type: ignore[no-untyped-def]
    answer = conflicting_bot.answer("Who opened the new river bridge in Easton?")
    assert not answer.abstained
    assert answer.text.startswith("The sources disagree.")
    assert "Alice Brown" in answer.text and "Carol White" in answer.text
    assert {c.source for c in answer.citations} == {"herald.txt", "courier.txt"}


def test_no_conflict_when_the_question_has_one_source(conflicting_bot) -> None:  # type: ignore[no-untyped-def]
    answer = conflicting_bot.answer("When did the council approve the library budget?")
    assert "disagree" not in answer.text
    assert "Friday" in answer.text and [c.source for c in answer.citations] == ["gazette.txt"]


def test_counterfactual_metrics_need_both_answers(tmp_path: Path) -> None:
    from bot.evaluation.metrics import score_case

    case = {
        "answerable": True, "abstained": False, "expected_answer": "Alice Brown", "expected_sources": [],
        "must_include": [["Alice Brown"]], "conflicting": [["Carol White"]], "citations": [],
        "answer": "The sources disagree. Mayor Alice Brown [1] Another source says otherwise: Mayor Carol White [2]",
    }  # fmt: skip
    scored = score_case(case, lambda c: (True, True))
    assert scored["metrics"]["both_sides"] is True and scored["metrics"]["conflict_said"] is True
    one_sided = score_case({**case, "answer": "Mayor Carol White [1]"}, lambda c: (True, True))
    assert one_sided["metrics"]["both_sides"] is False and one_sided["metrics"]["conflict_said"] is False


def test_question_numbers_and_heading_words_are_not_answers() -> None:
    from bot.language import answer_spans

    assert answer_spans("In 2019 sales rose to 367,500 cars.", "number", "How many cars were sold in 2019?") == [22]
    heading, asked = "Who's making Assassin's Creed: Crew List ; Director.", "Who directed Assassin's Creed?"
    assert answer_spans(heading, "name", asked, common=frozenset({"crew", "list", "director"})) == []
    assert answer_spans(heading + " Justin Kurzel.", "name", asked, common=frozenset({"crew", "list", "director"}))


def test_a_dateline_is_when_it_was_published_not_what_it_says() -> None:
    from bot.language import without_dateline

    assert without_dateline("Nov 14, 2022 ... The season premiered on August 22, 2021.") == (
        "The season premiered on August 22, 2021."
    )
    assert without_dateline("3 days ago — Here's the release date.") == "Here's the release date."
    kept = "On Nov 14, 2022 the season ended."
    assert without_dateline(kept) == kept


def test_agent_nouns_meet_their_verbs() -> None:
    from bot.language import base_form, stems

    assert {base_form(s) for s in stems("winner wins")} == {"win"}
    assert {base_form(s) for s in stems("the leader leads")} == {"lead"}
    assert {base_form(s) for s in stems("directed by the director")} == {"direct"}
    assert base_form("taliban") == "taliban" and base_form("her") == "her"  # too short to be an agent noun


def test_precise_answers_reach_further_but_not_from_a_name() -> None:
    from bot.language import precise_answer

    when = analyse("When was Marvel's Spider-Man released?")
    assert precise_answer("Marvel's Spider-Man was released for the PlayStation 4 on September 7, 2018.", when)
    assert not precise_answer("Sep 7, 2018 ... Marvel's Spider-Man was released for the PlayStation 4.", when)
    long = analyse("For how long had the bastion never been defeated?")
    assert precise_answer("the bastion defeated for the first time during 40 years of conflict", long)
    exile = analyse("How long was Ahmad Massoud in exile?")  # a decade near the name, not near "exile"
    assert not precise_answer("Ahmad Massoud led the fight a decade later.", exile)


def test_numbers_in_words_quarters_and_datelines() -> None:
    from bot.language import answer_spans, gives_number

    assert gives_number("The eleventh and final season", "11") and not gives_number("season 12", "11")
    assert gives_number("its third-quarter earnings", "q3") and gives_number("in the third quarter", "Q3")
    assert not gives_number("in the second quarter", "q3")
    # the date heading a snippet is not the number asked for; the figure after it is
    snippet = "Oct 24, 2019 ... Tesla posted $6.3 billion in revenue."
    assert answer_spans(snippet, "number", "What was Tesla's revenue in Q3 2019?") == [snippet.index("6.3")]


def test_review_edge_cases() -> None:
    from bot.language import base_form, gives_number

    assert not gives_number("round ①", "②") and gives_number("round ①", "①")  # no int() of a non-ASCII digit
    assert not gives_number("They tend to agree", "10") and not gives_number("in 1999", "19")
    assert gives_number("the 11th season", "11") and gives_number("the tenth season", "10")
    assert base_form("killer") == base_form("kill") and base_form("seller") == base_form("sell")
    assert analyse("Which team won this year's World Cup?").wants == "name"  # not a date question
    assert analyse("What company did Musk buy last year?").wants != "date"
    assert analyse("What is the release date for Super Mario Odyssey?").wants == "date"


@pytest.mark.parametrize(
    ("sentence", "question", "verbs", "expected"),
    [
        # the complement the question asks for, after the question's own words
        (
            "The union urged its members in both plants to reject the offer.",
            "What did the union urge its members to do?",
            ["urge", "reject"],
            "reject the offer",
        ),
        # a modifier before the question's noun ("what kind of ...")
        (
            "The ministry said it would build a floating harbour near the border.",
            "What kind of harbour?",
            ["build"],
            "floating",
        ),
        # the attribution ("..., the chairman said") and a verb alone are not the answer
        (
            "Anyone who breaks the embargo will be fined heavily, the chairman said.",
            "What did the chairman warn would happen to anyone breaking the embargo?",
            ["break", "fine", "say"],
            "fined heavily",
        ),
        # a relative clause describing the question's subject is not the answer
        (
            "Jones, who has run the airline since 1980, stayed silent.",
            "How did Jones respond to the bid?",
            ["run", "stay"],
            "stayed silent",
        ),
    ],
)
def test_the_unasked_part_of_a_sentence_is_the_short_answer_to_an_untyped_question(
    sentence: str, question: str, verbs: list[str], expected: str
) -> None:
    from bot.language.spans import unasked_span

    span = unasked_span(sentence, question, verbs)
    assert span is not None and sentence[span[0] : span[1]] == expected


def test_a_number_with_a_thousands_comma_stays_whole_in_the_unasked_part() -> None:
    from bot.language.spans import unasked_span

    sentence = "Some 3,000 members of the union at the Livonia plant will vote on a local contract."
    span = unasked_span(sentence, "What was the outcome of the Livonia plant vote on the contract?")
    assert span is not None and sentence[span[0] : span[1]].startswith("3,000 members")


def test_a_sentence_that_only_repeats_the_question_has_no_unasked_part() -> None:
    from bot.language.spans import unasked_span

    assert unasked_span("The union urged its members, it said.", "What did the union urge its members?") is None


def test_a_why_question_gets_no_phrase_the_quote_gives_the_reason() -> None:
    from bot.language.spans import unasked_span

    assert unasked_span("The plant closed because demand for steel fell.", "Why did the plant close?") is None


@pytest.mark.parametrize(
    ("text", "name", "found"),
    [
        ("The ITC elected a new chairman.", "International Tin Council", True),  # its initials
        ("ATT raised its dividend.", "AT&T", True),
        ("The U.S. surplus grew.", "United States", True),  # initials with their dots
        ("French unemployment rose.", "France", True),  # a country's adjective
        ("Rates rose in France.", "French", True),
        ("BP owns 40 pct.", "BP", True),  # a two-letter name, whole
        ("Kuwait's quota is unchanged.", "BP", False),
        ("Soviet grain imports rose.", "Soviet Union", True),  # one of its words
        ("Exports to Japan rose.", "International Tin Council", False),
        # a word any such body's name holds names none of them; "the bank" after the story named it does
        ("Credits from the swiss bank corporation.", "Midland Bank", False),
        ("Credits from Midland Bank.", "Midland Bank", True),
        ("The bank said it would lend more.", "Midland Bank", True),
        ("Harbour Workers union secretary Ross Wilson said.", "Waterside Workers Federation", False),
        # a body named for its place is not the place
        ("Westpac Banking Corp in New Zealand raised its rate.", "Bank of New Zealand", False),
        ("The Bank of New Zealand raised its rate.", "Bank of New Zealand", True),
        ("The department said it approved the purchase.", "Transportation Department", True),
        ("The anti-Taliban commander Ahmad Shah Massoud led the resistance.", "Taliban", False),  # its foes
        ("The Taliban commander led the offensive.", "Taliban", True),
    ],
)
def test_mentions_finds_a_name_its_words_or_its_initials(text: str, name: str, found: bool) -> None:
    from bot.language import mentions

    assert mentions(text, name) is found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("the 32-km stretch cost 10.5 mln dlrs", {(32.0, "km"), (10.5e6, "dlr")}),
        ("a 50 pct stake worth $5 billion", {(50.0, "pct"), (5e9, "dlr")}),
        ("1,500 workers and 25 cents a share", {(1500.0, "worker"), (25.0, "ct")}),
        ("1.91 mln of TMOC's shares in 1987", set()),  # a name stands between; a year is no amount
    ],
)
def test_quantities_are_amounts_with_their_unit(text: str, found: set[tuple[float, str]]) -> None:
    assert quantities(text) == found


def test_amount_conflict_is_another_amount_of_the_same_unit() -> None:
    assert amount_conflict("What did the 11 km section cost?", "The 32-km stretch cost 10 mln dlrs.")
    assert not amount_conflict("What did the 11 km section cost?", "The 11-km and 32-km stretches cost 10 mln dlrs.")
    assert not amount_conflict("What did the 11 km section cost?", "The stretch cost 10 mln dlrs.")  # not given
    assert not amount_conflict("What did the section cost?", "The 32-km stretch cost 10 mln dlrs.")  # not asked


def test_argument_span_is_what_the_questions_verb_takes() -> None:
    from bot.language.spans import argument_span

    sentence = "Photos show members of the Taliban raising their flag over the governor's house."
    raising = (sentence.index("raising"), sentence.index("Photos"), sentence.index(" over"))
    subject = (0, sentence.index(" raising"))
    flag = (sentence.index("their"), sentence.index(" over"))

    def answer(question: str, subject: tuple[int, int] | None) -> str | None:
        found = argument_span(sentence, question, [("raise", subject, flag, None)])
        return sentence[found[0] : found[1]] if found else None

    assert raising and answer("What were Taliban fighters shown raising?", subject) == "flag"
    assert answer("What were Taliban fighters shown raising?", None) is None  # nobody raises it
    assert answer("What did Acme raise?", (0, len("Photos show members of the Taliban"))) is None  # another subject
    assert answer("Why were Taliban fighters raising flags?", subject) is None  # a reason is a clause
    assert answer("What did the Taliban say about the raise of the flag?", subject) is None  # "raise" as a noun


def test_argument_span_takes_the_complement_for_to_do() -> None:
    from bot.language.spans import argument_span

    sentence = "Mujahid urged former members of the security forces to join their group's ranks."
    forces = (sentence.index("former"), sentence.index(" to join"))
    ranks = (sentence.index("to join"), len(sentence) - 1)
    found = argument_span(
        sentence, "What did Mujahid urge the security forces to do?", [("urge", (0, 7), forces, ranks)]
    )
    assert found is not None and sentence[found[0] : found[1]] == "join their group's ranks"


def test_argument_span_of_a_verb_of_saying_is_all_that_was_said() -> None:
    from bot.engines.reading import what_was_said
    from bot.language.spans import argument_span

    sentence = "The deputy leader Mullah Baradar has said that the group is forming an inclusive government."
    subject = (0, sentence.index(" has"))
    said = (sentence.index("that the"), len(sentence) - 1)
    question = "What did Baradar say about the government?"

    def answer(question: str) -> str | None:
        found = argument_span(sentence, question, [("say", subject, None, said)], what_was_said(question))
        return sentence[found[0] : found[1]] if found else None

    assert answer(question) == "the group is forming an inclusive government"
    assert answer("What did Baradar say?") == "the group is forming an inclusive government"
    # a value inside what was said is asked, not all of it: no span from the verb of saying
    assert what_was_said("What did Baradar say the group is forming?") == frozenset()
    assert answer("What did Baradar say the group is forming?") is None


def test_a_country_by_its_initials_is_mentioned_by_its_name_and_adjective() -> None:
    from bot.language.values import mentions

    assert mentions("the United States said", "U.S")
    assert mentions("American officials said", "U.S.")
    assert mentions("US officials said", "U.S")
    assert mentions("British banks cut rates", "U.K.")
    assert not mentions("The minister told us so", "U.S")  # the pronoun
    assert not mentions("The minister told US Steel so", "U.K.")


def test_an_irregular_past_has_the_base_form_of_its_verb() -> None:
    from bot.language import base_form, stems

    assert [base_form(s) for s in stems("led leading bought buys")] == ["lead", "lead", "buy", "buy"]
    assert [base_form(s) for s in stems("left found")] == ["left", "found"]  # also other words: kept as they are


def test_what_someone_was_asked_to_do_is_answered_by_any_verb_of_asking() -> None:
    from bot.language.spans import argument_span

    sentence = "Mujahid urged former members of the security forces to join their group."
    forces = (sentence.index("former"), sentence.index(" to join"))
    join = (sentence.index("to join"), len(sentence) - 1)
    found = argument_span(sentence, "What did Mujahid ask the forces to do?", [("urge", (0, 7), forces, join)])
    assert found is not None and sentence[found[0] : found[1]] == "join their group"


@pytest.mark.parametrize(
    ("sentence", "word"),
    [
        ("“Reports are circulating. This is a fabrication,” Massoud tweeted.", "fabrication"),
        ("The minister called the deal a disgrace, aides said.", "disgrace"),
        ("He described it as a triumph.", "triumph"),
        ("Officials spoke of a “quagmire” in the valley.", "quagmire"),
    ],
)
def test_the_word_someone_used_is_what_they_call_the_thing(sentence: str, word: str) -> None:
    from bot.language.spans import word_used

    found = word_used(sentence, "What word did the minister use for the deal?")
    assert found is not None and sentence[found[0] : found[1]] == word
    assert word_used(sentence, "What did the minister say about the deal?") is None  # no word asked


def test_a_title_before_a_name_is_no_short_answer() -> None:
    from bot.language.spans import unasked_span

    sentence = "Mr Fahim Dashty, the spokesperson, was killed."
    found = unasked_span(sentence, "What did Fahim Dashty do before the war?")
    assert found is None or sentence[found[0] : found[1]] != "Mr"


def test_a_number_in_a_name_must_be_mentioned() -> None:
    from bot.language.values import mentions

    assert mentions("UFCW Local 222 members", "Local 222")
    assert not mentions("Members of local 174 of the union", "Local 222")  # another local
    assert mentions("It filed under Chapter Eleven of the law", "Chapter 11")  # written out
    assert mentions("Super Bowl LV was held in Tampa", "Super Bowl 2021")  # a year tells no name apart
    assert mentions("Pan Am took the first of 12 Airbus A310-300 aircraft", "Airbus A310-300s")  # a model's plural
    assert not mentions("Sales rose in 1980", "the 1980s")  # a decade is no year of it


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        (
            "Output fell due to customer resistance to the fixed prices of Abu Dhabi oil, industry sources said.",
            "customer resistance to the fixed prices of Abu Dhabi oil",
        ),
        (
            "Japan's approval was delayed by parliamentary debate over the sales tax issue.",
            "parliamentary debate over the sales tax issue",
        ),
        ("Sales fell because of lower demand, a spokesman for the company said today.", "lower demand"),
        ("Sales fell because demand fell; prices rose.", "demand fell"),
        (
            "Exports rose because U.S. oranges do not compete with mandarins. Imports fell.",
            "U.S. oranges do not compete with mandarins",
        ),
        (
            "He argued that the Fund would lay down conditions which would lead to recession.",
            "the Fund would lay down conditions which would lead to recession",
        ),
    ],
)
def test_the_reason_a_sentence_gives(sentence: str, reason: str) -> None:
    from bot.language.spans import reason_span

    found = reason_span(sentence)
    assert found is not None and sentence[found[0] : found[1]] == reason


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Texaco Inc. said it would appeal. Shares fell.", "Texaco Inc. said it would appeal."),
        ("Mr. Baker met U.S. officials in Paris! Talks end today.", "Mr. Baker met U.S. officials in Paris!"),
        ("Prices rose. Sales fell.", "Prices rose."),
        ("Did it help? Nobody knows.", "Did it help?"),
    ],
)
def test_a_sentence_ends_at_its_stop_not_at_an_abbreviation_or_initial(text: str, first: str) -> None:
    from bot.language.lexicon import SENTENCE_END

    end = re.search(SENTENCE_END, text)
    assert end is not None and text[: end.start() + 1] == first


def test_no_reason_without_a_word_that_gives_one() -> None:
    from bot.language.spans import reason_span

    assert reason_span("Sales fell 10 pct in March, the company said.") is None


@pytest.mark.parametrize(
    ("sentence", "question", "withheld"),
    [
        ("He did not say what EC products would be singled out.", "Which EC products did Yeutter name?", True),
        ("The company did not indicate when it would resubmit them.", "When will GenCorp resubmit them?", True),
        ("Terms were not disclosed.", "How much did Acme pay for the unit?", True),
        ("Terms were not disclosed.", "Who bought the unit?", False),  # what is withheld is not what is asked
        ("He declined to say whether talks would resume.", "When will talks resume?", False),
        ("He would not give any details on timing of a sale.", "How much would the company be worth?", False),
        # a value spoken of without being given, when it is the one asked
        ("Creditors get one billion more if profits rise above a certain level.", "What profit level is set?", True),
        ("It bought Beta for 5 mln dlrs and Gamma for an undisclosed sum.", "How much did it pay for Beta?", False),
        # what is withheld is another thing than the one asked
        (
            "He did not say what EC products would be hit.",
            "Which group's convention did he address on the EC tax?",
            False,
        ),
        # what is withheld of another period than the one asked
        ("He did not give figures for the fourth quarter of 1985.", "How much did output fall in 1986's Q4?", False),
        ("He did not give figures for the fourth quarter of 1986.", "How much did output fall in 1986's Q4?", True),
    ],
)
def test_a_sentence_that_says_it_does_not_tell_what_is_asked(sentence: str, question: str, withheld: bool) -> None:
    from bot.language.stance import withholds

    assert withholds(sentence, question) is withheld


def test_with_the_asked_verb_only_what_is_withheld_of_that_verb_counts() -> None:
    from bot.language.stance import withholds

    sentence = "The company did not indicate when it might resubmit the proposals."
    question = "When will the company resubmit the proposals?"
    assert withholds(sentence, question, frozenset({"resubmit"}))
    assert not withholds(sentence, "When will the company pay the dividend?", frozenset({"pay"}))
    vague = "Profits rose above a certain level."  # a vague value says nothing of another sentence's verb
    assert withholds(vague, "What profit level did it reach?") and not withholds(
        vague, "What profit level did it reach?", frozenset({"reach"})
    )


def test_no_comment_on_a_thing_withholds_what_the_question_asks_of_it() -> None:
    from bot.language.stance import withholds

    sentence = "The Ecuadorean side cost 10.5 mln dlrs. Perry gave no figures for the Colombian segment's cost."
    assert withholds(sentence, "How much did the Colombian segment of the link cost?")
    assert not withholds(sentence, "How much did the Ecuadorean segment of the link cost?")  # another segment
    said = "Spethmann made no comment on group earnings."
    assert withholds(said, "What group earnings does Thyssen forecast?")
    assert not withholds(said, "What fall in consolidated turnover does Thyssen expect?")  # another thing


@pytest.mark.parametrize(
    ("sentence", "planned"),
    [
        ("Later today the Higher Labour Tribunal is due to rule on whether the strike is legal.", True),
        ("The tribunal will rule on the strike on Friday.", True),
        ("The tribunal ruled the strike illegal.", False),  # done
        ("The tribunal is due to rule today; last week it ruled on the pay claim.", False),  # done once at least
        ("The tribunal met the unions on Friday.", False),  # the verb is not there: nothing said of it
    ],
)
def test_a_verb_given_only_as_a_plan_tells_no_outcome(sentence: str, planned: bool) -> None:
    from bot.language.stance import only_planned

    rule = frozenset({"rule"})
    assert only_planned(sentence, "How did the tribunal rule on the strike?", rule) is planned
    assert not only_planned(sentence, "How will the tribunal rule on the strike?", rule)  # a plan asked
