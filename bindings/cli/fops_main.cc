// The `fops` command's front door. `fops ci` whose Tiltfile load is
// recorded in the plan cache runs here, in C++, in a few milliseconds, and
// so does `fops smoke http` (what http_smoke resources run); everything
// else (every other subcommand, --help, a changed Tiltfile) is handed,
// unchanged, to the Python command (fops.cli.main) by exec, so the
// process, its pid and its signals stay the same.
//
// Python is found as FOPS_PYTHON, else the python3 (or python) beside this
// executable (a virtualenv's bin/), else the interpreter fops was built
// for, else python3 on PATH. When that is the interpreter fops was built
// for and it runs from a shared libpython, Python runs in this process
// instead (RunPythonHere).
#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fops/cli/cached_ci.h"
#include "fops/cli/smoke_http_command.h"

namespace {

// Drops the current directory Python puts first on sys.path for -c, so a
// directory called fops in the repo cannot shadow the package.
constexpr char kBootstrap[] =
    "import sys\n"
    "if sys.path and sys.path[0] == '':\n"
    "    del sys.path[0]\n"
    "from fops.cli import run\n"
    "run()\n";

bool Executable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

std::string FindPython() {
  if (const char* env = std::getenv("FOPS_PYTHON"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const char* name : {"python3", "python"}) {
      std::string candidate = (self.parent_path() / name).string();
      if (Executable(candidate)) return candidate;
    }
  }
#ifdef FOPS_BUILD_PYTHON_EXECUTABLE
  if (Executable(FOPS_BUILD_PYTHON_EXECUTABLE)) return FOPS_BUILD_PYTHON_EXECUTABLE;
#endif
  return "python3";
}

// Runs `python -c kBootstrap ARGS` in this process: Py_BytesMain is all the
// python program's main() does, and with the interpreter's own path as
// argv[0] Python finds its virtualenv, sys.executable and the command line
// exactly as after exec. What exec would load again is already here: the
// program and the C++ libraries the extension links (abseil, libstdc++),
// about 4 ms of the first `fops ci` after a Tiltfile edit. Only for the
// interpreter fops was built for, whose shared libpython is known; anything
// else (FOPS_EMBED_PYTHON=0, another interpreter, a missing library) is
// left to exec.
std::optional<int> RunPythonHere(const std::string& python, std::vector<char*>& args) {
#if defined(FOPS_BUILD_PYTHON_EXECUTABLE) && defined(FOPS_BUILD_PYTHON_LIBRARY)
  const char* setting = std::getenv("FOPS_EMBED_PYTHON");
  if (setting != nullptr && std::strcmp(setting, "0") == 0) return std::nullopt;
  std::error_code ec_chosen, ec_built;
  std::filesystem::path chosen = std::filesystem::canonical(python, ec_chosen);
  std::filesystem::path built = std::filesystem::canonical(FOPS_BUILD_PYTHON_EXECUTABLE, ec_built);
  if (ec_chosen || ec_built || chosen != built) return std::nullopt;
  void* library = dlopen(FOPS_BUILD_PYTHON_LIBRARY, RTLD_LAZY | RTLD_GLOBAL);
  if (library == nullptr) return std::nullopt;
  using BytesMain = int (*)(int, char**);
  auto bytes_main = reinterpret_cast<BytesMain>(dlsym(library, "Py_BytesMain"));
  if (bytes_main == nullptr) return std::nullopt;
  return bytes_main(static_cast<int>(args.size()) - 1, args.data());
#else
  (void)python;
  (void)args;
  return std::nullopt;
#endif
}

[[noreturn]] void RunPython(int argc, char** argv) {
  std::string python = FindPython();
  std::vector<char*> args;
  args.push_back(python.data());
  args.push_back(const_cast<char*>("-c"));
  args.push_back(const_cast<char*>(kBootstrap));
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  if (std::optional<int> code = RunPythonHere(python, args)) std::exit(*code);
  execvp(python.c_str(), args.data());
  std::fprintf(stderr, "fops: cannot start Python (%s): %s; set FOPS_PYTHON to its path\n",
               python.c_str(), std::strerror(errno));
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (std::optional<int> code = fops::RunNativeSmoke(args)) return *code;
  if (std::optional<int> code = fops::RunCachedCi(args)) return *code;
  std::fflush(nullptr);
  RunPython(argc, argv);
}
