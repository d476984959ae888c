# The two commands (README.md): `make run` runs the suite against embedded moto and writes
# reports/; `make test` runs the suite's own self-tests. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CLI := $(VENV)/bin/cognito-conformance
ARGS ?=

.PHONY: run test run-all clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[ministack]'
	touch $@

run: $(VENV)/.installed
	$(CLI) run $(ARGS)

test: $(VENV)/.installed
	$(PY) -m pytest selftest -q $(ARGS)

clean:
	rm -rf $(VENV) reports/*/ .hypothesis
