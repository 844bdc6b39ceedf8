"""The eval scorer is pure and deterministic; the eval set has the shape the issue asks for."""

from __future__ import annotations

import pytest

from eval.run import read_questions
from eval.scoring import (
    Item,
    article_ranking,
    breakdown,
    load_items,
    retrieval_scores,
    score_answer,
    summarize,
)

ARTICLES = {"a": "Julianne Smith is the US Ambassador to NATO.", "b": "Kirby spoke on Friday."}
SMITH = {"doc_id": "a", "quote": "Julianne Smith is the US Ambassador to NATO.", "start": 0}


def citation(doc_id: str, quote: str, start: int = 0) -> dict:
    return {"doc_id": doc_id, "quote": quote, "start": start, "end": start + len(quote)}


def answer(text: str, citations: list[dict], abstained: bool = False) -> dict:
    return {"text": text, "citations": citations, "abstained": abstained}


WHO = Item("q1", "Who is the US Ambassador to NATO?", True, [["Julianne Smith"]], ["a"])
NOPE = Item("q2", "Who is the EU ambassador?", False, [], [], tags=["near_miss"])


def test_right_fact_and_gold_citation_is_correct():
    row = score_answer(WHO, answer("Julianne Smith [1]", [citation("a", SMITH["quote"])]), ARTICLES)
    assert row["correct"] and not row["hallucinated"]
    assert row["verbatim"] == 1 and row["cited_gold"] == 1 and row["facts_in_quotes"]


def test_right_fact_with_a_wrong_article_is_a_hallucination():
    row = score_answer(WHO, answer("Julianne Smith [1]", [citation("b", "Kirby")]), ARTICLES)
    assert not row["correct"] and row["hallucinated"]
    assert row["verbatim"] == 1  # "Kirby" is at b[0:5]


def test_a_short_answer_is_right_only_when_it_holds_a_key_fact():
    quote = [citation("a", SMITH["quote"])]
    right = score_answer(
        WHO, answer("Julianne Smith. — ... [1]", quote) | {"short": "Julianne Smith"}, ARTICLES
    )
    wrong = score_answer(
        WHO, answer(f"NATO. — {SMITH['quote']} [1]", quote) | {"short": "NATO"}, ARTICLES
    )
    bare = score_answer(WHO, answer("Julianne Smith is ... [1]", quote), ARTICLES)
    assert (right["lead_right"], wrong["lead_right"], bare["lead_right"]) == (True, False, None)
    assert wrong["correct"]  # the quote answers; only the lead is wrong
    summary = summarize([right, wrong, bare], [])
    assert (summary["lead_precision"]["n"], summary["lead_precision"]["of"]) == (1, 2)


def test_a_quote_not_at_its_span_is_not_verbatim():
    row = score_answer(WHO, answer("x [1]", [citation("a", "Smith", start=3)]), ARTICLES)
    assert row["verbatim"] == 0


def test_abstaining_on_an_unanswerable_question_is_right():
    row = score_answer(NOPE, answer("The articles don't say.", [], abstained=True), ARTICLES)
    assert row["abstained"] and not row["hallucinated"] and not row["correct"]


def test_both_versions_needs_each_fact_in_a_quote():
    item = Item("q3", "When?", True, [["18 October"], ["October 16"]], ["a", "b"], expect="both")
    one = [{"doc_id": "a", "quote": "on 18 October", "start": 0, "end": 0}]
    both = one + [{"doc_id": "b", "quote": "on October 16", "start": 0, "end": 0}]
    text = "18 October and October 16"
    assert score_answer(item, answer(text, one), ARTICLES)["both_versions"] is False
    assert score_answer(item, answer(text, both), ARTICLES)["both_versions"] is True


def test_retrieval_scores_at_article_level():
    ranking = article_ranking(["b", "a", "a"])  # the doc ids of ranked chunks
    assert ranking == ["b", "a"]
    assert retrieval_scores(WHO, ranking) == {"hit@1": 0.0, "hit@5": 1.0, "mrr": 0.5}


def test_summary_counts_beside_rates_and_is_deterministic():
    rows = [
        score_answer(WHO, answer("Julianne Smith [1]", [citation("a", SMITH["quote"])]), ARTICLES),
        score_answer(NOPE, answer("Kirby [1]", [citation("b", "Kirby")]), ARTICLES),
    ]
    summary = summarize(rows, [0.01, 0.03])
    assert summary["accuracy"] == {"n": 1, "of": 1, "rate": 1.0}
    assert summary["abstention_recall"] == {"n": 0, "of": 1, "rate": 0.0}
    assert summary["hallucination"]["n"] == 1
    assert summary["crag_score"] == pytest.approx(1.0 - 0.5)
    assert summary == summarize(rows, [0.01, 0.03])


