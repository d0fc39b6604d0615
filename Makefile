# The course's commands. `make lab` to learn, `make test` to check everything.
# Both first make sure .venv holds the pinned environment; that step is skipped
# (a stamp file) until pyproject.toml or constraints.txt change.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
# CPU-only PyTorch wheels live on PyTorch's own index; pip also looks on PyPI.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
# Two workers suit a 2-core laptop; override with `make test WORKERS=1`.
WORKERS ?= 2
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: help install lab test slides guide bench checksums lock lint clean notebooks

help:
	@echo "make lab        start JupyterLab on the course (creates .venv the first time)"
	@echo "make test       unit, property, notebook (nbval) and browser tests"
	@echo "make slides     static reveal.js slides of every lesson (and its core cut) in build/slides (offline)"
	@echo "make guide      a lecturer's guide per lesson in build/guides (objectives, timed sections, cuts)"
	@echo "make bench      time every notebook and the convolution speed ladder"
	@echo "make checksums  record SHA-256 of the files in data/ after changing one on purpose"
	@echo "make notebooks  re-execute lessons in place (NB=notebooks/02_convolution.ipynb for one)"
	@echo "make lock       re-pin constraints.txt from the current .venv"

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "the course needs Python 3.11; run: make PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# PyTorch's CPU build first: from pip's usual sources if they have it, else PyTorch's CPU index.
	$(PIP) --no-deps torch || $(PIP) --no-deps --extra-index-url $(TORCH_INDEX) torch
	$(PIP) -e '.[dev]'
	@if $(BIN)/python -m pip list 2>/dev/null | grep -qi '^nvidia-'; then \
		echo "CUDA wheels were installed; the course pins the CPU build of PyTorch. Run: make clean install"; exit 1; fi
	touch $@

lab: $(STAMP)
	$(BIN)/python scripts/lab.py notebooks/00_welcome.ipynb

# ruff first (seconds). Unit, property and doctests (every example in a course_utils docstring) run on $(WORKERS) workers (one PyTorch thread each); the lessons then
# run one at a time, each kernel with the 2 threads its stored outputs were recorded with, so
# that threads never outnumber cores.
test: $(STAMP)
	$(BIN)/ruff check course_utils tests bench scripts
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadfile --doctest-modules course_utils tests
	$(BIN)/python -m pytest $(NBVAL) notebooks

slides: $(STAMP)
	$(BIN)/python scripts/build_slides.py build/slides
	$(BIN)/python scripts/build_slides.py --core build/slides

guide: $(STAMP)
	$(BIN)/python scripts/build_guide.py build/guides

bench: $(STAMP)
	$(BIN)/python -m bench

checksums: $(STAMP)
	$(BIN)/python -m course_utils.integrity --update

lock: $(STAMP)
	@{ echo "# Exact versions that CI and the stored notebook outputs use (pip freeze of the course venv)."; \
	   echo "# Regenerate after changing pyproject.toml: make lock"; \
	   $(BIN)/python -m pip freeze --exclude-editable | grep -v '^course-utils'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

lint: $(STAMP)
	$(BIN)/ruff check course_utils tests bench scripts

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis

notebooks: $(STAMP)
	$(BIN)/python scripts/execute_notebooks.py $(NB)
