"""Pure, deterministic scoring of answers against known facts (no model, no network)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Item:
    """One question to score: a single question or one turn of a conversation."""

    id: str
    question: str
    answerable: bool
    facts: list[list[str]]
    gold: list[str]
    tags: list[str] = field(default_factory=list)
    follow_up: bool = False
    topic_switch: bool = False
    expect: str | None = None
    # What the world knows for a question the seeds can't answer ("Canberra"): an added
    # article may state it, and quoting it then is a right answer, not a failure to abstain.
    world_facts: list[list[str]] = field(default_factory=list)
    kind: str = "turn"  # who / what / when / where / why / how_many / yes_no, as labelled
    conversation: str | None = None
    turn: int = 0


def load_items(rows: list[dict]) -> list[list[Item]]:
    """Questions as conversations: a single question is a conversation of one turn."""
    conversations = []
    for row in rows:
        if row.get("type") == "conversation":
            conversations.append(
                [
                    _item(f"{row['id']}.{i + 1}", turn, row["id"], i, row.get("tags", []))
                    for i, turn in enumerate(row["turns"])
                ]
            )
        else:
            conversations.append([_item(row["id"], row, None, 0, [])])
    return conversations


def _item(item_id: str, row: dict, conversation: str | None, turn: int, tags: list) -> Item:
    return Item(
        id=item_id,
        question=row["question"],
        answerable=bool(row["answerable"]),
        facts=row.get("facts", []),
        gold=row.get("gold", []),
        tags=list(row.get("tags", [])) + list(tags),
        follow_up=bool(row.get("follow_up")),
        topic_switch=bool(row.get("topic_switch")),
        expect=row.get("expect"),
        world_facts=row.get("world_facts", []),
        kind=row.get("type", "turn"),
        conversation=conversation,
        turn=turn,
    )


def fact_present(fact: list[str], text: str, normalized: bool = False) -> bool:
    """Whether ``text`` holds one of the fact's spellings (case-insensitive; with
    ``normalized``, after SQuAD's normalisation of both sides)."""
    if normalized:
        from eval.squad import normalize_answer

        text = f" {normalize_answer(text)} "
        return any(f" {normalize_answer(s)} " in text for s in fact)
    low = text.lower()
    return any(spelling.lower() in low for spelling in fact)


def fact_recall(facts: list[list[str]], text: str) -> float:
    if not facts:
        return 1.0
    return sum(fact_present(f, text) for f in facts) / len(facts)


def article_ranking(doc_ids: list[str]) -> list[str]:
    """Chunk-level doc ids → distinct articles in first-seen order."""
    return list(dict.fromkeys(doc_ids))


def reciprocal_rank(ranking: list[str], gold: list[str]) -> float:
    for rank, doc in enumerate(ranking, start=1):
        if doc in gold:
            return 1.0 / rank
    return 0.0


def score_answer(item: Item, answer: dict, articles: dict[str, str]) -> dict:
    """Per-question verdicts from an answer dict (``Answer.to_dict()``) and the article texts."""
    cited = [c["doc_id"] for c in answer["citations"]]
    quotes = " ".join(c["quote"] for c in answer["citations"])
    verbatim = [
        articles.get(c["doc_id"], "")[c["start"] : c["end"]] == c["quote"]
        for c in answer["citations"]
    ]
    abstained = bool(answer["abstained"])
    normalized = "squad" in item.tags
    facts_ok = all(fact_present(f, answer["text"], normalized) for f in item.facts)
    gold_cited = any(doc in item.gold for doc in cited)
    correct = item.answerable and not abstained and facts_ok and gold_cited
    # Unanswerable from the seeds, but an added article quoted states the known answer.
    elsewhere = bool(
        not item.answerable
        and not abstained
        and item.world_facts
        and all(fact_present(f, quotes) for f in item.world_facts)
    )
    # The short answer the text leads with ("Julianne Smith. — ..."): right when it holds
    # one of the answer's key facts. A wrong lead is the first thing a reader sees.
    lead = answer.get("short")
    lead_right = None
    if lead and item.answerable and not abstained:
        lead_right = any(fact_present(f, lead, normalized) for f in item.facts)
    both = None
    if item.expect == "both":
        both = all(
            any(fact_present(f, c["quote"]) for c in answer["citations"]) for f in item.facts
        )
        correct = correct and both
    return {
        "id": item.id,
        "question": item.question,
        "answerable": item.answerable,
        "abstained": abstained,
        "correct": correct,
        "hallucinated": not abstained and not correct and not elsewhere,
        "answered_elsewhere": elsewhere,
        "fact_recall": fact_recall(item.facts, answer["text"]) if item.answerable else None,
        "lead_right": lead_right,
        "facts_in_quotes": all(fact_present(f, quotes) for f in item.facts),
        "cited": cited,
        "cited_gold": sum(doc in item.gold for doc in cited),
        "verbatim": sum(verbatim),
        "n_citations": len(cited),
        "both_versions": both,
        "follow_up": item.follow_up,
        "topic_switch": item.topic_switch,
        "tags": item.tags,
        "kind": item.kind,
        "answer": answer["text"],
    }


def retrieval_scores(item: Item, ranking: list[str]) -> dict:
    return {
        "hit@1": float(bool(ranking[:1]) and ranking[0] in item.gold),
        "hit@5": float(any(doc in item.gold for doc in ranking[:5])),
        "mrr": reciprocal_rank(ranking, item.gold),
    }


