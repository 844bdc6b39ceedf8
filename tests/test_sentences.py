"""Sentence spans: the unit an answer quotes and a citation points to."""

from __future__ import annotations

import pytest
from conftest import SEEDS

from rag.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def test_us_abbreviation_does_not_end_a_sentence():
    text = "U.S. President Joe Biden met allies in Vilnius. They talked."
    assert sentences(text) == ["U.S. President Joe Biden met allies in Vilnius.", "They talked."]


def test_two_short_sentences_are_split():
    assert sentences("He left. She stayed.") == ["He left.", "She stayed."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        ('He said "Yes." Then he left.', ['He said "Yes."', "Then he left."]),
        ("Is it over? Yes! It is.", ["Is it over?", "Yes!", "It is."]),
        ("Growth was 5.5 percent. Prices fell.", ["Growth was 5.5 percent.", "Prices fell."]),
        ("See e.g. the report. It is long.", ["See e.g. the report.", "It is long."]),
        ("Headline\nBody one. Body two.", ["Headline", "Body one.", "Body two."]),
        # A hard-wrapped sentence is one sentence (a line running on to a lowercase word).
        (
            "Allies met in\nthe capital, and\nthey talked.\nThey left.",
            ["Allies met in\nthe capital, and\nthey talked.", "They left."],
        ),
        ("  padded sentence.   Next one.  ", ["padded sentence.", "Next one."]),
        ("", []),
    ],
)
def test_examples(text: str, expected: list[str]):
    assert sentences(text) == expected


def test_offset_shifts_every_span():
    text = "Hello there. Bye now."
    assert split_sentences(text, offset=10) == [(s + 10, e + 10) for s, e in split_sentences(text)]


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.stem[:3])
def test_seed_spans_round_trip_in_order(path):
    text = path.read_text(encoding="utf-8")
    spans = split_sentences(text)
    assert spans
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        sentence = text[start:end]
        assert sentence == sentence.strip()  # spans are trimmed, never empty
        assert "\n" not in sentence  # a sentence never runs into the next line
        previous_end = end
    # Nothing but whitespace falls between sentences.
    covered = "".join(text[s:e] for s, e in spans)
    assert "".join(covered.split()) == "".join(text.split())


def test_a_long_hard_wrapped_paragraph_is_one_sentence():
    # 50,000 wrapped lines with no full stop (each line once read again per new line hung here).
    text = "allies met and talked on\n" * 50_000
    assert split_sentences(text) == [(0, len(text) - 1)]
