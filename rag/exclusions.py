"""Articles taken out of the index but not out of the user's folder: their ids, one a line, in
``RAG_DATA_DIR/excluded.txt``, which every ingest skips.

The corpus folder (RAG_CORPUS_DIR) is the user's own and the app never writes to it, so
removing one of its articles (or one record of a dump) is recorded here instead. Deleting a
line brings the article back at the next ingest.
"""

from __future__ import annotations

import os
from pathlib import Path

HEADER = (
    "# Article ids `rag remove` took out of the index; ingests skip them. Delete a line to undo."
)


class Exclusions:
    def __init__(self, path: Path):
        self.path = Path(path)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> Exclusions:
        return cls(Path(data_dir) / "excluded.txt")

    def ids(self) -> frozenset[str]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return frozenset()
        return frozenset(line.strip() for line in lines if line.strip() and line[0] != "#")

    def add(self, doc_id: str) -> None:
        ids = self.ids() | {doc_id}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        partial.write_text("\n".join([HEADER, *sorted(ids)]) + "\n", encoding="utf-8")
        os.replace(partial, self.path)


def excluded(doc_id: str, ids: frozenset[str]) -> bool:
    """The article, or the dump it is a record of (``<stem>:<record>``), is excluded."""
    return doc_id in ids or (":" in doc_id and doc_id.partition(":")[0] in ids)
