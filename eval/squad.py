"""A public benchmark: a SQuAD 2.0 article (../shared/benchmarks), its paragraphs as the corpus.

Each paragraph becomes one article; each question one single-turn item in the eval's own
schema. Answerable questions are right when the answer holds a gold answer after SQuAD's
normalisation (lower case, no punctuation, no a/an/the); unanswerable ones (each with a
plausible decoy in the paragraph) are right when the answer abstains.
"""

from __future__ import annotations

import json
import re
import shutil
import string
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
SQUAD = BENCHMARKS / "squad2-dev-normans.json"


def normalize_answer(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, articles or extra spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def squad_corpus(path: Path, out: Path) -> tuple[Path, list[dict]]:
    """The benchmark as a corpus folder under ``out`` and as question rows (schema of
    eval/dev/questions.jsonl, tagged ``squad`` so facts are matched normalised)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    corpus = out / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    rows: list[dict] = []
    n = 0
    for article in data["data"]:
        stem = re.sub(r"\W+", "_", article["title"].lower()).strip("_")
        for paragraph in article["paragraphs"]:
            doc_id = f"{stem}_{n:03d}"
            n += 1
            (corpus / f"{doc_id}.txt").write_text(paragraph["context"] + "\n", encoding="utf-8")
            for qa in paragraph["qas"]:
                impossible = bool(qa.get("is_impossible"))
                answers = sorted({a["text"] for a in qa.get("answers", [])})
                rows.append(
                    {
                        "id": f"squad-{qa['id']}",
                        "question": qa["question"],
                        "type": "squad",
                        "answerable": not impossible,
                        "facts": [] if impossible else [answers],
                        "gold": [] if impossible else [doc_id],
                        "tags": ["squad", "unanswerable" if impossible else "answerable"],
                    }
                )
    return corpus, rows


def main() -> None:
    """`python -m eval.squad [OUT]`: the benchmark as a corpus folder and a questions file,
    for fitting (rag/answer/fit.py) on it as a dev set."""
    import sys

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("eval/out/squad")
    corpus, rows = squad_corpus(SQUAD, out)
    path = out / "questions.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"{corpus} {path}")


if __name__ == "__main__":
    main()
