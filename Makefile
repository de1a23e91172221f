# The two commands of the README: `make demo` and `make test`. Each one
# alone installs what is missing (Debian packages, the .venv, pinned tools),
# configures, builds and runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BUILD_DIR := build/main
TOOLS_DIR ?= $(HOME)/.cache/fops/tools
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc)
export FOPS_TOOLS_DIR := $(TOOLS_DIR)
export PATH := $(TOOLS_DIR)/bin:/usr/local/go/bin:$(PATH)
# ccache (when installed) keys on paths relative to the clone, so clones and
# worktrees of the repo share compiled objects.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

.PHONY: demo test install deps tools bench clean

demo: install
	$(VENV)/bin/fops ci -f examples/quickstart/Tiltfile.py

test: install tools
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(CMAKE_BUILD_PARALLEL_LEVEL)

deps:
	@bash .ci/install-system-deps

tools: deps
	@bash .ci/install-tools

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.test-deps: $(VENV)/bin/python pyproject.toml
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q "scikit-build-core>=0.10" "pybind11>=2.11" "pytest>=7"
	touch $@

# Builds libfops, the extension, the GoogleTest suites and the benchmarks
# in one CMake tree ($(BUILD_DIR)) and installs fops into the .venv.
install: deps $(VENV)/.test-deps
	$(VENV)/bin/python -m pip install -q --no-build-isolation \
	  -C build-dir=$(BUILD_DIR) \
	  -C cmake.define.FOPS_BUILD_TESTS=ON \
	  -C cmake.define.FOPS_BUILD_BENCH=ON \
	  .

bench: install
	bash bench/run_all.sh

clean:
	rm -rf build $(VENV)
