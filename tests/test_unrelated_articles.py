"""Articles on other subjects in the corpus: they answer what they are about, and nothing
that names a subject they never mention."""

from __future__ import annotations

import shutil

import pytest
from conftest import SEEDS, HashingEmbedder

import rag

UK_AID = """MPs back the aid target

In the report, MPs backed the decision to commit to spending 0.7% of GDP on foreign aid.
Corbyn replaces Lewis in the shadow cabinet reshuffle, the party said.
Today, Price defended the bill from critics on both sides.
"""
FILM = """Darcy on screen

Adaptations followed, with Matthew Macfadyen starring in the 2005 film of Pride and Prejudice.
"""


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):

    root = tmp_path_factory.mktemp("mixed")
    shutil.copytree(SEEDS, root / "corpus")
    (root / "corpus" / "uk_aid.txt").write_text(UK_AID, encoding="utf-8")
    (root / "corpus" / "film.txt").write_text(FILM, encoding="utf-8")
    built = rag.Library(
        rag.Settings(corpus_dir=root / "corpus", data_dir=root / "data"),
        embedder=HashingEmbedder(),
    )
    built.ingest()
    return built


def test_an_unrelated_article_still_answers_what_it_is_about(mixed):
    answer = mixed.ask("What percentage of GDP did MPs commit to spending on foreign aid?")
    assert not answer.abstained
    assert answer.citations[0].doc_id == "uk_aid"
    assert "0.7%" in answer.text


def test_who_is_the_role_that_does_something_needs_the_role(mixed):
    answer = mixed.ask("Who's the secretary general that needs replacing?")
    assert not answer.abstained
    assert "Stoltenberg" in answer.text, answer.text
