"""The extractive answerer's parts on text of their own (never the eval's): the parsed
question, typed spans, features, the fitted model's arithmetic, and disagreement."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag.answer.disagreement import same_event, stated_values
from rag.answer.features import FEATURES, _beside, _conflicts, _pairs, _share_of_pairs
from rag.answer.model import GATE_FEATURES, WEIGHTS, Linear, ScoringModel, gate_values
from rag.answer.question import parse_question, question_kind
from rag.answer.spans import new_spans, short_answer, spans
from rag.terms import terms


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who founded the rowing club?", "person"),
        ("Which mayor opened the bridge?", "person"),
        ("When did the ferry start running?", "date"),
        ("What year was the library built?", "date"),
        ("How many lanes does the new road have?", "number"),
        ("Where is the harbour festival held?", "place"),
        ("In which city did the orchestra play?", "place"),
        ("Why was the market closed?", "reason"),
        ("What did the harbour master say about the storm?", "statement"),
        ("How was the dam repaired?", "manner"),
        ("Is the bakery open on Sundays?", "yes_no"),
        ("What colour is the ferry?", "other"),
        ("who is ola dahl?", "other"),  # what she is, not a name
        ("Who is the harbour master?", "person"),
        ("Who is the mayor's deputy?", "person"),
        ("Who is Ola Dahl meeting in Bergen?", "person"),
        ("Which harbour official closed the quay?", "person"),
        ("What were officials worried the storm would do?", "other"),  # a verb, not a role
        ("Which senior Harbour Board engineer inspected the quay?", "person"),  # modifiers
        ("Which region mayor opened the ferry line?", "person"),  # "region" names the mayor
        ("Which region hosts the ferry line?", "place"),
        ("What happened to the mayor after the vote?", "other"),  # "happened to the" is no modifier
        ("Who ran the ferry line when the bridge was closed?", "person"),  # the first wh-word
        ("What did the mayor say when the storm came?", "statement"),
        (
            "Did the mayor say when the ferry would run again?",
            "date",
        ),  # yes/no only as a last resort
        ("whos the harbour master", "person"),  # contractions typed without the apostrophe
        ("wheres the harbour festival", "place"),
        ("isnt the bakery open on sundays", "yes_no"),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question, kind):
    assert question_kind(question) == kind


def test_a_question_is_parsed_once_into_its_words_names_and_figures():
    q = parse_question("In which city did Anna Berg open 3 bakeries in 2019?")
    assert q.kind == "place"
    assert "citi" not in q.focus  # the kind word is not a word to match
    assert ("anna", "berg") in q.names
    assert q.figures == {"3", "2019"}


def test_a_follow_up_carries_earlier_words_and_what_it_refers_to():
    q = parse_question(
        "Where did she study?",
        query="Where did she study? Who runs the bakery?",
        referent="Anna Berg",
    )
    assert {"anna", "berg"} <= q.focus
    assert "bakeri" in q.carried and "studi" not in q.carried
    assert parse_question("What else did the mayor promise?").wants_more


def test_a_contraction_typed_without_its_apostrophe_is_no_content_word():
    assert terms("whats the ferry called") == terms("what's the ferry called") == ["ferri", "call"]
    assert terms("why isnt the bakery open") == terms("why isn't the bakery open")


def test_spans_of_each_kind():
    sentence = "On 4 March 2021, Mayor Lena Holm opened 12 stalls in Tromsø because of demand."
    text = lambda kind: [sentence[s:e] for s, e in spans(kind, sentence)]  # noqa: E731
    assert "4 March 2021" in text("date")
    assert any(t.startswith("12") for t in text("number"))
    assert "Lena Holm" in " ".join(text("person"))
    assert text("place") == ["Tromsø"]
    assert text("reason")[0].startswith("because")


def test_a_span_the_question_already_gives_is_no_answer():
    asked = frozenset(terms("Who did Lena Holm meet?"))
    sentence = "Lena Holm met Ola Dahl."
    assert [sentence[s:e] for s, e in new_spans("person", sentence, asked)] == ["Ola Dahl"]
    assert short_answer("person", sentence, asked) == "Ola Dahl"
    assert short_answer("reason", sentence, asked) is None  # a reason is read, not cut out


def test_a_title_before_a_name_the_question_gives_is_no_new_name():
    asked = frozenset(terms("Which harbour engineer met Ola Dahl?"))
    sentence = "An engineer in Bergen met Mayor Ola Dahl on Monday."
    assert [sentence[s:e] for s, e in new_spans("person", sentence, asked)] == ["Bergen"]


def test_a_span_beside_the_question_word():
    asked = frozenset(terms("Which harbour engineer inspected the quay?"))
    for sentence, beside in (
        ("Harbour engineer Lena Holm inspected the quay.", True),
        ("The quay was inspected by the engineer, Lena Holm, on Monday.", True),
        ("An engineer in Bergen inspected the quay.", False),
    ):
        found = new_spans("person", sentence, asked)
        assert any(_beside(span, sentence, asked) for span in found) is beside, sentence


def test_phrase_coverage_and_swapped_modifiers():
    asked = terms("What does the modern bakery bake?")
    pairs = _pairs(asked)
    assert _share_of_pairs(pairs, terms("The modern bakery bakes bread.")) == 1.0
    assert _conflicts(pairs, terms("The old bakery bakes bread."), frozenset(asked)) > 0
    assert _conflicts(pairs, terms("The modern bakery bakes bread."), frozenset(asked)) == 0


def test_the_shipped_weights_fit_the_features_and_give_probabilities():
    model = ScoringModel.load()
    data = json.loads(WEIGHTS.read_text())
    assert "test" not in " ".join(data["provenance"]["fitted_on"])  # fitted on dev only
    values = np.random.default_rng(0).random((6, len(FEATURES)))
    shares = model.shares(values)
    assert shares.sum() == pytest.approx(1.0)
    assert 0.0 <= model.confidence(values, shares) <= 1.0


def test_the_ranker_prefers_what_its_weights_favour():
    n = len(FEATURES)
    weights = np.zeros(n)
    weights[FEATURES.index("coverage")] = 5.0
    gate = Linear(np.zeros(len(GATE_FEATURES)), 0.0, np.zeros(len(GATE_FEATURES)), np.ones(1))
    model = ScoringModel(Linear(weights, 0.0, np.zeros(n), np.ones(n)), gate, 0.5)
    values = np.zeros((2, n))
    values[1, FEATURES.index("coverage")] = 1.0
    shares = model.shares(values)
    assert shares[1] > shares[0]
    assert gate_values(values, shares)[-2] == pytest.approx(shares[1])


def test_a_model_fitted_on_other_features_is_refused(tmp_path):
    data = json.loads(WEIGHTS.read_text())
    data["features"] = data["features"][:-1]
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="rag.answer.fit"):
        ScoringModel.load(path)


def test_two_tellings_of_one_event_with_two_dates():
    a = "The ferry between Skagen and Oslo restarted on 3 May, the operator said."
    b = "The operator said the ferry between Skagen and Oslo restarted on May 5."
    assert same_event(a, b)
    assert stated_values(a) != stated_values(b)
    assert not same_event(a, "Bread prices rose sharply in Bergen last winter.")


def _ranked(text: str, scores: list[float], doc: str = "ferry"):
    """The sentences of one made-up article as candidates, best score first."""
    from rag.answer.features import Candidate, passage_sentences
    from rag.chunking import Chunk
    from rag.retrieval import Passage
    from rag.store import StoredChunk

    chunk = Chunk(f"{doc}#0", doc, 0, text, 0, len(text))
    passage = Passage(StoredChunk(chunk, "Ferries", None, None, "h", 1), 0.5, 1.0, 1.0, 1)
    rows = passage_sentences([passage])
    found = [
        Candidate(
            p,
            s,
            e,
            t,
            rows[i - 1][3] if i else "",
            rows[i + 1][3] if i + 1 < len(rows) else "",
            np.zeros(len(FEATURES)),
            score,
        )
        for i, ((p, s, e, t), score) in enumerate(zip(rows, scores, strict=True))
    ]
    return sorted(found, key=lambda c: -c.score)


ARTICLE = (
    "The harbour board cancelled the night ferry to Skagen. "
    "It blamed the shortage of engineers on the line. "
    "Tickets for the summer are on sale."
)


def test_the_next_sentence_continues_the_quote_when_it_scores_close_enough():
    from rag.answer.extractive import CONTINUATION, select_sentences

    close = _ranked(ARTICLE, [0.8, 0.8 * CONTINUATION + 0.01, 0.01])
    assert [c.text for c in select_sentences(close, 2)] == [
        "The harbour board cancelled the night ferry to Skagen.",
        "It blamed the shortage of engineers on the line.",
    ]
    far = _ranked(ARTICLE, [0.8, 0.8 * CONTINUATION - 0.01, 0.01])
    assert len(select_sentences(far, 2)) == 1


def test_a_sentence_before_the_best_one_is_no_continuation():
    from rag.answer.extractive import select_sentences

    ranked = _ranked(ARTICLE, [0.05, 0.1, 0.85])
    assert [c.text for c in select_sentences(ranked, 2)] == ["Tickets for the summer are on sale."]


def test_a_runner_up_the_ranker_cannot_tell_from_the_best_is_quoted_too():
    from rag.answer.extractive import RUNNER_UP, select_sentences

    close = _ranked(ARTICLE, [0.6, 0.02, 0.6 * RUNNER_UP + 0.01])
    assert [c.text for c in select_sentences(close, 2)] == [
        "The harbour board cancelled the night ferry to Skagen.",
        "Tickets for the summer are on sale.",
    ]
    far = _ranked(ARTICLE, [0.6, 0.02, 0.6 * RUNNER_UP - 0.01])
    assert len(select_sentences(far, 2)) == 1
    assert len(select_sentences(close, 1)) == 1  # never past the limit


def test_a_figure_and_its_unit():
    from rag.answer.spans import counts

    sentence = "The ferry carried 300 passengers and 12 cars across in 40 minutes."
    found = {sentence[s:e] for s, e in spans("number", sentence)}
    assert found == {"300 passengers", "12 cars", "40 minutes"}
    assert [sentence[s:e] for s, e in new_spans("number", sentence, frozenset(), "cars")] == [
        "12 cars"
    ]
    assert counts("money", "It cost €4 million.", 8, 18)  # a currency is money
    # an "m" for million is not the start of the next word
    assert [m for s, e in spans("number", "an army of 3,000 men") for m in [(s, e)]] == [(11, 20)]


def test_a_how_many_question_is_not_answered_by_a_sentence_without_a_figure():
    from rag.answer.checks import failed_check

    q = parse_question("How many passengers did the night ferry carry?")
    assert q.amount and q.unit == "passengers did"
    assert parse_question("How much long-term funding is promised?").unit == "long-term funding"
    fares = parse_question("How much were ferry fares last year?")  # a verb, no unit
    assert fares.amount and fares.unit is None
    assert failed_check(fares, ["Its fares rose to 40 kroner last year."], frozenset()) is None
    asked = frozenset(terms(q.text))
    named = ["The night ferry carried passengers from Skagen to Oslo."]
    counted = ["The night ferry carried 300 passengers from Skagen to Oslo."]
    assert failed_check(q, named, asked).name == "figure"
    assert failed_check(q, counted, asked) is None
    when = parse_question("When did the night ferry sail?")
    assert not when.amount and failed_check(when, named, frozenset(terms(when.text))) is None


def test_the_short_answer_is_the_name_next_to_the_question_words():
    sentence = "Ola Dahl, head of the Rowing Club, said the race in Bergen would go ahead."
    asked = frozenset(terms("Who heads the rowing club?"))
    assert short_answer("person", sentence, asked) == "Ola Dahl"
    assert short_answer("person", "Bergen hosted it in Vigo.", asked) is None  # no shared word
    # the question's own leading words and a possessive are not part of the answer
    sentence = "The chair of the Rowing Club Ola Dahl's crew won the race."
    assert short_answer("person", sentence, frozenset(terms("Who chairs the rowing club?"))) == (
        "Ola Dahl"
    )


def test_the_short_answer_to_a_count_takes_in_the_counted_unit():
    sentence = "The port has four deep berths and two small slipways for the ferries."
    asked = frozenset(terms("How many slipways does the port have?"))
    assert short_answer("number", sentence, asked, "slipways does") == "two small slipways"


def test_the_fit_prefers_the_simpler_model_when_folds_cannot_tell_them_apart():
    from rag.answer.fit import chosen_strength

    assert chosen_strength({0.01: 0.500, 0.1: 0.503, 1.0: 0.499, 3.0: 0.460}) == 1.0
    assert chosen_strength({0.01: 0.520, 0.1: 0.503, 1.0: 0.499}) == 0.01


def test_the_readme_states_the_shipped_thresholds():
    """The configuration table quotes the fitted defaults; a refit that moves them must say so."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    model = ScoringModel.load()
    for setting, value in (
        ("RAG_ABSTAIN_THRESHOLD", model.threshold),
        ("RAG_GENERATION_GATE", model.generation_threshold),
    ):
        stated = re.search(rf"`{setting}` \| fitted \(`([\d.]+)`\)", readme)
        assert stated, setting
        assert abs(float(stated.group(1)) - value) < 5e-4, (setting, stated.group(1), value)


