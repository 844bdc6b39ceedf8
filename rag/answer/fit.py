"""Fits the answerer's weights and abstention threshold on dev questions only.

    python -m rag.answer.fit CORPUS QUESTIONS.jsonl [CORPUS QUESTIONS.jsonl ...]

Every retrieved sentence of every dev question is a row of features (rag/answer/features.py)
labelled 1 when it states a fact of the question's answer in one of its gold articles.
A ranker (conditional logit: which sentence of a question's candidates answers) and a gate (a
logistic regression, scikit-learn from the dev extra: does the best one answer at all) are
fitted, the ranker's regularisation chosen by cross-validation over questions, and the gate's
threshold is the one that best trades answers for abstentions on the dev sets. A
conversation's later turns read the answer a right answerer would have given (its first
sentence that states the answer, or the abstention), so the same questions always give the
same rows and the same weights, whatever weights are in place when it runs.
Writes rag/answer/weights.json.
Never give it the test or holdout split.
"""

from __future__ import annotations

import argparse
import json
import re
import string
import sys
from pathlib import Path

import numpy as np

from rag.answer.model import WEIGHTS, Linear, ScoringModel, gate_values

MAX_FALSE_ABSTENTION = 0.05
MAX_FALSE_STOP = 0.02  # answerable dev questions a model may be kept from (pre-generation gate)
STRENGTHS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)  # the ranker's L2 penalties tried


def normalized(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no a/an/the."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " " + " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split()) + " "


def states_fact(text: str, facts: list[list[str]], squad: bool) -> bool:
    if squad:
        return any(normalized(s) in normalized(text) for fact in facts for s in fact)
    return any(s.lower() in text.lower() for fact in facts for s in fact)


def turns_of(rows: list[dict]) -> list[list[dict]]:
    return [row["turns"] if row.get("type") == "conversation" else [row] for row in rows]


def collect(corpus: Path, questions: Path, data_dir: Path) -> list[dict]:
    """Per dev question: its candidates' features and labels, asked in conversation order."""
    from rag.answer.base import abstention
    from rag.answer.extractive import quoting
    from rag.answer.features import candidates
    from rag.dates import DateRange
    from rag.library import Library
    from rag.settings import Settings

    library = Library(Settings(corpus_dir=corpus, data_dir=data_dir))
    library.ingest()
    rows = [json.loads(line) for line in questions.read_text().splitlines() if line.strip()]
    out = []
    for turns in turns_of(rows):
        history: list[dict] = []
        for turn in turns:
            asking = library._asking(turn["question"], history, None, None, DateRange())
            question, messages, query, passages = asking.prepared(turn["question"], history)
            answerer = asking.backend.answerer
            q = answerer.question(question, query, messages)
            # In article order, as read before any weights rank them (see below).
            found = candidates(q, passages, answerer.keywords, answerer.meaning, query)
            squad = "squad" in turn.get("tags", [])
            labels = [
                bool(turn["answerable"])
                and c.doc_id in turn.get("gold", [])
                and states_fact(c.text, turn["facts"], squad)
                for c in found
            ]
            out.append(
                {
                    "set": str(questions),
                    "answerable": bool(turn["answerable"]),
                    "values": np.stack([c.values for c in found]) if found else None,
                    "labels": np.array(labels, dtype=bool),
                }
            )
            # The next turn reads the answer a right answerer gives (its first sentence, in
            # article order, that states the answer, or the abstention), not this model's:
            # the rows, and so the fit, do not depend on the weights in place when it runs.
            right = next((c for c, ok in zip(found, labels, strict=True) if ok), None)
            answer = quoting(q, [right], query, passages) if right else abstention(query, passages)
            history += [{"role": "user", "content": turn["question"]}, answer.to_message()]
    library.close()
    return out


def fitted(questions: list[dict], strength: float) -> ScoringModel:
    """The ranker: a conditional logit over each question's candidates (the softmax of their
    scores puts its mass on the sentences that state the answer), L2 ``strength``. The gate:
    a logistic regression on the best candidate, labelled right when it states the answer."""
    from scipy.optimize import minimize
    from sklearn.linear_model import LogisticRegression

    used = [q for q in questions if q["values"] is not None]
    x = np.concatenate([q["values"] for q in used])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    groups = [((q["values"] - mean) / scale, q["labels"]) for q in used if q["labels"].any()]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = strength * w @ w / 2, strength * w
        for values, labels in groups:
            z = values @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            pos = p * labels
            total -= np.log(pos.sum())
            grad = grad - values.T @ (pos / pos.sum() - p)
        return total / len(groups), grad / len(groups)

    w = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x
    ranker = Linear(w, 0.0, mean, scale)
    rows, right = [], []
    for q in used:
        z = ranker(q["values"])
        shares = np.exp(z - z.max())
        shares /= shares.sum()
        rows.append(gate_values(q["values"], shares))
        right.append(q["answerable"] and bool(q["labels"][int(np.argmax(shares))]))
    g = np.stack(rows)
    g_mean, g_scale = g.mean(axis=0), g.std(axis=0)
    g_scale[g_scale == 0] = 1.0
    gate = LogisticRegression(C=0.3, max_iter=5000).fit((g - g_mean) / g_scale, right)
    return ScoringModel(
        ranker, Linear(gate.coef_[0], float(gate.intercept_[0]), g_mean, g_scale), 0.5
    )


