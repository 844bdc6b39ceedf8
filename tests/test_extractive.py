"""The extractive answerer's pure helpers: stated values and same-event checks."""

from __future__ import annotations

from rag.answer.extractive import question_type, same_event, stated_values

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