def test_the_fits_rows_do_not_depend_on_the_weights_in_place(tmp_path, monkeypatch):
    """``python -m rag.answer.fit`` gives the same rows, labels and next-turn history whatever
    weights.json holds when it runs, so a refit reproduces itself."""
    from rag.answer import fit

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ferry.txt").write_text(
        "Ferry line reopens\n\nThe harbour board reopened the ferry line on Monday. "
        "Harbour master Ola Dahl said the new quay can take two ferries at once. "
        "She added that the line will run every hour in summer.\n"
    )
    (corpus / "bridge.txt").write_text(
        "Bridge closed for repairs\n\nThe old bridge closed in May after cracks were found. "
        "Engineers said the repairs would take until the autumn. "
        "The mayor, Kari Lund, asked drivers to use the ring road.\n"
    )
    questions = tmp_path / "questions.jsonl"
    rows = [
        {"id": "a", "question": "Who is the harbour master?", "answerable": True,
         "gold": ["ferry"], "facts": [["Ola Dahl"]]},
        {"id": "b", "type": "conversation", "turns": [
            {"id": "b.1", "question": "Why did the bridge close?", "answerable": True,
             "gold": ["bridge"], "facts": [["cracks"]]},
            {"id": "b.2", "question": "How long will the repairs take?", "answerable": True,
             "gold": ["bridge"], "facts": [["autumn"]]},
        ]},
    ]  # fmt: skip
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows))

    def collected(data_dir):
        found = fit.collect(corpus, questions, data_dir)
        return [
            (q["answerable"], q["labels"].tolist(), q["values"].round(6).tolist()) for q in found
        ]

    shipped = collected(tmp_path / "one")
    model = ScoringModel.load()
    upside_down = ScoringModel(
        Linear(-model.ranker.weights, 0.0, model.ranker.mean, model.ranker.scale),
        model.gate,
        model.threshold,
    )
    monkeypatch.setattr(ScoringModel, "load", classmethod(lambda cls, path=WEIGHTS: upside_down))
    assert collected(tmp_path / "two") == shipped
    assert any(any(labels) for _, labels, _ in shipped)  # the rows do label answers