def test_breakdown_names_the_missed_questions_per_slice():
    rows = [
        score_answer(WHO, answer("Julianne Smith [1]", [citation("a", SMITH["quote"])]), ARTICLES),
        score_answer(NOPE, answer("Kirby [1]", [citation("b", "Kirby")]), ARTICLES),
    ]
    table = breakdown(rows)
    assert table["tag: near_miss"]["missed"] == ["q2"]
    assert table["tag: near_miss"]["abstention"]["of"] == 1


def test_the_eval_set_has_the_required_shape():
    rows = read_questions()
    turns = [item for conversation in load_items(rows) for item in conversation]
    singles = [r for r in rows if r.get("type") != "conversation"]
    unanswerable = [r for r in singles if not r["answerable"]]
    assert len(singles) >= 80
    assert len(unanswerable) >= 0.2 * len(singles)
    assert sum("near_miss" in r.get("tags", []) for r in unanswerable) >= len(unanswerable) / 2
    assert sum(r.get("type") == "conversation" for r in rows) >= 10
    assert sum(t.expect == "both" for t in turns) >= 3
    assert len({t.id for t in turns}) == len(turns)
    for t in turns:
        assert not t.answerable or (t.facts and t.gold), t.id


def test_the_known_answer_quoted_from_an_added_article_is_not_a_failure_to_abstain():
    capital = Item(
        "q3", "What's the capital of Australia?", False, [], [], world_facts=[["Canberra"]]
    )
    articles = {"x": "He lives near the Australian capital Canberra."}
    quoted = answer("... Canberra [1]", [citation("x", articles["x"])])
    row = score_answer(capital, quoted, articles)
    assert row["answered_elsewhere"] and not row["hallucinated"]
    wrong = score_answer(capital, answer("Sydney [1]", [citation("x", "He lives")]), articles)
    assert not wrong["answered_elsewhere"] and wrong["hallucinated"]
    unquoted = score_answer(capital, answer("Canberra [1]", [citation("x", "He lives")]), articles)
    assert not unquoted["answered_elsewhere"]  # the fact must be in what is quoted
    rows = [row, score_answer(NOPE, answer("x [1]", [citation("b", "Kirby")]), ARTICLES)]
    summary = summarize(rows, [])
    assert summary["abstention_recall"] == {"n": 0, "of": 1, "rate": 0.0}  # q3 left out
    assert summary["answered_elsewhere"] == {"n": 1, "ids": ["q3"]}


def test_the_time_questions_are_reported_per_split_side_by_side():
    from eval.report import tag_side_by_side

    timed = Item("q1", WHO.question, True, WHO.facts, ["a"], tags=["time"])
    late = Item("t9", "Who is the EU ambassador now?", False, [], [], tags=["time"])
    right = score_answer(timed, answer("Julianne Smith [1]", [citation("a", SMITH["quote"])]), {})
    wrong = score_answer(late, answer("Kirby [1]", [citation("b", "Kirby")]), ARTICLES)
    untagged = score_answer(NOPE, answer("", [], abstained=True), ARTICLES)
    reports = {
        "dev": {"systems": {"bm25": {"rows": [right, untagged]}}},
        "test": {"systems": {"bm25": {"rows": [wrong]}}},
    }
    table = tag_side_by_side(reports, "time")
    assert "| time questions | dev | test |" in table
    assert "| accuracy (answerable) | 1.000 (1/1) | — |" in table
    assert "| abstention | — | 0.000 (0/1) |" in table
    assert "t9" in table


def test_the_answer_judge_reads_the_quotes_without_lead_or_markers():
    from eval.answer_judge import judge_messages, quoted

    answer = "Ana Ruiz. — The council named Ana Ruiz its chair. [1] She starts in May. [2]"
    assert quoted(answer) == "The council named Ana Ruiz its chair. She starts in May."
    assert quoted("The articles don't say.") == "The articles don't say."
    system, user = judge_messages("Who chairs the council?", quoted(answer))
    assert "yes or no" in system["content"] and "Who chairs the council?" in user["content"]
