"""Bytes → text for the text-based formats: the encoding guessed, binary data refused."""

from __future__ import annotations

import codecs
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")  # control characters but \t \n \f \r


def text_and_encoding(data: bytes) -> tuple[str, str]:
    """UTF-8 first (UTF-16 when it starts with its mark), then cp1252, then latin-1.

    Binary data is refused with a ValueError.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise ValueError("binary file (a UTF-16 mark, but not UTF-16 text)") from err
        return _checked(text), "utf-16"
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes)")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return _checked(data.decode(encoding)), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")


def decode_text(data: bytes) -> str:
    """The text alone (see text_and_encoding); binary data is refused with a ValueError."""
    return text_and_encoding(data)[0]


def encoding_note(encoding: str) -> tuple[str, ...]:
    return () if encoding == "utf-8-sig" else (f"not UTF-8: read as {encoding}",)


def _checked(text: str) -> str:
    control = len(_CONTROL.findall(text, 0, 8192))
    if control > 0.05 * max(1, min(len(text), 8192)):
        raise ValueError("binary file (mostly control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")
