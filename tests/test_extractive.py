"""The extractive answerer's pure helpers, and what a question asks for (rag.answer.questions)."""

from __future__ import annotations

from rag.answer.extractive import same_event, stated_values
from rag.answer.questions import question_type

FRIDAY = (
    "Details: The official confirmed that on Friday, 18 October, Biden will meet in Germany "
    "with Chancellor Olaf Scholz, French President Emmanuel Macron and UK Prime Minister "
    "Keir Starmer."
)
SIXTEENTH = (
    "It is worth recalling that during a meeting on October 16 between Biden and the leaders "
    "of Germany, the United Kingdom, and France — Olaf Scholz, Keir Starmer, and Emmanuel "
    "Macron — a consensus was not reached regarding Zelensky's victory plan."
)


def test_dates_in_either_order_normalise_to_day_and_month():
    assert stated_values(FRIDAY) == {("date", "18 10")}
    assert stated_values(SIXTEENTH) == {("date", "16 10")}
    assert stated_values("on 16 October") == stated_values("on October 16th")


def test_figures_are_kept_when_no_date_is_stated():
    assert stated_values("its 33rd or 34th member") == {("figure", "33rd"), ("figure", "34th")}
    assert stated_values("no numbers here") == set()


def test_same_event_needs_shared_names_and_words():
    assert same_event(FRIDAY, SIXTEENTH)
    assert not same_event(FRIDAY, "Kirby said on 16 October that the Ramstein meeting is soon.")


def test_question_types():
    assert question_type("When did Biden meet Scholz?") == "when"
    assert question_type("How many members does NATO have?") == "how_many"
    assert question_type("Which outlet broke the story?") == "who"
    assert question_type("Why did the White House drop the idea?") == "why"


def test_how_many_questions_name_what_they_count():
    from rag.answer.questions import asked_unit

    assert asked_unit("How many points does the Victory Plan have?") == "point"
    assert asked_unit("How many dollars were in the package?") == "$"
    assert asked_unit("How much money is still left?") == "$"
    assert asked_unit("How long is the border in kilometres?") == "kilometr"
    assert asked_unit("How long will the war last?") is None
    assert asked_unit("What is the price of Bitcoin today?") == "$"  # a price is a sum
    assert asked_unit("How much would the package be worth?") == "$"
    assert asked_unit("What percentage of GDP do allies spend?") == "%"
    assert question_type("What is the price of Bitcoin today?") == "how_many"


def test_a_count_must_be_of_the_asked_unit():
    from rag.answer.extractive import counts_of

    plan = "It consists of five points and three secret appendices."
    assert counts_of("point", plan) and counts_of("appendic", plan)
    assert counts_of("day", "A two-day meeting began in Brussels.")
    assert not counts_of("$", "A new military aid package might be announced at Ramstein.")
    assert counts_of("$", "The package is worth $425 million.")
    assert counts_of("%", "MPs backed spending 0.7% of GDP.")
    assert not counts_of("%", "Allies spend more on defence.")
    assert not counts_of("kilometr", "Ukraine will still have a long border with Russia.")


def test_strict_types_rule_out_untyped_sentences():
    from rag.answer.questions import strict_type

    assert strict_type("How many dollars were in the package?")
    assert strict_type("When did Biden meet Scholz?")
    assert strict_type("In which city was the July summit?")
    assert not strict_type("Who is the US Ambassador to NATO?")
    assert not strict_type("Where did Kirby make his comments?")


def test_which_people_are_answered_by_full_names_not_by_a_group():
    from rag.answer.extractive import has_answer_type

    question = "Which European leaders did Biden meet about Ukraine?"
    assert question_type(question) == "who"
    assert has_answer_type("who", FRIDAY, question)
    group = "Other European officials, particularly those in western and southern Europe, argued."
    assert not has_answer_type("who", group, question)
    # an outlet or a country is a one-word name, and is answer enough
    assert has_answer_type("who", "That's according to CNN, Ukrinform reports", "Which agency?")


def test_a_when_question_prefers_a_calendar_date_to_soon_or_now():
    from rag.answer.extractive import _CALENDAR

    assert _CALENDAR.search(FRIDAY) and _CALENDAR.search("in mid-July")
    assert not _CALENDAR.search("that meeting will be held in the near future")


