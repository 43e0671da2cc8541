# Two entry points, each sets up .venv on first use:
#   make run   - start the dashboard on the bundled sample corpora (http://localhost:8501)
#   make test  - run the whole test suite
# torch is installed first and pinned: torch==2.13.0 resolves to the CPU wheel; an unpinned torch
# would pull several GB of CUDA packages.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501

.PHONY: run test bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[test,fast,ray]"
	touch $(STAMP)

run: $(STAMP)
	CORPUS_COMPASS_PRELOAD_SAMPLES=1 $(VENV)/bin/streamlit run app/main.py --server.port $(PORT)

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check core app tests bench

clean:
	rm -rf $(VENV) .pytest_cache
