# Hands-on PyTorch: every target sets itself up first and skips what is already done.
#   make lab     set up, then start JupyterLab on course/
#   make test    set up, then lint (ruff) and run the whole test suite
#   make lint    ruff, with the settings in pyproject.toml
#   make bench   set up, then time the notes' data pipeline, each solution notebook and grading
#   make release regenerate the learners' notebooks in course/ from solutions/ (nbgrader);
#                ASSIGNMENTS="05_mlp_scratch" regenerates only those
#   make grade   grade SUBMISSIONS (one folder per student) into RESULTS (see docs/INSTRUCTORS.md)
# Variables: PYTHON (default python3), VENV (.venv), TORCH (the torch/torchvision pair),
# LAB_ARGS (extra JupyterLab options), PYTEST_ARGS (extra pytest options),
# SUBMISSIONS (default submissions), RESULTS (default graded), GRADE_ARGS (e.g. --timeout 60).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH ?= torch==2.14.1 torchvision==0.29.1
LAB_ARGS ?=
ASSIGNMENTS ?=
PYTEST_ARGS ?=
SUBMISSIONS ?= submissions
RESULTS ?= graded
GRADE_ARGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
ALLOW_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)  # containers often run as root

.PHONY: help setup data browser sandbox lab lint test bench release grade

help:
	@sed -n 's/^#   //p' Makefile

setup: $(VENV)/.installed data

# A virtual environment; Debian ships venv support in a separate package.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV) && $(SUDO) apt-get update -qq \
		&& $(SUDO) apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV); }

# torch first, pinned to a tested pair, so the package's ranges do not pull another build.
$(VENV)/.torch: | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install $(TORCH)
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	$(BIN)/python -m pip install -e '.[dev,maintainer]'
	touch $@

# Fashion-MNIST: already here? else Debian's package (if apt-get exists), else download.
data: $(VENV)/.installed
	@$(BIN)/python -m helpers.get_data --no-download 2>/dev/null || { \
		if command -v apt-get >/dev/null; then \
			$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y dataset-fashion-mnist || true; \
		fi; \
		$(BIN)/python -m helpers.get_data; }

# The browser test drives the system's Chromium through Playwright (never a downloaded one):
# Debian's package where apt-get exists, with a font for the notebooks' Chinese glossary;
# elsewhere set CHROMIUM=/path/to/chromium.
browser:
	@command -v $${CHROMIUM:-chromium} >/dev/null || ! command -v apt-get >/dev/null \
		|| { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y chromium chromium-driver \
			fonts-wqy-microhei; }

lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir=course \
		--LabApp.default_url=/lab/tree/START_HERE.ipynb $(ALLOW_ROOT) $(LAB_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

test: setup browser sandbox lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/bench_fashion_mnist.py
	$(BIN)/python bench/bench_notebooks.py
	$(BIN)/python bench/bench_grading.py

release: $(VENV)/.installed
	$(BIN)/python -m helpers.grading release $(ASSIGNMENTS)

# The grading sandbox: Debian's bubblewrap where apt-get exists (docs/INSTRUCTORS.md, "The sandbox").
sandbox:
	@command -v bwrap >/dev/null || ! command -v apt-get >/dev/null \
		|| { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y bubblewrap; }

grade: setup sandbox
	$(BIN)/python -m helpers.grading grade $(SUBMISSIONS) --out $(RESULTS) $(GRADE_ARGS)
