"""8 threads asking 50 questions each while an ingest adds and rewrites articles.

No exception, no deadlock (every thread joins within a generous bound), and no answer or
reader ever sees an article half ingested: each cited quote is a verbatim span of one whole
version of its article, and a reader holding the store's read lock finds every article
complete.
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

from conftest import HashingEmbedder
from synthetic import write_articles

from rag.corpus import load_corpus

THREADS = 8
QUESTIONS_EACH = 50
JOIN_SECONDS = 600  # a bound that only a deadlock reaches; nothing is timed

SEED_QUESTIONS = [
    "Who is the US Ambassador to NATO?",
    "Who is the head of the NATO Parliamentary Assembly?",
    "What did John Kirby say about NATO membership for Ukraine?",
    "Where will the NATO summit be held in July?",
    "Who won the 2022 World Cup?",
]


def versions(corpus: Path) -> dict[str, dict[str, str]]:
    """doc id → {content hash: text} for the articles now in ``corpus``."""
    return {a.id: {a.content_hash: a.text} for a in load_corpus(corpus).articles}


def merge(into: dict[str, dict[str, str]], more: dict[str, dict[str, str]]) -> None:
    for doc_id, texts in more.items():
        into.setdefault(doc_id, {}).update(texts)


class Run:
    """What the threads saw, collected under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.errors: list[BaseException] = []
        self.answers: list = []
        self.during_ingest = 0
        self.audits = 0
        self.ingesting = threading.Event()
        self.ingested = threading.Event()
        self.answered_during = threading.Event()  # an ask began and ended while ingesting

    def guarded(self, work):
        def run() -> None:
            try:
                work()
            except BaseException as err:  # recorded, then failed on in the main thread
                with self.lock:
                    self.errors.append(err)

        return run


class WaitingEmbedder(HashingEmbedder):
    """Holds an ingest's batches until a question was answered during it, so the test always
    has an ingest that readers overlap (however fast the machine)."""

    def __init__(self, run: Run) -> None:
        super().__init__()
        self.run = run

    def embed(self, texts: list[str]) -> list[list[float]]:
        if len(texts) > 1 and self.run.ingesting.is_set():
            self.run.answered_during.wait(JOIN_SECONDS / 4)
        return super().embed(texts)


def test_eight_askers_during_an_ingest(corpus: Path, make_pipeline):
    write_articles(corpus, 20)
    run = Run()
    pipeline = make_pipeline(corpus, WaitingEmbedder(run))
    pipeline.ingest()
    known = versions(corpus)
    for n in range(0, 20, 2):  # rewritten while asked about: two versions of each
        path = corpus / f"syn_{n:04d}.txt"
        path.write_text(path.read_text(encoding="utf-8") + "Talks resumed.\n", encoding="utf-8")
    write_articles(corpus, 40, seed=3, first=100)  # new while asked about
    merge(known, versions(corpus))
    questions = SEED_QUESTIONS + [f"What does dispatch code syn{n}x report?" for n in range(0, 140)]
    started = threading.Barrier(THREADS + 2)  # the askers, the ingest, the auditor

    def ask(offset: int) -> None:
        pool = itertools.islice(itertools.cycle(questions), offset * 17, None)
        for i, question in enumerate(itertools.islice(pool, QUESTIONS_EACH)):
            during = run.ingesting.is_set()
            answer = pipeline.ask(question)
            with run.lock:
                run.answers.append(answer)
                if during and run.ingesting.is_set():
                    run.during_ingest += 1
                    run.answered_during.set()
            if i == 0:
                started.wait()

    def ingest() -> None:
        started.wait()  # every asker is under way
        run.ingesting.set()
        try:
            pipeline.ingest()
        finally:
            run.ingesting.clear()
            run.ingested.set()

    def audit() -> None:
        started.wait()
        while not run.ingested.is_set() or not run.audits:
            with pipeline.index.store.reading():
                indexed = pipeline.index.store.articles()
            half = [a.doc_id for a in indexed.values() if not a.complete]
            assert not half, f"a reader saw half-ingested articles: {half}"
            with run.lock:
                run.audits += 1

    threads = [threading.Thread(target=run.guarded(lambda o=o: ask(o))) for o in range(THREADS)]
    threads += [threading.Thread(target=run.guarded(ingest))]
    threads += [threading.Thread(target=run.guarded(audit))]
    for thread in threads:
        thread.daemon = True
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)

    assert not [t for t in threads if t.is_alive()], "deadlock: a thread never finished"
    if run.errors:
        raise run.errors[0]
    assert len(run.answers) == THREADS * QUESTIONS_EACH
    assert run.during_ingest > 0, "no question was asked while the ingest ran"
    assert run.audits > 0
    cited = 0
    for answer in run.answers:
        by_chunk = {p.chunk.id: p for p in answer.passages}
        version_of: dict[str, str] = {}
        for passage in answer.passages:  # one version of an article per answer
            doc, content_hash = passage.chunk.doc_id, passage.stored.content_hash
            assert version_of.setdefault(doc, content_hash) == content_hash, doc
            text = known[doc][content_hash]
            assert text[passage.chunk.start : passage.chunk.end] == passage.chunk.text
        for citation in answer.citations:
            passage = by_chunk[citation.chunk_id]
            text = known[citation.doc_id][passage.stored.content_hash]
            assert citation.quote == text[citation.start : citation.end]
            cited += 1
    assert cited > 0
    final = pipeline.index.store.articles()
    assert len(final) == 65 and all(a.complete for a in final.values())


