"""An answer does not depend on Python's string hashing: a sum over a set of question words
came out a last bit different with the set's order, which broke ties between sentences the
other way (a ranked sentence, a confidence, now and then an answer) from one process to the
next. Features over the seeds, hashed, in processes with different PYTHONHASHSEEDs."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT, SEEDS

SCRIPT = r"""
import hashlib, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, sys.argv[3])
import rag
from conftest import HashingEmbedder
QUESTIONS = [
    "What details did the White House share about work on minerals?",
    "Which officials met in Germany and what did they discuss about Ukraine joining NATO?",
    "What did the Secretary General say about the membership of Ukraine and the summit?",
    "How will the United States support the defence industry of Ukraine after the war?",
]
settings = rag.Settings(corpus_dir=Path(sys.argv[1]), data_dir=Path(sys.argv[2]))
library = rag.Library(settings, embedder=HashingEmbedder())
library.ingest()
answerer = library.backend().answerer
digest = hashlib.sha1()
for q in QUESTIONS:
    passages = library.ask(q).passages
    ranked, confidence = answerer.ranked(answerer.question(q, q, []), passages, q)
    for c in sorted(ranked, key=lambda c: (c.doc_id, c.start)):
        digest.update(c.values.tobytes())
    digest.update(np.float64(confidence).tobytes())
print(digest.hexdigest())
"""


def test_features_and_confidence_are_the_same_whatever_the_hash_seed(tmp_path):
    digests = set()
    for seed in ("0", "3", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(SEEDS), str(tmp_path / "data"), str(ROOT / "tests")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(done.stdout.strip().splitlines()[-1])
    assert len(digests) == 1
