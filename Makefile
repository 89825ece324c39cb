# Two commands for a fresh machine:  `make run` opens the app on the sample city,
# `make test` runs every test.  Both create the virtual environment .venv when missing.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python

.PHONY: run test bench sample bundle clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(PY) main.py

test: $(VENV)/.installed
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider

bench: $(VENV)/.installed
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# the desktop bundle (PyInstaller, one folder in build/dist/kcplanner), built and started headless
$(VENV)/.bundle-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test,bundle]'
	touch $@

bundle: $(VENV)/.bundle-installed
	PY=$(PY) bash packaging/smoke.sh

sample: $(VENV)/.installed
	$(PY) -m kcplanner.cli sample kcplanner/resources/sample

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
