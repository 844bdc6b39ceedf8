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
	$(BIN)/python -m eval

clean:
	rm -rf .rag eval/out
