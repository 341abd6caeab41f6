# The two commands that matter: `make demo` (run the agent locally) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test chat lint format cassettes docs clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $(STAMP)

## Run the original write-up's six questions through the local agent, showing answers and state paths.
demo: $(STAMP)
	$(PY) scripts/chat.py --conversations data/eval/original_cases.jsonl

## ruff (lint and format check) and the whole offline test suite.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -q

## An interactive chat with the local agent.
chat: $(STAMP)
	$(PY) scripts/chat.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Re-record the Flan-style replay cassette after editing a prompt.
cassettes: $(STAMP)
	$(PY) tests/fixtures/build_flan_cassette.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info

## Regenerate the generated parts of README.md (the state machine diagram).
docs: $(STAMP)
	$(PY) scripts/generate_docs.py --write
