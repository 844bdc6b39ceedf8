"""The extracted articles kept in the data dir, beside the index.

``texts/``: every indexed article's text exactly as it was chunked (so citations, the UI
reader and ``article()`` read what was indexed, whatever the source file has become),
named by the article's content hash. ``files/``: each source file's extraction, named by
the hash of its bytes, so a re-ingest re-extracts a web page or PDF only when it changed.
Writes go through a temporary file and a rename: a crash never leaves half a file.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from rag.formats import FORMAT_VERSION, Extraction

log = logging.getLogger("rag")


class ExtractedStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> ExtractedStore:
        return cls(Path(data_dir) / "extracted")

    def _text_path(self, content_hash: str) -> Path:
        return self.root / "texts" / content_hash[:2] / f"{content_hash}.txt"

    def _file_path(self, file_hash: str) -> Path:
        return self.root / "files" / file_hash[:2] / f"{file_hash}-v{FORMAT_VERSION}.json"

    def text(self, content_hash: str) -> str | None:
        """The text indexed under ``content_hash``; None when it is not kept here."""
        if not content_hash:
            return None
        try:
            return self._text_path(content_hash).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def has_text(self, content_hash: str) -> bool:
        return self._text_path(content_hash).is_file()

    def save_text(self, content_hash: str, text: str) -> None:
        _write(self._text_path(content_hash), text)

    def extraction(self, file_hash: str) -> Extraction | str | None:
        """A source file's cached extraction, the reason it held no article, or None."""
        try:
            data = json.loads(self._file_path(file_hash).read_text(encoding="utf-8"))
            return data["error"] if "error" in data else Extraction.from_dict(data)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent or damaged: extract again

    def save_extraction(self, file_hash: str, result: Extraction | str) -> None:
        data = {"error": result} if isinstance(result, str) else result.to_dict()
        try:
            _write(self._file_path(file_hash), json.dumps(data, ensure_ascii=False))
        except OSError as err:  # a cache: ingest goes on without it
            log.warning("could not cache an extraction in %s: %s", self.root, err)

    def prune(self, texts: Iterable[str], files: Iterable[str]) -> None:
        """Delete what no indexed article or present file uses any more."""
        keep_texts = {f"{h}.txt" for h in texts}
        keep_files = {f"{h}-v{FORMAT_VERSION}.json" for h in files}
        for folder, keep in (("texts", keep_texts), ("files", keep_files)):
            for path in (self.root / folder).glob("*/*"):
                if path.name not in keep:
                    path.unlink(missing_ok=True)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
