"""One typed settings object, read from ``RAG_*`` environment variables at the edge."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MINILM = "all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Everything the pipeline can be configured with; tests build their own."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore", populate_by_name=True)

    corpus_dir: Path = Path("seeds")
    data_dir: Path = Path(".rag")
    chroma_host: str | None = None
    chroma_port: int | None = None

    embedder: Literal["minilm", "openai"] = "minilm"
    embed_model: str = MINILM
    embed_base_url: str | None = None

    # auto: the OpenAI-compatible answerer when a key or base URL is set, else the local
    # model when RAG_LLM_GGUF is set, else extractive.
    answerer: Literal["auto", "extractive", "openai", "local"] = "auto"
    llm_model: str = "gpt-4o-mini"
    llm_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("RAG_LLM_BASE_URL", "OPENAI_BASE_URL")
    )
    llm_api_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("RAG_LLM_API_KEY", "OPENAI_API_KEY"),
        repr=False,
    )
    llm_timeout: float = Field(default=30.0, gt=0, le=600)  # seconds per request or chunk
    llm_deadline: float = Field(default=120.0, gt=0, le=3600)  # seconds per answer, retries in
    llm_retries: int = Field(default=2, ge=0, le=5)  # after a timeout, 429 or 5xx
    llm_backoff: float = Field(default=0.5, ge=0, le=30)  # first retry's wait; doubles
    llm_max_tokens: int = Field(default=400, ge=16, le=8192)
    # RAG_ANSWERER=local: a GGUF model served by llama.cpp (xllamacpp) in a child process.
    llm_gguf: Path | None = None
    llm_threads: int | None = Field(default=None, ge=1, le=256)  # None: the cores less one
    llm_ctx: int = Field(default=4096, ge=256, le=131072)
    # An answer sentence counts as backed by a source sentence at or above this support
    # (calibrated similarity plus word overlap); see rag/support.py and eval/calibrate_support.py.
    support_threshold: float = Field(default=0.65, ge=0.0, le=1.0)
    # How a generative answer's citations are checked: by embedding similarity and shared
    # words ("embedding"), or also by the answering model's own yes/no on each ("model":
    # stricter, and it keeps true restatements; one short request per checked sentence).
    verify: Literal["embedding", "model"] = "embedding"
    # What a generative answerer reads: the retrieved chunks whole ("passages"), or only the
    # extractive ranker's six best sentences with their neighbours ("sentences": a shorter,
    # sharper prompt; measured better and faster with the small local model, README). "auto":
    # sentences for RAG_ANSWERER=local, passages for a hosted model.
    llm_sources: Literal["auto", "sentences", "passages"] = "auto"

    # Measured on eval/ (README): BM25 alone beat hybrid and dense on these questions.
    retrieval: Literal["hybrid", "dense", "bm25"] = "bm25"
    # Word pieces per chunk: far below MiniLM's 256-piece window so nothing is cut off,
    # and small enough that a chunk is a few sentences (sharp dense scores per passage).
    chunk_size: int = Field(default=96, ge=32, le=250)
    chunk_overlap: int = Field(default=16, ge=0, le=64)
    candidates: int = Field(default=20, ge=1, le=200)
    top_k: int = Field(default=5, ge=1, le=20)
    rrf_k: int = Field(default=60, ge=1)
    # Answer probability below which the bot abstains; unset, the threshold fitted with the
    # answerer's weights on the dev split (rag/answer/weights.json, rag/answer/fit.py).
    abstain_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    # A language model is asked only when the extractive gate gives the passages at least
    # this probability of holding the answer; unset, the value calibrated on dev with the
    # weights (it stops at most 2% of dev's answerable questions); 0 always asks.
    generation_gate: float | None = Field(default=None, ge=0.0, le=1.0)
    max_question_chars: int = 2000

    # The web UI (`rag serve`): local-only unless told otherwise; optional login "user:password".
    ui_host: str = "127.0.0.1"
    ui_port: int = Field(default=7860, ge=1, le=65535)
    # Left out of dumps: ask() keys its default Library on the settings' JSON.
    ui_auth: SecretStr | None = Field(default=None, exclude=True)
    # The HTTP API (`rag serve`, /v1): callers must send "Authorization: Bearer <key>".
    api_key: SecretStr | None = Field(default=None, exclude=True)

    @field_validator("llm_gguf", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("ui_auth")
    @classmethod
    def _auth_is_user_colon_password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        user, _, password = value.get_secret_value().partition(":")
        if not user or not password:
            raise ValueError("RAG_UI_AUTH must look like user:password (both non-empty)")
        return value

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"RAG_CHUNK_OVERLAP ({self.chunk_overlap}) must be below RAG_CHUNK_SIZE "
                f"({self.chunk_size})"
            )
        return self

    def reads_sentences(self, backend: str) -> bool:
        """Whether the ``backend`` answerer reads the ranked sentences, not whole chunks."""
        if self.llm_sources == "auto":
            return backend == "local"
        return self.llm_sources == "sentences"

    def answerer_backend(self) -> Literal["extractive", "openai", "local"]:
        """What ``auto`` resolves to: a generative model only when one is configured, a
        server's (a key or URL) before a local file's."""
        if self.answerer != "auto":
            return self.answerer
        if self.llm_api_key or self.llm_base_url:
            return "openai"
        return "local" if self.llm_gguf else "extractive"

    def ui_credentials(self) -> tuple[str, str] | None:
        if self.ui_auth is None:
            return None
        user, _, password = self.ui_auth.get_secret_value().partition(":")
        return user, password

    def chroma_is_remote(self) -> bool:
        return self.chroma_host is not None

    def collection_name(self) -> str:
        """Vectors of two embedding models (or chunkings) never share a collection."""
        full = f"{self.embedder}-{self.embed_model}"
        model = "".join(c if c.isalnum() else "-" for c in full).strip("-").lower()[:32]
        digest = hashlib.sha256(full.encode()).hexdigest()[:8]
        return f"articles-{model}-{digest}-c{self.chunk_size}o{self.chunk_overlap}"
