"""History → a standalone query, so "What did she say?" retrieves what "she" refers to.

Offline by rewriting (``standalone_query``); with a language model by condensing (``Condenser``).
"""

from __future__ import annotations

import re
from functools import cached_property

from rag.llm import ChatClient, LLMError, prompt
from rag.terms import STOPWORDS

_ANAPHORA = re.compile(
    r"\b(he|she|him|her|his|hers|they|them|their|theirs|it|its|the same|the former|the latter|"
    r"(?:that|this|those|these) (?:city|country|countries|meeting|plan|summit|article|person|"
    r"official|man|woman|package|agreement|issue|idea|one|event|group|leaders?|date))\b",
    re.IGNORECASE,
)
# "that" / "there" standing for something said before: "Why does the town need that even ...?"
_DEICTIC = re.compile(
    r"\b(?:that|this)\s*(?:\?|$|even|again|happen|mean|take|work|be|for|so)\b|\bthere\s*\??\s*$",
    re.IGNORECASE,
)
_ELLIPSIS = re.compile(r"^\s*(and|what about|how about|also|who else|what else)\b", re.I)
_SHORT = 3  # "Why?", "When was that?": too few words to stand alone
MARKER = re.compile(r"\s*\[\d+\]")


def validate_history(history: object) -> list[dict]:
    """OpenAI-style messages; anything else is a TypeError/ValueError that says what is wrong.

    An assistant message may also carry what the answer gave (``Answer.to_message()``):
    ``citations`` (each with ``doc_id``, ``start``, ``end``, optionally ``chunk_id``),
    ``short`` (the answer's lead span) and ``entities`` (the names it gave). They are kept,
    so a follow-up reads them instead of re-reading the answer's text."""
    if history is None:
        return []
    if not isinstance(history, (list, tuple)):
        raise TypeError("history must be a list of {'role': ..., 'content': ...} messages")
    messages = []
    for i, message in enumerate(history):
        if not isinstance(message, dict) or not {"role", "content"} <= message.keys():
            raise TypeError(f"history[{i}] must be a dict with 'role' and 'content'")
        if message["role"] not in ("user", "assistant", "system"):
            raise ValueError(f"history[{i}]['role'] must be 'user', 'assistant' or 'system'")
        if not isinstance(message["content"], str):
            raise TypeError(f"history[{i}]['content'] must be a string")
        require_valid_text(message["content"], f"history[{i}]['content']")
        kept = {"role": message["role"], "content": message["content"]}
        if message["role"] == "assistant":
            kept.update(carried_state(message, i))
        messages.append(kept)
    return messages


def carried_state(message: dict, i: int) -> dict:
    """The checked answer state of assistant message ``i`` (empty when it carries none)."""
    state: dict = {}
    citations = message.get("citations")
    if citations is not None:
        if not isinstance(citations, list) or not all(
            isinstance(c, dict)
            and isinstance(c.get("doc_id"), str)
            and isinstance(c.get("start"), int)
            and isinstance(c.get("end"), int)
            for c in citations
        ):
            raise TypeError(
                f"history[{i}]['citations'] must be a list of {{'doc_id', 'start', 'end'}} dicts"
            )
        state["citations"] = [
            {k: c[k] for k in ("doc_id", "start", "end", "chunk_id", "quote") if k in c}
            for c in citations
        ]
    if isinstance(message.get("short"), str):
        state["short"] = message["short"]
    entities = message.get("entities")
    if isinstance(entities, list) and all(isinstance(e, str) for e in entities):
        state["entities"] = list(entities)
    return state


class Said:
    """What the last answer gave: its text without markers, its short answer, the chunks it
    cited, and the names it gave (carried, or read from the text the first time asked)."""

    def __init__(self, text: str, short: str | None, chunk_ids, entities=None):
        self.text = text
        self.short = short
        self.chunk_ids: frozenset[str] = frozenset(chunk_ids)
        self._entities = None if entities is None else tuple(entities)

    @cached_property
    def entities(self) -> tuple[str, ...]:
        if self._entities is not None:
            return self._entities
        return tuple(entities_of(self.text))  # a plain OpenAI message: read once, if asked


def last_answer(messages: list[dict]) -> Said | None:
    """The last assistant message as a Said: from the state it carries (``to_message()``);
    from its text only for a plain OpenAI message."""
    message = next((m for m in reversed(messages) if m["role"] == "assistant"), None)
    if message is None:
        return None
    citations = message.get("citations", [])
    return Said(
        text=MARKER.sub("", message["content"]),
        short=message.get("short"),
        chunk_ids=(c["chunk_id"] for c in citations if c.get("chunk_id")),
        entities=message.get("entities"),
    )


