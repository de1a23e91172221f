// The native `fops` command's fast path: `fops ci` from the plan cache.
// When the command line is one it reads (ci_args.h), the plan cache is on
// (FOPS_PLAN_CACHE is not 0/off), a plan was recorded for the same request
// and none of its inputs changed, it runs the plan (ci_command.h) and
// returns the exit code. Otherwise nullopt: the caller hands the command to
// Python, which loads the Tiltfile and records a plan for next time.
// FOPS_PLAN_CACHE=explain prints on stderr why a plan was used or not.
//
//   if (std::optional<int> code = RunCachedCi(args)) return *code;
//   ExecPython(argv);
#ifndef FOPS_CLI_CACHED_CI_H_
#define FOPS_CLI_CACHED_CI_H_

#include <optional>
#include <string>
#include <vector>

namespace fops {

/// `argv` without the program name. The exit code when the plan ran.
std::optional<int> RunCachedCi(const std::vector<std::string>& argv);

/// FOPS_PLAN_CACHE: "off" (0, off, false, no), "explain", or "on" (anything else).
std::string PlanCacheSetting();

}  // namespace fops

#endif  // FOPS_CLI_CACHED_CI_H_
