# Every target creates .venv on first use; nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUPPORT := $(VENV)/bin/support
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test check bench bench-quick clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	SUPPORT=$(SUPPORT) bash bench/demo.sh

test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache *.egg-info

config.example.toml: store/config.py $(STAMP)
	$(PY) -c 'from store import config; print(config.render(), end="")' > $@
