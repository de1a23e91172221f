# The two commands of the README: `make demo` and `make test`. Each one
# alone installs what is missing (Debian packages, the .venv, pinned tools),
# configures, builds and runs. `make demo` builds only what the demo needs
# (libfops, the Python extension, the fops command); `make test` adds the
# test suites, the benchmarks and the tools the tests run against, in the
# same build tree, so nothing is compiled twice, and ends with a brief run
# of every fuzzer (their own clang build tree, build/fuzz).
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

PIP_INSTALL = $(VENV)/bin/python -m pip install -q --no-build-isolation -C build-dir=$(BUILD_DIR)

FUZZ_DIR := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
FUZZ_TEST_RUNS ?= 2000
FUZZERS ?=

.PHONY: demo test install install-fops deps deps-build tools bench fuzz clean
.PHONY: test-sanitize test-asan test-tsan

demo: install-fops
	$(VENV)/bin/fops ci -f examples/quickstart/Tiltfile.py

# Everything: every ctest entry, then every fuzzer over its seeds (each past
# reproducer replayed) and FUZZ_TEST_RUNS inputs from a fixed random seed:
# a search that mostly repeats, so that the long random one stays
# `make fuzz`'s and a change, not luck, turns this red.
test: install tools
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(CMAKE_BUILD_PARALLEL_LEVEL)
	@$(MAKE) --no-print-directory fuzz FUZZ_RUNS=$(FUZZ_TEST_RUNS)

# What building fops needs, and what testing it needs besides.
deps-build:
	@bash .ci/install-system-deps --build

deps:
	@bash .ci/install-system-deps

tools: deps
	@bash .ci/install-tools

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.build-deps: $(VENV)/bin/python pyproject.toml
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q "scikit-build-core>=0.10" "pybind11>=2.11"
	touch $@

$(VENV)/.test-deps: $(VENV)/.build-deps
	$(VENV)/bin/python -m pip install -q "pytest>=7"
	touch $@

# libfops, the _fops extension and the fops command, into the .venv.
install-fops: deps-build $(VENV)/.build-deps
	$(PIP_INSTALL) -C cmake.define.FOPS_BUILD_TESTS=OFF -C cmake.define.FOPS_BUILD_BENCH=OFF .

# The same tree with the GoogleTest suites and the benchmarks too.
install: deps $(VENV)/.test-deps
	$(PIP_INSTALL) -C cmake.define.FOPS_BUILD_TESTS=ON -C cmake.define.FOPS_BUILD_BENCH=ON .

bench: install
	bash bench/run_all.sh

# Builds every fuzzer (fuzz/*_fuzzer.cc) with clang, libFuzzer, ASan and
# UBSan in $(FUZZ_DIR), then runs each for FUZZ_SECONDS (or FUZZ_RUNS inputs
# from a fixed random seed) on a scratch copy of its seeds; stops at the
# first crash and prints the reproducer.
# FUZZERS="guard image_ref" runs only those.
fuzz:
	@bash .ci/install-system-deps --build clang libclang-rt-14-dev
	@if [ ! -f $(FUZZ_DIR)/CMakeCache.txt ]; then \
	  CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DFOPS_BUILD_FUZZERS=ON \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null; fi
	cmake --build $(FUZZ_DIR)
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) fuzz/run_fuzzers.sh $(FUZZ_DIR)/fuzz $(FUZZERS)

# The same suites under sanitizers, in build trees of their own
# (docs/reliability.md, "Sanitizers"): every C++ and pytest suite under
# AddressSanitizer + UndefinedBehaviorSanitizer, with the sanitized _fops
# extension installed in a venv of its own; then the threaded C++ suites
# under ThreadSanitizer. Any report fails the test that caused it. Under
# ASan a failed entry runs once more: the sanitizer's slowdown can push a
# timing-bound test past its patience, while a memory error it reports
# (what this run is for) almost always recurs.
ASAN_DIR := build/asan
ASAN_VENV := $(ASAN_DIR)/venv
TSAN_DIR := build/tsan
TSAN_SUITES ?= ^(Engine|EventPipeline|SessionControl|SessionLock|FileWatcher|ProcessExecutor|TelemetryDelivery|StatusBoard|Wakeup)
export UBSAN_OPTIONS ?= print_stacktrace=1

test-sanitize: test-asan test-tsan

$(ASAN_VENV)/.deps:
	$(PYTHON) -m venv $(ASAN_VENV)
	$(ASAN_VENV)/bin/python -m pip install -q --upgrade pip
	$(ASAN_VENV)/bin/python -m pip install -q "scikit-build-core>=0.10" "pybind11>=2.11" "pytest>=7"
	touch $@

test-asan: deps tools $(ASAN_VENV)/.deps
	$(ASAN_VENV)/bin/python -m pip install -q --no-build-isolation -C build-dir=$(ASAN_DIR) \
	  -C install.strip=false -C cmake.define.FOPS_SANITIZE=address,undefined \
	  -C cmake.define.FOPS_BUILD_TESTS=ON -C cmake.define.FOPS_BUILD_BENCH=OFF .
	ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(CMAKE_BUILD_PARALLEL_LEVEL) \
	  --repeat until-pass:2

test-tsan: deps
	@if [ ! -f $(TSAN_DIR)/CMakeCache.txt ]; then \
	  cmake -S . -B $(TSAN_DIR) -G Ninja -DFOPS_SANITIZE=thread -DFOPS_BUILD_TESTS=ON >/dev/null; fi
	cmake --build $(TSAN_DIR) --target fops_tests
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest --test-dir $(TSAN_DIR) -R '$(TSAN_SUITES)' --output-on-failure -j $(CMAKE_BUILD_PARALLEL_LEVEL)

clean:
	rm -rf build $(VENV)