def test_the_asked_kind_of_answer_is_not_a_word_to_match():
    from rag.answer.questions import answer_kind_words

    assert answer_kind_words("In which country?") == ["country"]
    assert answer_kind_words("In which city was the July summit?") == ["city"]
    assert answer_kind_words("what's John Kirby's job?") == ["job"]
    assert answer_kind_words("Who is the US Ambassador to NATO?") == []


def test_when_it_comes_to_is_no_when_question():
    assert (
        question_type("According to Kirby, what is the first priority when it comes to Ukraine?")
        == "other"
    )


def test_it_is_worth_recalling_leans_on_nothing_before_it():
    from rag.answer.extractive import _BACK_REFERENCE

    assert not _BACK_REFERENCE.search(SIXTEENTH)
    assert _BACK_REFERENCE.search("It was reported by Bloomberg on November 23.")
    assert _BACK_REFERENCE.search("It consists of five points.")


def test_what_did_someone_say_asks_for_their_statement():
    from rag.answer.extractive import Candidate, said_by
    from rag.answer.questions import asked_speaker, asked_topic

    assert asked_speaker("What did Emmanuel Macron say after the meeting?", []) == {
        "emmanuel",
        "macron",
    }
    assert asked_speaker("What did the US official say about consensus?", []) == set()
    assert asked_speaker("Who is the US Ambassador to NATO?", []) is None
    assert asked_topic("What did Kirby say about NATO membership?") == {"nato", "membership"}

    def sentence(text: str, before: str = "") -> Candidate:
        return Candidate(None, 0, len(text), text, 0.0, True, 1.0, before)

    macron = {"emmanuel", "macron"}
    assert not said_by(macron, sentence(FRIDAY))  # "The official confirmed ... Macron"
    assert said_by({"kirbi"}, sentence('"We will work with Ukraine," Kirby said.'))
    assert said_by({"rutt"}, sentence("He stated that the spot remains open.", "Mark Rutte spoke."))
    assert not said_by({"rutt"}, sentence("He stated that the spot remains open.", "Kirby spoke."))


def test_a_pronoun_speaker_is_anyone_the_last_turn_named():
    from rag.answer.questions import asked_speaker

    history = [
        {"role": "user", "content": "Who heads the NATO Parliamentary Assembly?"},
        {"role": "assistant", "content": "U.S. Congressman Jerry Connolly, head of it. [1]"},
    ]
    assert {"jerri", "connolli"} <= asked_speaker("What did he say about Ukraine?", history)


def test_who_holds_a_role_needs_every_word_of_the_role():
    from rag.answer.questions import asked_role

    assert asked_role("Who is the US Ambassador to NATO?") == {"usa", "ambassador", "nato"}
    assert {"european", "union"} <= asked_role("Who is the US Ambassador to the European Union?")
    assert asked_role("Who is Ukraine's defence minister?") == {"ukrain", "defenc", "minist"}
    assert asked_role("Who is Biden meeting with in Germany?") == set()
    assert asked_role("Who's the secretary general that needs replacing?") == {
        "secretari",
        "general",
    }


def test_content_that_an_article_withholds_is_not_an_answer():
    from rag.answer.extractive import withholds
    from rag.answer.questions import asks_for_details

    plan = "It consists of five points and three secret appendices."
    assert withholds(plan, {"appendic", "victori", "plan"})
    assert not withholds(plan, {"first", "point", "plan"})  # the points are not secret
    minerals = "It referenced work related to minerals, though no details were provided."
    assert withholds(minerals, {"miner", "exact"})
    assert asks_for_details("Which minerals exactly are being discussed?")
    assert not asks_for_details("How many secret appendices does the plan have?")
    assert not asks_for_details("Does the plan have secret appendices?")


def test_may_the_month_is_not_may_the_verb():
    from rag.answer.extractive import _TIME, stated_values

    assert not _TIME.search("on how and when Ukraine may join")
    assert stated_values("on 5 May") == {("date", "5 5")}


def test_which_outlet_is_answered_where_a_name_reports():
    from rag.answer.extractive import has_answer_type

    question = "Which outlet broke the story that the White House considered inviting Ukraine?"
    assert has_answer_type("who", "This was reported by Bloomberg on November 23.", question)
    acted = "The administration of U.S. President Joe Biden considered an invitation for Ukraine."
    assert not has_answer_type("who", acted, question)