def rate(numerator: int, denominator: int) -> dict:
    return {
        "n": numerator,
        "of": denominator,
        "rate": numerator / denominator if denominator else 0.0,
    }


def groups(row: dict) -> list[str]:
    """The slices a question counts in: its labelled type and each of its tags."""
    kind = row.get("kind", "turn")
    return [f"type: {kind}"] * (kind != "turn") + [f"tag: {t}" for t in dict.fromkeys(row["tags"])]


def should_abstain(row: dict) -> bool:
    """Unanswerable from the seeds and not truly answered from an added article."""
    return not row["answerable"] and not row.get("answered_elsewhere")


def breakdown(rows: list[dict]) -> dict[str, dict]:
    """Per question type and tag: accuracy of the answerable, abstention of the rest."""
    out: dict[str, dict] = {}
    for name in sorted({g for r in rows for g in groups(r)}):
        members = [r for r in rows if name in groups(r)]
        answerable = [r for r in members if r["answerable"]]
        unanswerable = [r for r in members if should_abstain(r)]
        out[name] = {
            "accuracy": rate(sum(r["correct"] for r in answerable), len(answerable)),
            "abstention": rate(sum(r["abstained"] for r in unanswerable), len(unanswerable)),
            "missed": [r["id"] for r in answerable if not r["correct"]]
            + [r["id"] for r in unanswerable if not r["abstained"]],
        }
    return out


def summarize(rows: list[dict], latencies: list[float]) -> dict:
    """Totals over scored questions; each rate carries its raw counts."""
    answerable = [r for r in rows if r["answerable"]]
    elsewhere = [r for r in rows if r.get("answered_elsewhere")]
    unanswerable = [r for r in rows if should_abstain(r)]
    abstained = [r for r in rows if r["abstained"]]
    answered = [r for r in rows if not r["abstained"]]
    answered_ok = [r for r in answerable if not r["abstained"]]
    follow = [r for r in rows if r["follow_up"]]
    both = [r for r in rows if r["both_versions"] is not None]
    leads = [r for r in rows if r.get("lead_right") is not None]
    n_cit = sum(r["n_citations"] for r in answered_ok)
    accuracy = rate(sum(r["correct"] for r in answerable), len(answerable))
    hallucination = rate(sum(r["hallucinated"] for r in answered), len(rows))
    summary = {
        "questions": len(rows),
        "accuracy": accuracy,
        "key_fact_recall": {
            "rate": statistics.fmean(r["fact_recall"] for r in answerable) if answerable else 0.0,
            "of": len(answerable),
        },
        "false_abstention": rate(sum(r["abstained"] for r in answerable), len(answerable)),
        "abstention_recall": rate(sum(r["abstained"] for r in unanswerable), len(unanswerable)),
        "answered_elsewhere": {"n": len(elsewhere), "ids": [r["id"] for r in elsewhere]},
        "abstention_precision": rate(sum(not r["answerable"] for r in abstained), len(abstained)),
        "citation_precision": rate(sum(r["cited_gold"] for r in answered_ok), n_cit),
        "citation_verbatim": rate(
            sum(r["verbatim"] for r in rows), sum(r["n_citations"] for r in rows)
        ),
        "citation_support": rate(
            sum(r["facts_in_quotes"] and r["verbatim"] == r["n_citations"] for r in answered_ok),
            len(answered_ok),
        ),
        "hallucination": hallucination,
        "follow_up_accuracy": rate(
            sum(r["correct"] or (not r["answerable"] and r["abstained"]) for r in follow),
            len(follow),
        ),
        "disagreement_both": rate(sum(bool(r["both_versions"]) for r in both), len(both)),
        "lead_precision": rate(sum(bool(r["lead_right"]) for r in leads), len(leads)),
    }
    summary["crag_score"] = accuracy["rate"] - hallucination["rate"]
    summary["right_or_abstained"] = rate(
        sum(r["correct"] for r in answerable) + sum(r["abstained"] for r in unanswerable),
        len(answerable) + len(unanswerable),
    )
    summary.update(marker_summary(rows))
    firsts = [r["first_piece_s"] for r in rows if "first_piece_s" in r]
    if firsts:
        summary["first_piece_ms"] = {"median": 1000 * statistics.median(firsts)}
    if latencies:
        ordered = sorted(latencies)
        summary["latency_ms"] = {
            "median": 1000 * statistics.median(ordered),
            "p95": 1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        }
    return summary


def summarize_retrieval(rows: list[dict]) -> dict:
    if not rows:
        return {}
    return {key: statistics.fmean(r[key] for r in rows) for key in ("hit@1", "hit@5", "mrr")} | {
        "of": len(rows)
    }


def marker_summary(rows: list[dict]) -> dict:
    """For a generative answerer: what the citation check did to the model's markers, and
    how often the model failed and the extractive fallback answered. Empty otherwise."""
    checked = [r["verification"] for r in rows if r.get("verification")]
    if not checked:
        return {}
    total = {key: sum(v[key] for v in checked) for key in checked[0]}
    markers = total["markers"]
    return {
        "markers_kept": rate(total["kept"], markers),
        "markers_repaired": rate(total["repaired"], markers),
        "markers_removed": rate(total["removed"], markers),
        "markers_added": rate(total["added"], markers),
        "model_asked": rate(len(checked), len(rows)),
        "unsupported_answers": rate(sum(v["unsupported"] > 0 for v in checked), len(rows)),
        "fallbacks": rate(sum(bool(r.get("notice")) for r in rows), len(rows)),
    }
