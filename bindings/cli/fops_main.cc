// The `fops` command's front door. `fops ci` whose Tiltfile load is
// recorded in the plan cache runs here, in C++, in a few milliseconds, and
// so does `fops smoke http` (what http_smoke resources run); everything
// else (every other subcommand, --help, a changed Tiltfile) is handed,
// unchanged, to the Python command (fops.cli.main) by exec, so the
// process, its pid and its signals stay the same.
//
// Python is found as FOPS_PYTHON, else the python3 (or python) beside this
// executable (a virtualenv's bin/), else the interpreter fops was built
// for, else python3 on PATH.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
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
    "from fops.cli import main\n"
    "sys.exit(main())\n";

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

[[noreturn]] void ExecPython(int argc, char** argv) {
  std::string python = FindPython();
  std::vector<char*> args;
  args.push_back(python.data());
  args.push_back(const_cast<char*>("-c"));
  args.push_back(const_cast<char*>(kBootstrap));
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
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
  ExecPython(argc, argv);
}