def test_on_what_exact_day_needs_a_day_not_a_month():
    from rag.answer.extractive import has_answer_type

    question = "On what exact day in November will the Ramstein meeting be held?"
    assert question_type(question) == "when"
    assert not has_answer_type("when", "The meeting is expected in November.", question)
    assert has_answer_type("when", "The meeting opens on 12 November.", question)


def test_an_institution_is_not_the_name_of_a_person():
    from rag.answer.extractive import has_answer_type

    question = "What's the name of the senior US official who briefed reporters?"
    briefing = (
        "Source: a senior official from the US administration, as reported by the White House"
    )
    assert not has_answer_type("who", briefing, question)
    assert has_answer_type("who", "Senior official John Kirby briefed reporters.", question)
    # A name elsewhere in a sentence about the official is not the official's name.
    assert not has_answer_type("who", FRIDAY, question)
    assert has_answer_type("who", "John Kirby, a senior official, briefed reporters.", question)
    assert not has_answer_type("who", SIXTEENTH, question)  # leaders, no official
    ambassador = "US Ambassador to NATO Julianne Smith said NATO did not plan to invite Ukraine."
    assert has_answer_type("who", ambassador, "What is the name of the US ambassador to NATO?")
    assert question_type("What is the name of the US ambassador to NATO?") == "who"


def test_a_year_the_question_states_must_be_the_answers_year():
    from rag.answer.questions import FIGURES

    assert FIGURES.findall("Who won the 2022 World Cup?") == ["2022"]
    assert "2022" not in FIGURES.findall("Germany won the World Cup in Brazil in 2014")


def test_a_when_question_asks_the_time_of_its_own_event():
    from rag.answer.questions import asked_event

    assert asked_event("When did Ukraine formally apply to join NATO?") == {"appli"}
    assert asked_event("When did Bloomberg publish its report?") == {"publish", "report"}
    assert asked_event("When is Stoltenberg leaving NATO?") == {"leav"}
    assert asked_event("When is it supposed to happen?") == set()  # the subject's event
    assert asked_event("When was that?") == set()


def test_who_did_it_asks_for_the_doer_of_the_stated_deed():
    from rag.answer.extractive import states_deed
    from rag.answer.questions import asked_deed

    wrote = asked_deed("Who wrote Pride and Prejudice?")
    assert states_deed(wrote, "Pride and Prejudice was written by Jane Austen.")
    assert not states_deed(
        wrote, "Matthew Macfadyen starred in the 2005 film of Pride and Prejudice."
    )
    assert states_deed(
        asked_deed("Who heads the Assembly?"), "Jerry Connolly, head of the Assembly"
    )
    carried = asked_deed("Who carried Kirby's comments?")  # a reporting verb: any report
    assert states_deed(carried, "Kirby spoke, as reported by RBK-Ukraine.")
    assert asked_deed("Who is the US Ambassador to NATO?") == set()


def test_how_or_what_did_they_do_asks_about_an_action_the_articles_must_tell_of():
    from rag.answer.questions import asked_action

    assert asked_action("How did the Verkhovna Rada vote on the Victory Plan?") == {"vote"}
    assert asked_action("Which weapons systems did the US send?") == {"send", "sent"}
    # Saying, deciding, doing in general: any statement of theirs may answer.
    assert asked_action("What did all 32 allies agree on at the summit?") == set()
    assert asked_action("How does the White House describe the stakes?") == set()
    assert asked_action("What did the White House do instead?") == set()
    assert asked_action("Who is the US Ambassador to NATO?") == set()


def test_an_action_is_told_of_beside_a_name_the_question_gives():
    from rag.answer.extractive import mentioned

    names = [("verkhovna", "rada"), ("victori", "plan")]
    rada = "The Verkhovna Rada voted for the plan."
    square = "Crowds in Victory Square protested; lawmakers plan a vote."
    assert mentioned({"vote"}, names, [rada])
    assert not mentioned({"vote"}, names, [square])  # "Victory Square", then "plan"
    assert not mentioned({"vote"}, names, ["Zelensky presented the Victory Plan."])
