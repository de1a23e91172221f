// `fops ci` for a plan that is already loaded: what the Python command does
// after it has run the Tiltfile, in C++, so the native `fops` command can
// run a cached plan (plan_cache.h) without starting Python. Same hooks,
// same output, same exit codes:
//   - the Tiltfile's load output is replayed first;
//   - the development guard with the Tiltfile's guard_settings checks every
//     command; skip-if-unchanged state is under the repo's state directory;
//   - Build Plane Events go to the sinks the environment configures
//     (warnings as `fops: telemetry: ...` on stderr);
//   - processes a killed fops left running in the repo are stopped first
//     (named on stderr), and the process groups of this run are recorded
//     in the state directory while they run (fops/exec/process_ledger.h);
//   - the run prints through the TerminalReporter on stdout; SIGINT,
//     SIGTERM and SIGHUP stop it (exit 128+N).
//
//   return RunCiCommand(plan, {.max_parallel = 4});
#ifndef FOPS_CLI_CI_COMMAND_H_
#define FOPS_CLI_CI_COMMAND_H_

#include "absl/time/time.h"
#include "fops/cli/plan_cache.h"

namespace fops {

/// The command-line options of `fops ci` that are not part of the load.
struct CiCommandOptions {
  int max_parallel = 0;                           ///< 0: the Tiltfile's setting
  absl::Duration timeout = absl::ZeroDuration();  ///< 0: the Tiltfile's ci_timeout
  bool force = false;                             ///< --force
};

/// Runs `plan` as `fops ci` and returns the exit code (exit_code.h).
int RunCiCommand(const CachedPlan& plan, const CiCommandOptions& options);

}  // namespace fops

#endif  // FOPS_CLI_CI_COMMAND_H_
