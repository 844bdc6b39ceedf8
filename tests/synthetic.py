"""Deterministic synthetic corpora made of seed sentences, for tests that need many articles."""

from __future__ import annotations

import random
from pathlib import Path

from conftest import SEEDS

from rag.corpus import load_corpus
from rag.sentences import split_sentences


def seed_sentences() -> list[str]:
    sentences = []
    for article in load_corpus(SEEDS).articles:
        body = article.text
        sentences += [body[s:e] for s, e in split_sentences(body) if len(body[s:e]) > 40]
    return sentences


def write_articles(folder: Path, count: int, seed: int = 0, first: int = 0) -> list[Path]:
    """``count`` articles ``syn_<n>.txt``; each has a headline, a unique token and ~10 sentences."""
    folder.mkdir(parents=True, exist_ok=True)
    pool = seed_sentences()
    rng = random.Random(seed)
    paths = []
    for n in range(first, first + count):
        body = rng.sample(pool, rng.randint(6, 14))
        text = f"Report {n} on NATO and Ukraine\n\nDispatch code syn{n}x. " + " ".join(body) + "\n"
        path = folder / f"syn_{n:04d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
