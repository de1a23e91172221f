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

FUZZ_DIR := build/fuzz
FUZZ_SECONDS ?= 60
FUZZERS ?=

.PHONY: demo test install deps tools bench fuzz clean

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

# Builds every fuzzer (fuzz/*_fuzzer.cc) with clang, libFuzzer, ASan and
# UBSan in $(FUZZ_DIR), then runs each for FUZZ_SECONDS on a scratch copy of
# its seeds; stops at the first crash and prints the reproducer.
# FUZZERS="guard image_ref" runs only those.
fuzz:
	@bash .ci/install-system-deps clang libclang-rt-14-dev
	@if [ ! -f $(FUZZ_DIR)/CMakeCache.txt ]; then \
	  CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DFOPS_BUILD_FUZZERS=ON \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null; fi
	cmake --build $(FUZZ_DIR)
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run_fuzzers.sh $(FUZZ_DIR)/fuzz $(FUZZERS)

clean:
	rm -rf build $(VENV)