def outcomes(model: ScoringModel, questions: list[dict]) -> list[tuple[str, bool, float, bool]]:
    """(set, answerable, gate probability, best sentence right) per question."""
    out = []
    for q in questions:
        if q["values"] is None:
            out.append((q["set"], q["answerable"], 0.0, False))
            continue
        shares = model.shares(q["values"])
        best = int(np.argmax(shares))
        confidence = model.confidence(q["values"], shares)
        out.append((q["set"], q["answerable"], confidence, bool(q["labels"][best])))
    return out


def objective(results, threshold: float) -> float:
    """Mean over the dev sets of right answers plus right abstentions, less a penalty for
    false abstention above the product's bound."""
    total = 0.0
    sets = sorted({r[0] for r in results})
    for name in sets:
        mine = [r for r in results if r[0] == name]
        answerable = [r for r in mine if r[1]]
        right = sum(s >= threshold and ok for _, a, s, ok in answerable)
        right += sum(s < threshold for _, a, s, _ in mine if not a)
        false = sum(s < threshold for _, _, s, _ in answerable) / max(1, len(answerable))
        total += right / len(mine) - 2 * max(0.0, false - MAX_FALSE_ABSTENTION)
    return total / len(sets)


def best_threshold(results) -> float:
    grid = [t / 200 for t in range(1, 200)]
    return max(grid, key=lambda t: (objective(results, t), -t))


def generation_threshold(results) -> float:
    """The highest gate probability below which no more than MAX_FALSE_STOP of any dev set's
    answerable questions fall: the language model is not asked below it."""
    grid = [t / 1000 for t in range(0, 1000)]

    def stops_few(t: float) -> bool:
        for name in {r[0] for r in results}:
            scores = [s for n, a, s, _ in results if n == name and a]
            if sum(s < t for s in scores) > MAX_FALSE_STOP * len(scores):
                return False
        return True

    return max(t for t in grid if stops_few(t))


def cross_validated(questions: list[dict], strength: float, folds: int = 5) -> float:
    results = []
    for k in range(folds):
        train = [q for i, q in enumerate(questions) if i % folds != k]
        held = [q for i, q in enumerate(questions) if i % folds == k]
        results += outcomes(fitted(train, strength), held)
    return objective(results, best_threshold(results))


def chosen_strength(curve: dict[float, float], tolerance: float = 0.005) -> float:
    """The strongest regularisation whose cross-validated objective is within ``tolerance``
    of the best: smaller differences are noise between folds (a question or two), and the
    simpler model moves less when a feature or a question changes."""
    best = max(curve.values())
    return max(c for c, value in curve.items() if value >= best - tolerance)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.answer.fit", description=__doc__)
    parser.add_argument("pairs", nargs="+", help="CORPUS QUESTIONS.jsonl, repeated")
    parser.add_argument("--data-dir", type=Path, default=Path("eval/out/fit"))
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args(argv)
    if len(args.pairs) % 2:
        parser.error("give CORPUS QUESTIONS pairs")
    pairs = [(Path(a), Path(b)) for a, b in zip(args.pairs[::2], args.pairs[1::2], strict=True)]
    if any(part in ("test", "holdout") for _, b in pairs for part in b.parts):
        parser.error("the test and holdout splits are frozen: fit on dev questions only")
    questions = []
    for i, (corpus, path) in enumerate(pairs):
        questions += collect(corpus, path, args.data_dir / f"set{i}")
    curve = {c: cross_validated(questions, c) for c in STRENGTHS}
    for c, value in curve.items():
        print(f"L2 {c}: cross-validated objective {value:.3f}")
    c = chosen_strength(curve)
    model = fitted(questions, c)
    results = outcomes(model, questions)
    threshold = best_threshold(results)
    final = ScoringModel(model.ranker, model.gate, threshold, generation_threshold(results))
    final.save(
        args.out,
        {
            "fitted_on": [str(p) for _, p in pairs],
            "C": c,
            "cv_objective": round(curve[c], 4),
            "dev_objective": round(objective(results, threshold), 4),
            "questions": len(questions),
        },
    )
    print(f"generation gate {final.generation_threshold:.3f}")
    print(f"L2={c} threshold={threshold:.3f} dev objective {objective(results, threshold):.3f}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
