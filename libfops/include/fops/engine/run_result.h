// What a run did: a status per resource and the run's own outcome. `fops
// ci` prints it as the summary table; Python gets it as fops.RunResult.
#ifndef FOPS_ENGINE_RUN_RESULT_H_
#define FOPS_ENGINE_RUN_RESULT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace fops {

enum class ResourceStatus {
  kNotRun,     ///< not selected to run: auto_init=False, manual, or not asked for
  kPending,    ///< waiting for deps or a slot (only seen mid-run)
  kRunning,    ///< update command running (only seen mid-run)
  kSucceeded,  ///< update commands exited 0 (and a serve resource became ready)
  kUpToDate,   ///< skipped: inputs unchanged since the last success
  kFailed,     ///< a command failed, timed out, could not start, was refused
  kBlocked,    ///< not run because a dependency failed
  kCancelled,  ///< stopped by SIGINT/SIGTERM or the run's timeout
};

/// "succeeded", "failed", ...
std::string_view ResourceStatusName(ResourceStatus status);

struct ResourceResult {
  std::string name;
  ResourceStatus status = ResourceStatus::kNotRun;
  absl::Duration duration = absl::ZeroDuration();  ///< update time (and time to ready)
  /// Why: "exit 2", "timed out after 5s", "dependency 'db' failed",
  /// "rebuilt: src/app.py changed", "skipped: unchanged since dev-1a2b".
  std::string reason;
  std::vector<std::string> last_lines;  ///< the last output lines (failures)
};

struct RunResult {
  bool ok = false;          ///< every resource that was to run succeeded
  std::string error;        ///< run-level failure: "timed out after 30m", "interrupted"
  absl::Duration duration = absl::ZeroDuration();
  std::vector<ResourceResult> resources;  ///< in declaration order

  /// The entry for `name`, or nullptr.
  const ResourceResult* Find(std::string_view name) const;
};

}  // namespace fops

#endif  // FOPS_ENGINE_RUN_RESULT_H_