def require_valid_text(text: str, what: str) -> None:
    """Lone surrogates (from a bad decode) cannot be encoded, so no model could read them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ValueError(
            f"{what} has a character that is not valid text at position {err.start} "
            "(a lone surrogate): remove it"
        ) from None


def is_follow_up(question: str) -> bool:
    short = len(re.findall(r"\w+", question)) <= _SHORT
    return bool(
        short
        or _ANAPHORA.search(question)
        or _DEICTIC.search(question)
        or _ELLIPSIS.search(question)
    )


def standalone_query(
    question: str, history: list[dict[str, str]], assume_follow_up: bool = False
) -> str:
    """The question, plus the previous turn and its answer's names when it leans on them.

    A self-contained question stands alone, so a topic switch is not dragged back.
    """
    question = question.strip()
    turns = [m for m in history if m["role"] in ("user", "assistant")]
    if not turns or not (assume_follow_up or is_follow_up(question)):
        return question
    last_user = last_said(turns, "user")
    said = last_answer(turns)
    context = [last_user.strip()]
    names = list(said.entities) if said else []
    context.extend(n for n in names if n.lower() not in (question + last_user).lower())
    return " ".join([question, *[c for c in context if c]])


def last_said(messages: list[dict[str, str]], role: str) -> str:
    """The content of the most recent message from ``role``, or "" if there is none."""
    return next((m["content"] for m in reversed(messages) if m["role"] == role), "")


def entities_of(text: str, limit: int = 5) -> list[str]:
    """Names, most frequent first (then first seen): capitalised runs ("Julianne Smith") and
    single capitalised words where a place stands ("in Vilnius", "the capital Vilnius")."""
    counts: dict[str, int] = {}
    for name, before in names_in(text):
        if " " in name or _PLACE_BEFORE.search(before):
            counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda n: -counts[n])[:limit]


_NAME_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*")
_OPENER = re.compile(r"(?:^|[.!?:;]\s+|[\"“‘(]\s*)$")
_CALENDAR_WORD = re.compile(
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|January|February|March|April|May|June|July|"
    r"August|September|October|November|December"
)
_PLACE_BEFORE = re.compile(r"\b(?:in|at|to|from|capital|city|town)\s+$")


def names_in(text: str) -> list[tuple[str, str]]:
    """Capitalised runs in reading order, each with the text before it; a sentence's opening
    word only as part of a longer name ("Mark Rutte said", not "After Volodymyr Zelensky")."""
    found = []
    for match in _NAME_RUN.finditer(text):
        words = match.group().split()
        before = text[max(0, match.start() - 40) : match.start()]
        if _OPENER.search(text[: match.start()]) and (
            len(words) == 1 or words[0].lower() in STOPWORDS
        ):
            words = words[1:]
        name = " ".join(words)
        if len(name) > 2 and not _CALENDAR_WORD.fullmatch(name):
            found.append((name, before))
    return found


def referent(history: list[dict]) -> str:
    """What "it", "he" or "there" most likely points at: the last answer's short answer, else
    the first name it gave that its question did not ask about ("Which summit?" → "Vilnius")."""
    said = last_answer(history)
    if said is None:
        return ""
    if said.short:
        return said.short
    asked = last_said(history, "user").lower()
    for name, _ in names_in(said.text):
        if any(word.lower() not in asked for word in name.split()):
            return name
    return ""


def wants_more(question: str) -> bool:
    """ "What else ...?", "Anything besides ...?": the user wants something not yet said."""
    return bool(_MORE.search(question))


_MORE = re.compile(
    r"\b(else|other(?:s| things?)?|besides|apart from|in addition|more)\b", re.IGNORECASE
)


class Condenser:
    """Condense-plus-context: a language model rewrites a follow-up as a standalone question.

    When the model fails, or answers with nothing usable, the offline rewrite is used.
    """

    def __init__(self, client: ChatClient, turns: int = 6, chars_per_turn: int = 1200):
        self.client = client
        self.turns = turns
        self.chars_per_turn = chars_per_turn

    def __call__(self, question: str, history: list[dict[str, str]]) -> str:
        turns = [m for m in history if m["role"] in ("user", "assistant")][-self.turns :]
        if not turns:
            return question.strip()
        try:
            reply = self.client.complete(self.messages(question, turns))
        except LLMError:
            return standalone_query(question, history)
        return usable_rewrite(reply, question) or standalone_query(question, history)

    def messages(self, question: str, turns: list[dict[str, str]]) -> list[dict[str, str]]:
        lines = [
            f"{m['role'].capitalize()}: {MARKER.sub('', m['content'])[: self.chars_per_turn]}"
            for m in turns
        ]
        conversation = "\n".join(lines)
        return [
            {"role": "system", "content": prompt("condense")},
            {
                "role": "user",
                "content": f"<conversation>\n{conversation}\n</conversation>\n\n"
                f"Last message: {question.strip()}\n\nStandalone question:",
            },
        ]


def usable_rewrite(reply: str, question: str) -> str | None:
    """The first line of the model's reply, unquoted; None when empty or implausibly long."""
    line = next((x.strip() for x in reply.splitlines() if x.strip()), "")
    line = re.sub(r"^(standalone question|question)\s*:\s*", "", line, flags=re.IGNORECASE)
    line = line.strip().strip("\"'“”").strip()
    if not line or len(line) > max(300, 3 * len(question)):
        return None
    return line
