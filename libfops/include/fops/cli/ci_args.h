// The `fops ci` command line, read the way the Python command's argparse
// reads it, for the native command's fast path. It accepts only what it is
// sure argparse would accept with the same meaning: anything else (--help,
// an unknown or abbreviated option, a bad value, options after RESOURCE
// names) is nullopt, and the native command hands the whole command line
// to Python, whose messages and exit codes users then get.
//
//   ParseCiArgs({"ci", "-f", "x/Tiltfile.py", "api", "--", "--worker"})
//   // {.file = "x/Tiltfile.py", .resources = {"api"}, .tiltfile_args = {"--worker"}}
#ifndef FOPS_CLI_CI_ARGS_H_
#define FOPS_CLI_CI_ARGS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace fops {

struct CiArgs {
  std::string file = "Tiltfile.py";        ///< -f/--file
  std::vector<std::string> resources;      ///< RESOURCE ...
  std::vector<std::string> tiltfile_args;  ///< after `--`
  int max_parallel = 0;                    ///< --max-parallel N (0: not given)
  absl::Duration timeout = absl::ZeroDuration();  ///< --timeout D (0: not given)
  bool force = false;                             ///< --force
};

/// `argv` without the program name, starting with "ci"; nullopt when
/// Python must read it (see above).
std::optional<CiArgs> ParseCiArgs(const std::vector<std::string>& argv);

/// Seconds ("90", "1.5") or a Go duration ("1h30m", "250ms"), as
/// fops.durations.parse reads them; nullopt for anything else or a
/// negative value.
std::optional<absl::Duration> ParseDurationArg(std::string_view text);

}  // namespace fops

#endif  // FOPS_CLI_CI_ARGS_H_
