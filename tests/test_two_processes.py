"""Two processes on one data folder: `rag serve` running while `rag ingest` runs elsewhere.

The other process is a real child process (hashing embedder, as here); the index it saves
is picked up before the next question, and its marker is never taken for an interruption.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import HashingEmbedder

import rag

HERE = Path(__file__).resolve().parent
LIGHTHOUSE = (
    "Zembla lighthouse reopens\n\nThe Zembla lighthouse reopened on 2 May 2024, the Zembla "
    "Courier reports. The engineer Marta Quist led the two-year restoration.\n"
)
QUESTION = "Who led the restoration of the Zembla lighthouse?"


def ingest_in_another_process(settings: rag.Settings) -> str:
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(HERE)!r})
        import rag
        from conftest import HashingEmbedder
        settings = rag.Settings(corpus_dir={str(settings.corpus_dir)!r},
                                data_dir={str(settings.data_dir)!r})
        print(rag.Library(settings, embedder=HashingEmbedder()).ingest().summary())
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "interrupted" not in run.stderr
    return run.stdout


def interrupted_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "interrupted" in r.getMessage()]


def test_an_ingest_by_another_process_is_seen_without_a_false_warning(
    corpus: Path, tmp_path: Path, caplog
):
    caplog.set_level(logging.WARNING, logger="rag")
    settings = rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    serving = rag.Library(settings, embedder=HashingEmbedder())
    serving.ingest()
    assert serving.ask(QUESTION).abstained

    (corpus / "lighthouse.txt").write_text(LIGHTHOUSE, encoding="utf-8")
    assert "1 added" in ingest_in_another_process(settings)

    answer = serving.ask(QUESTION)  # the other process's keyword index, reloaded
    assert not answer.abstained and answer.citations[0].doc_id == "lighthouse"
    assert "lighthouse" in serving.index.keywords.articles
    report = serving.ingest()  # starts from what the other process saved: nothing to do
    assert not report.changed
    assert rag.Library(settings, embedder=HashingEmbedder()).ask(QUESTION).citations
    assert interrupted_warnings(caplog) == []


def test_an_ingest_running_elsewhere_is_no_interruption(corpus: Path, tmp_path: Path, caplog):
    settings = rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    writer = rag.Library(settings, embedder=HashingEmbedder())
    writer.ingest()
    caplog.set_level(logging.WARNING, logger="rag")
    with writer.index.lock.writing():  # mid-ingest: the lock held, the marker present
        writer.index.ingest_marker.touch()
        starting = rag.Library(settings, embedder=HashingEmbedder())
        assert starting.index.lock.held_elsewhere()
        assert not starting.ask("Who is the US Ambassador to NATO?").abstained
        writer.index.ingest_marker.unlink()
    assert interrupted_warnings(caplog) == []


def test_a_marker_no_writer_holds_is_an_interruption_repaired_once(
    corpus: Path, tmp_path: Path, caplog
):
    settings = rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    first = rag.Library(settings, embedder=HashingEmbedder())
    first.ingest()
    first.index.ingest_marker.touch()  # as a killed ingest leaves it
    caplog.set_level(logging.WARNING, logger="rag")
    rag.Library(settings, embedder=HashingEmbedder())
    assert len(interrupted_warnings(caplog)) == 1
    assert not first.index.ingest_marker.exists()
    caplog.clear()
    rag.Library(settings, embedder=HashingEmbedder())
    assert interrupted_warnings(caplog) == []


def test_writes_from_two_libraries_take_turns(corpus: Path, tmp_path: Path):
    import threading

    settings = rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    one = rag.Library(settings, embedder=HashingEmbedder())
    two = rag.Library(settings, embedder=HashingEmbedder())
    one.ingest()
    (corpus / "lighthouse.txt").write_text(LIGHTHOUSE, encoding="utf-8")
    threads = [threading.Thread(target=lib.ingest) for lib in (one, two)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = sorted(s.id for s in one.index.store.all_chunks())
    assert sorted(one.index.current().ids) == sorted(two.index.current().ids) == stored