def test_a_waiting_writer_is_not_starved_by_readers():
    """Readers keep arriving; the writer still gets in, then readers resume."""
    from rag.locks import ReadWriteLock

    lock = ReadWriteLock()
    wrote = threading.Event()
    stop = threading.Event()
    reads_after_write = []

    def reader() -> None:
        while not stop.is_set():
            with lock.reading():
                if wrote.is_set():
                    reads_after_write.append(1)
                    if len(reads_after_write) > 10:
                        stop.set()

    def writer() -> None:
        with lock.writing():
            wrote.set()

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(3)]
    for thread in threads:
        thread.start()
    write = threading.Thread(target=writer, daemon=True)
    write.start()
    write.join(JOIN_SECONDS)
    for thread in threads:
        thread.join(JOIN_SECONDS)

    assert wrote.is_set() and not write.is_alive()
    assert not any(t.is_alive() for t in threads)
    assert len(reads_after_write) > 10


def test_reads_under_the_read_lock_see_one_version_of_an_article(corpus: Path, make_pipeline):
    """A writer replacing an article waits for a reader between two of its reads.

    Without the lock the writer finishes within the wait and the second read sees the new
    version; with it, the wait runs out and both reads see the old one.
    """
    pipeline = make_pipeline(corpus, HashingEmbedder())
    pipeline.ingest()
    store, doc = pipeline.index.store, "001_5e5283315bc32363"
    path = corpus / f"{doc}.txt"
    path.write_text(path.read_text(encoding="utf-8") + "Talks resumed.\n", encoding="utf-8")
    new = {a.id: a for a in load_corpus(corpus).articles}[doc]
    chunks = pipeline.index.chunker.chunks(new)
    vectors = pipeline.embedder.embed([c.text for c in chunks])
    replaced = threading.Event()

    def replace() -> None:
        store.replace_article(new, chunks, vectors)
        replaced.set()

    writer = threading.Thread(target=replace, daemon=True)
    with store.reading():
        first = store.get([f"{doc}#0"])[f"{doc}#0"]
        writer.start()
        replaced.wait(1.0)
        second = store.get([f"{doc}#1"])[f"{doc}#1"]
    writer.join(JOIN_SECONDS)

    assert first.content_hash == second.content_hash != new.content_hash
    assert replaced.is_set() and not writer.is_alive()
    assert store.get([f"{doc}#1"])[f"{doc}#1"].content_hash == new.content_hash


def test_a_waiting_reader_gets_in_between_back_to_back_writes():
    """An ingest writes article after article; a question waiting meanwhile goes next."""
    from rag.locks import ReadWriteLock

    lock = ReadWriteLock()
    first_write = threading.Event()
    go_on = threading.Event()
    writes_done = []
    read_after = []

    def writer() -> None:
        for n in range(50):
            with lock.writing():
                if n == 0:
                    first_write.set()
                    go_on.wait(JOIN_SECONDS)  # hold the first write until the reader waits
                writes_done.append(n)

    def reader() -> None:
        with lock.reading():
            read_after.append(len(writes_done))

    write = threading.Thread(target=writer, daemon=True)
    write.start()
    first_write.wait(JOIN_SECONDS)
    read = threading.Thread(target=reader, daemon=True)
    read.start()
    while not lock._readers_waiting:  # the reader is queued behind the first write
        read.join(0.001)
    go_on.set()
    write.join(JOIN_SECONDS)
    read.join(JOIN_SECONDS)

    assert not write.is_alive() and not read.is_alive()
    assert read_after == [1]  # right after the write it waited for, not after all 50
