"""One client for any OpenAI-compatible chat server: bounded retries, a deadline, clear errors."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from importlib import resources

from rag.settings import Settings

OPENAI_URL = "https://api.openai.com/v1"


def yes_share(top_logprobs) -> float | None:
    """P(yes) / (P(yes) + P(no)) over a token's likeliest alternatives ("Yes", " yes", ...)."""
    mass = {"yes": 0.0, "no": 0.0}
    for alternative in top_logprobs:
        word = alternative.token.strip().lower()
        if word in mass:
            mass[word] += math.exp(alternative.logprob)
    total = mass["yes"] + mass["no"]
    return mass["yes"] / total if total > 0 else None


class LLMError(RuntimeError):
    """The model gave no usable answer; callers fall back to the offline path."""


class LLMUnavailable(LLMError):
    """Timeouts, 429s, 5xx or a refused connection, still failing after the retries."""


class LLMConfigError(LLMError):
    """A bad key, an unknown model or a wrong URL: retrying cannot help."""


@lru_cache(maxsize=8)
def prompt(name: str) -> str:
    """A prompt from rag/prompts/<name>.txt (shipped as package data)."""
    return (resources.files("rag") / "prompts" / f"{name}.txt").read_text(encoding="utf-8")


class ChatClient:
    """Chat completions over the official ``openai`` package, with our own retry policy.

    The package's retries are off so that the attempts, the backoff and the overall
    deadline are the ones in Settings; every failure ends as an ``LLMError``.
    """

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        deadline: float = 120.0,
        retries: int = 2,
        backoff: float = 0.5,
        max_tokens: int = 400,
        sleep: Callable[[float], None] = time.sleep,
        name: str | None = None,
    ):
        from openai import OpenAI

        self.model = model
        self.base_url = base_url or OPENAI_URL
        self.deadline = deadline
        self.retries = retries
        self.backoff = backoff
        self.max_tokens = max_tokens
        self._sleep = sleep
        self.name = name  # how errors refer to the server; by default its URL
        # A local server takes any key; the package insists on one being set.
        self._client = OpenAI(
            api_key=api_key or "not-needed",
            base_url=self.base_url,
            timeout=timeout,
            max_retries=0,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatClient:
        if not settings.llm_api_key and not settings.llm_base_url:
            raise ValueError(
                "RAG_ANSWERER=openai needs OPENAI_API_KEY (for api.openai.com) or "
                "OPENAI_BASE_URL (a local OpenAI-compatible server such as llama.cpp or Ollama)"
            )
        return cls(
            settings.llm_model,
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout,
            deadline=settings.llm_deadline,
            retries=settings.llm_retries,
            backoff=settings.llm_backoff,
            max_tokens=settings.llm_max_tokens,
        )

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The whole reply text."""
        response = self._create(messages, stream=False, started=time.monotonic())
        choices = response.choices or []
        if not choices or choices[0].message is None:
            raise LLMUnavailable(f"{self.where()} returned no answer")
        return choices[0].message.content or ""

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """Reply text pieces as the server sends them; raises ``LLMError`` mid-way on failure."""
        import openai

        started = time.monotonic()
        chunks = self._create(messages, stream=True, started=started)
        try:
            for chunk in chunks:
                if time.monotonic() - started > self.deadline:
                    raise LLMUnavailable(
                        f"{self.where()} took longer than {self.deadline:g} s (RAG_LLM_DEADLINE)"
                    )
                for choice in chunk.choices or []:
                    piece = choice.delta.content if choice.delta else None
                    if piece:
                        yield piece
        except openai.OpenAIError as err:
            raise self._error(err) from err
        except LLMError:
            raise
        except Exception as err:  # the HTTP layer's read errors and timeouts surface raw here
            raise LLMUnavailable(f"{self.where()} broke off its reply: {err!r}") from err
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def yes_probability(self, messages: list[dict[str, str]]) -> float | None:
        """The model's probability that its reply starts "yes" rather than "no" (from the
        first token's logprobs), or None when neither is among its likeliest tokens."""
        response = self._create(messages, stream=False, started=time.monotonic(), judge=True)
        choices = response.choices or []
        content = choices[0].logprobs.content if choices and choices[0].logprobs else None
        if not content:
            raise LLMUnavailable(f"{self.where()} returned no logprobs for a yes/no question")
        return yes_share(content[0].top_logprobs or [])

    def _create(
        self, messages: list[dict[str, str]], stream: bool, started: float, judge: bool = False
    ):
        """One request, retried after transient failures with doubling waits, within deadline."""
        import openai

        attempt = 0
        while True:
            try:
                options = {"logprobs": True, "top_logprobs": 10} if judge else {}
                return self._client.chat.completions.create(
                    model=self.model,
                    messages=messages,
                    temperature=0,
                    max_tokens=1 if judge else self.max_tokens,
                    stream=stream,
                    **options,
                )
            except openai.OpenAIError as err:
                error = self._error(err)
                wait = self.backoff * 2**attempt
                spent = time.monotonic() - started
                if (
                    isinstance(error, LLMConfigError)
                    or attempt >= self.retries
                    or spent + wait > self.deadline
                ):
                    raise error from err
                attempt += 1
                self._sleep(wait)

    def where(self) -> str:
        return self.name or f"the model server at {self.base_url}"

    def _error(self, err: Exception) -> LLMError:
        """The package's exception as ours, with a message that says what to do."""
        import openai

        where = self.where()
        if isinstance(err, openai.APITimeoutError):
            return LLMUnavailable(f"{where} did not answer in time (RAG_LLM_TIMEOUT)")
        if isinstance(err, openai.APIConnectionError):
            return LLMUnavailable(f"{where} could not be reached")
        if isinstance(err, (openai.AuthenticationError, openai.PermissionDeniedError)):
            return LLMConfigError(
                f"{where} rejected the API key: check OPENAI_API_KEY (or RAG_LLM_API_KEY)"
            )
        if isinstance(err, openai.NotFoundError):
            return LLMConfigError(
                f"{where} does not know the model {self.model!r}: set RAG_LLM_MODEL to one it "
                "serves, and check that OPENAI_BASE_URL ends in /v1"
            )
        if isinstance(err, openai.RateLimitError):
            return LLMUnavailable(f"{where} is rate-limiting requests (429)")
        if isinstance(err, openai.APIStatusError):
            if err.status_code >= 500:
                return LLMUnavailable(f"{where} failed with HTTP {err.status_code}")
            return LLMConfigError(f"{where} refused the request (HTTP {err.status_code}): {err}")
        return LLMUnavailable(f"{where} failed: {err}")
