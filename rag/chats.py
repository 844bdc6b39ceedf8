"""Saved conversations: one SQLite file in the data folder, one row per message.

Every chat belongs to an owner (a login name, a browser's random id, ``terminal`` for
`rag chat`); the web chat and the CLI share the store. An assistant message keeps what
``Answer.to_message()`` gives (citations, short answer, entities), so a resumed chat's
follow-ups read the same state as live ones, and may keep the HTML the page showed.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

FILE_NAME = "chats.sqlite3"
TITLE_CHARS = 60
_SCHEMA = """
CREATE TABLE IF NOT EXISTS chats (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS chats_by_owner ON chats (owner, updated);
CREATE TABLE IF NOT EXISTS messages (
    chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,
    citations TEXT NOT NULL DEFAULT '[]', short TEXT, entities TEXT, display TEXT,
    PRIMARY KEY (chat_id, seq)
);
"""


@dataclass(frozen=True)
class ChatInfo:
    id: str
    owner: str
    title: str
    created: float
    updated: float
    messages: int

    def to_dict(self) -> dict:
        return asdict(self)


def title_of(question: str) -> str:
    """A chat's title: its first question on one line, cut at a word near TITLE_CHARS."""
    line = " ".join(question.split())
    if len(line) <= TITLE_CHARS:
        return line or "New chat"
    return line[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"


class ChatStore:
    """The conversations saved under ``data_dir`` (the file is created at the first write).

    ``owner=None`` on a read means any owner (the terminal user owns the whole data folder);
    a chat id that is unknown, or another owner's, is a KeyError.
    """

    def __init__(self, data_dir: Path | str):
        self.path = Path(data_dir) / FILE_NAME
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA foreign_keys = ON")
        db.executescript(_SCHEMA)
        return db

    def _run(self, sql: str, args: tuple = ()) -> list[tuple]:
        if not self.path.exists() and sql.lstrip().upper().startswith("SELECT"):
            return []  # nothing saved yet: reading creates no file
        with self._lock:
            db = self._connect()
            try:
                with db:
                    return db.execute(sql, args).fetchall()
            finally:
                db.close()

    def create(self, owner: str, title: str = "New chat") -> str:
        chat_id = secrets.token_hex(6)
        now = time.time()
        self._run(
            "INSERT INTO chats (id, owner, title, created, updated) VALUES (?, ?, ?, ?, ?)",
            (chat_id, owner, title_of(title), now, now),
        )
        return chat_id

    def chats(self, owner: str | None) -> list[ChatInfo]:
        """The owner's chats, the most recently used first."""
        where, args = ("WHERE c.owner = ?", (owner,)) if owner is not None else ("", ())
        rows = self._run(
            "SELECT c.id, c.owner, c.title, c.created, c.updated, COUNT(m.seq) FROM chats c "
            f"LEFT JOIN messages m ON m.chat_id = c.id {where} "
            "GROUP BY c.id ORDER BY c.updated DESC, c.rowid DESC",
            args,
        )
        return [ChatInfo(*row) for row in rows]

    def get(self, owner: str | None, chat_id: str) -> ChatInfo:
        for info in self.chats(owner):
            if info.id == chat_id:
                return info
        raise KeyError(f"no saved chat {chat_id!r}: `rag chat --list` shows the saved chats")

    def messages(self, owner: str | None, chat_id: str) -> list[dict]:
        """The chat's messages in order, as ``ask`` takes history; an assistant message also
        carries ``citations``, ``short``, ``entities`` and (when saved) ``display``."""
        self.get(owner, chat_id)
        rows = self._run(
            "SELECT role, content, citations, short, entities, display FROM messages "
            "WHERE chat_id = ? ORDER BY seq",
            (chat_id,),
        )
        out = []
        for role, content, citations, short, entities, display in rows:
            message: dict = {"role": role, "content": content}
            if role == "assistant":
                message["citations"] = json.loads(citations)
                message["short"] = short
                message["entities"] = json.loads(entities) if entities else []
            if display is not None:
                message["display"] = display
            out.append(message)
        return out

    def append(self, owner: str | None, chat_id: str, messages: list[dict]) -> None:
        """Add messages at the end of the chat (``to_message()`` dicts or plain ones)."""
        self.get(owner, chat_id)
        with self._lock:
            db = self._connect()
            try:
                with db:
                    (last,) = db.execute(
                        "SELECT COALESCE(MAX(seq), -1) FROM messages WHERE chat_id = ?", (chat_id,)
                    ).fetchone()
                    for seq, m in enumerate(messages, start=last + 1):
                        db.execute(
                            "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (
                                chat_id, seq, m["role"], m["content"],
                                json.dumps(m.get("citations") or [], ensure_ascii=False),
                                m.get("short"),
                                json.dumps(m.get("entities") or [], ensure_ascii=False),
                                m.get("display"),
                            ),
                        )  # fmt: skip
                    db.execute("UPDATE chats SET updated = ? WHERE id = ?", (time.time(), chat_id))
            finally:
                db.close()

    def keep(self, owner: str | None, chat_id: str, count: int) -> None:
        """Drop the chat's messages after the first ``count`` (an undone or retried turn)."""
        self.get(owner, chat_id)
        self._run("DELETE FROM messages WHERE chat_id = ? AND seq >= ?", (chat_id, max(count, 0)))

    def rename(self, owner: str | None, chat_id: str, title: str) -> None:
        self.get(owner, chat_id)
        if not title.strip():
            raise ValueError("a chat's title cannot be empty")
        self._run("UPDATE chats SET title = ? WHERE id = ?", (title_of(title), chat_id))

    def delete(self, owner: str | None, chat_id: str) -> None:
        self.get(owner, chat_id)
        self._run("DELETE FROM chats WHERE id = ?", (chat_id,))
