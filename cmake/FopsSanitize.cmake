# FOPS_SANITIZE: compile everything in this build tree (libfops, the _fops
# extension, the fops command and every test) under GCC's or clang's
# sanitizers, stopping at the first report. `make test-sanitize` configures
# two trees with it (docs/reliability.md, "Sanitizers"):
#   build/asan   FOPS_SANITIZE=address,undefined   every C++ and pytest suite
#   build/tsan   FOPS_SANITIZE=thread              the threaded C++ suites
# The system's abseil, yaml-cpp, xxhash and libcurl are linked as Debian
# built them (not instrumented).
set(FOPS_SANITIZE "" CACHE STRING
  "Sanitizers for the whole build tree: address,undefined or thread (empty: none)")

if(FOPS_SANITIZE)
  if(NOT FOPS_SANITIZE MATCHES "^(address,undefined|undefined,address|address|undefined|thread)$")
    message(FATAL_ERROR "FOPS_SANITIZE=${FOPS_SANITIZE}: use address,undefined or thread")
  endif()
  if(FOPS_BUILD_FUZZERS)
    message(FATAL_ERROR "FOPS_SANITIZE and FOPS_BUILD_FUZZERS: the fuzzer build already "
                        "runs under address,undefined; configure them in separate trees")
  endif()
  # -O1 with debug info: quick to build, readable reports, fast enough to run
  # (it comes after the build type's -O3 and wins). No recovery: a report
  # fails the test that caused it.
  add_compile_options(-fsanitize=${FOPS_SANITIZE} -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -O1 -g)
  add_link_options(-fsanitize=${FOPS_SANITIZE})
  # GCC's flow analysis sees the sanitizers' checks and warns of
  # "may be used uninitialized" where nothing is (inside std::regex and
  # std::function with GCC 12); its manual advises against -Werror with
  # sanitizers. The other warnings stay errors, and the normal build keeps
  # this one.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND FOPS_WARNINGS -Wno-maybe-uninitialized)
  endif()

  # What the pytest suites need: python itself is not instrumented, so the
  # AddressSanitizer runtime is preloaded into it (and into what it starts)
  # for the _fops extension to load. CPython keeps objects alive until exit
  # by design, so leak detection is off there; the GoogleTest suites, whose
  # programs are instrumented whole, keep it on and find libfops' leaks.
  set(FOPS_SANITIZE_PYTHON_ENV "")
  if(FOPS_SANITIZE MATCHES "address")
    # libstdc++ is preloaded beside it: python does not link it, and the
    # runtime's C++ exception interceptor must find it when it starts
    # (else the first throw aborts: "real___cxa_throw != 0").
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libasan.so
      OUTPUT_VARIABLE FOPS_ASAN_RUNTIME OUTPUT_STRIP_TRAILING_WHITESPACE)
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libstdc++.so
      OUTPUT_VARIABLE FOPS_LIBSTDCXX OUTPUT_STRIP_TRAILING_WHITESPACE)
    # Only pythons keep it: tests/asan_python/sitecustomize.py takes it off
    # what they start and puts it back on the pythons among those.
    set(preload "${FOPS_ASAN_RUNTIME}:${FOPS_LIBSTDCXX}")
    list(APPEND FOPS_SANITIZE_PYTHON_ENV "LD_PRELOAD=set:${preload}"
      "PYTHON_ASAN_PRELOAD=set:${preload}"
      "PYTHONPATH=path_list_prepend:${PROJECT_SOURCE_DIR}/tests/asan_python"
      "ASAN_OPTIONS=set:detect_leaks=0")
  endif()
endif()
