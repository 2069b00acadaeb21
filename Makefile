# Two entry points: `make run` and `make test`. Both build .venv from pyproject.toml first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install clean dashboard

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The baseline experiment, then its memo figures and memo.md beside the results.
run: $(STAMP)
	@dir=results/baseline/$$(date +%Y-%m-%d_%H-%M-%S) && \
	$(BIN)/sim-run hydra.run.dir=$$dir && \
	$(BIN)/sim-memo $$dir && \
	echo "figures and memo: $$dir/memo/"

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2   # two processes (pytest-xdist): the suite is mostly single-core runs

# The browser dashboard on 127.0.0.1 (a free port; it prints the address). Not a set-up command.
dashboard: $(STAMP)
	$(BIN)/sim-dashboard

clean:
	rm -rf $(VENV) .pytest_cache
	find sim tests -name __pycache__ -prune -exec rm -rf {} +   # bytecode and the numba caches of old kernel versions
