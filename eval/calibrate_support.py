"""Calibrates the citation check (rag/verify.py) on hand-labelled sentence/article pairs.

``eval/support_pairs.jsonl`` holds sentences as a model might write them about a seed
article: paraphrases the article states (supported) and near misses it does not (a wrong
date, place or person, a claim it never makes). For each pair the article's chunks are the
sources; the best span's support score is compared with the label. Prints the cosine
ranges behind SIMILARITY_FLOOR/CEILING and the threshold sweep; the chosen threshold goes
into ``Settings.support_threshold`` by hand.

    python -m eval.calibrate_support
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

PAIRS = Path(__file__).parent / "support_pairs.jsonl"


def article_passages(article, chunker):
    from rag import Passage, StoredChunk

    chunks = chunker.chunks(article)
    return [
        Passage(
            StoredChunk(c, article.title, article.date, article.outlet, "", len(chunks)),
            0.0,
            0.0,
            0.0,
            rank,
        )
        for rank, c in enumerate(chunks, start=1)
    ]


def source_indexes(corpus_dir: Path = Path("seeds")):
    """(embedder, doc id → the article's SourceIndex, built once each): what the citation
    check compares an answer sentence with."""
    from rag import (
        Chunker,
        MiniLMEmbedder,
        Settings,
        SourceIndex,
        load_corpus,
        minilm_token_counter,
    )

    settings = Settings()
    embedder = MiniLMEmbedder()
    chunker = Chunker(settings.chunk_size, settings.chunk_overlap, minilm_token_counter())
    articles = {a.id: a for a in load_corpus(corpus_dir).articles}
    indexes: dict[str, SourceIndex] = {}

    def index_of(doc: str) -> SourceIndex:
        if doc not in indexes:
            passages = article_passages(articles[doc], chunker)
            indexes[doc] = SourceIndex(passages, embedder, settings.support_threshold)
        return indexes[doc]

    return embedder, index_of


def scored_pairs(corpus_dir: Path = Path("seeds")) -> list[dict]:
    import numpy as np

    embedder, index_of = source_indexes(corpus_dir)
    rows = []
    for line in PAIRS.read_text().splitlines():
        pair = json.loads(line)
        index = index_of(pair["doc"])
        scores = index.scores(pair["sentence"])
        span, score = index.best(scores)
        vector = np.asarray(embedder.embed([pair["sentence"]])[0])
        cosine = max(float(np.dot(vector, v)) for v in index._vectors)
        rows.append(pair | {"score": score, "cosine": cosine, "span": span.text if span else ""})
    return rows


def sweep(rows: list[dict]) -> list[dict]:
    positives = [r for r in rows if r["supported"]]
    negatives = [r for r in rows if not r["supported"]]
    curve = []
    for step in range(20, 81):
        t = step / 100
        kept = sum(r["score"] >= t for r in positives) / len(positives)
        rejected = sum(r["score"] < t for r in negatives) / len(negatives)
        curve.append({"threshold": t, "kept": kept, "rejected": rejected})
    return curve


def main() -> None:
    rows = scored_pairs()
    for label in (True, False):
        group = [r for r in rows if r["supported"] is label]
        cosines = sorted(r["cosine"] for r in group)
        scores = sorted(r["score"] for r in group)
        print(
            f"{'supported' if label else 'unsupported'} ({len(group)}): "
            f"cosine min/median/max {cosines[0]:.2f}/{statistics.median(cosines):.2f}/"
            f"{cosines[-1]:.2f}; support {scores[0]:.2f}/{statistics.median(scores):.2f}/"
            f"{scores[-1]:.2f}"
        )
    curve = sweep(rows)
    for row in curve[::5]:
        print(
            f"t={row['threshold']:.2f} supported kept={row['kept']:.3f} "
            f"unsupported rejected={row['rejected']:.3f}"
        )
    best = max(curve, key=lambda r: (r["kept"] + r["rejected"], r["rejected"]))
    print(f"best (balanced accuracy, ties to rejecting more): {best}")
    threshold = best["threshold"]
    for r in rows:
        if (r["score"] >= threshold) != r["supported"]:
            print(f"  miss ({r['score']:.2f}, supported={r['supported']}): {r['sentence']}")


if __name__ == "__main__":
    main()
