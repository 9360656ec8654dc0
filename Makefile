# One-command entry points. `make book` and `make test` create the environment when it is
# missing (from uv.lock, through uv), so a fresh clone needs nothing else.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.cnnlib-synced
STAGE  := _build/.stage
JOBS   ?= 2
SEED   ?= 0
N      ?= 10
export PYTHONHASHSEED := 0
# Every test, notebook and grading kernel starts a Python that imports torch: with bytecode
# caching off, each one recompiles torch's sources (20-30 s of CPU). Keep caching on.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help setup book test test-fast exercises check-exercises install-cells practice publish check-links benchmarks clean

help:
	@echo "make book        build the website into _build/html (creates .venv if missing)"
	@echo "make test        run the whole test suite (builds the book first)"
	@echo "make setup       create the environment in .venv from uv.lock"
	@echo "make exercises   regenerate exercises/ (student versions) from solutions/"
	@echo "make check-exercises  check sources are in sync and grade every assignment's solution and slips"
	@echo "make practice SEED=1 N=10   a practice exam + key in _build/practice/SEED"
	@echo "make install-cells  rewrite every notebook's install cell (after changing html.baseurl or the version)"
	@echo "make publish     assemble the public bundle in _build/publish (site, wheel, index, deploy files)"
	@echo "make check-links check external links (needs the internet)"
	@echo "make benchmarks  run the benchmark scripts"

$(STAMP): pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet "uv>=0.5"
	uv sync --frozen --all-extras --python 3.11 --compile-bytecode
	# Register the venv's kernel so notebooks (book, exercises) run with this environment.
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (cnnlib)" >/dev/null
	@touch $(STAMP)

setup: $(STAMP)

# Build into a staging folder and publish it to _build/html only when the build succeeds, so a
# failed build leaves the last good site in place. The staging folder keeps Sphinx's doctrees and
# the notebook execution cache (_build/.jupyter_cache), so an unchanged rebuild is quick.
book: setup
	CNNLIB_STATIC=1 $(VENV)/bin/jupyter-book build . --path-output $(STAGE) -W --keep-going -q
	@# The lecture-claims ledger: recompute every claim, print the coverage (N of M computed).
	$(PY) -m cnnlib.ledger
	@rm -rf _build/html.new && cp -r $(STAGE)/_build/html _build/html.new
	@rm -rf _build/html && mv _build/html.new _build/html
	@echo "Book built: open file://$(CURDIR)/_build/html/index.html"

# The whole suite: the book build (its tests read _build/html), then pytest in parallel.
test: setup book
	$(PY) -m pytest -n $(JOBS) --dist loadgroup -q

test-fast: setup
	$(PY) -m pytest -n $(JOBS) --dist loadgroup -q -m "not slow"

exercises: setup
	$(VENV)/bin/cnnlib-course release --all

# Sources, notebooks and student versions in sync; then every assignment graded end to end
# (solution, untouched student version, every slip of slips.yml): several minutes.
check-exercises: setup
	$(VENV)/bin/cnnlib-course release --all --check
	$(PY) -m cnnlib.install_cell --check
	$(VENV)/bin/cnnlib-course verify --all --jobs $(JOBS)

install-cells: setup
	$(PY) -m cnnlib.install_cell
	$(PY) -m cnnlib.practice.assignment
	$(VENV)/bin/cnnlib-course release --all

practice: setup
	$(PY) -m cnnlib.practice --seed $(SEED) --n $(N) --out _build/practice/$(SEED)

publish: setup book
	$(PY) -m cnnlib.publish --out _build/publish

check-links: setup
	$(VENV)/bin/jupyter-book build . --path-output _build/.linkcheck --builder linkcheck

benchmarks: setup
	$(PY) benchmarks/analysis.py
	$(PY) benchmarks/models.py
	$(PY) benchmarks/train.py --no-compile
	$(PY) benchmarks/grading.py

clean:
	rm -rf _build
