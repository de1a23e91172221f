// Receives what the engine does, as it does it: the terminal reporter, the
// telemetry bridge and test harnesses are observers. Calls come from the
// engine's thread, in order; an observer must not block.
#ifndef FOPS_ENGINE_OBSERVER_H_
#define FOPS_ENGINE_OBSERVER_H_

#include <string_view>

#include "fops/engine/run_result.h"
#include "fops/exec/executor.h"
#include "fops/model/resource.h"

namespace fops {

/// What OnRunStarted says about a run.
struct RunStart {
  std::string_view session_id;  ///< unique per run
  /// True when the executor does not really run commands (dry-run,
  /// scripted, a test's): nothing of the run happened, so nothing of it
  /// may be recorded or reported as done (telemetry emits nothing).
  bool simulated = false;
};

class Observer {
 public:
  virtual ~Observer() = default;
  /// The run begins.
  virtual void OnRunStarted(const RunStart& run) { (void)run; }
  /// An update of `resource` starts (after its gate said to run).
  virtual void OnResourceStarted(const Resource& resource, std::string_view reason) {
    (void)resource;
    (void)reason;
  }
  /// A command of `resource` starts.
  virtual void OnCommandStarted(const Resource& resource, const CommandSpec& spec) {
    (void)resource;
    (void)spec;
  }
  /// One line of output from `resource`'s commands.
  virtual void OnOutput(const Resource& resource, Stream stream, std::string_view line) {
    (void)resource;
    (void)stream;
    (void)line;
  }
  /// A serve resource passed its readiness probe.
  virtual void OnResourceReady(const Resource& resource) { (void)resource; }
  /// After OnResourceReady, the probe (which keeps running every period)
  /// failed failure_threshold times in a row (`ready` false; `reason`:
  /// "not ready: http_get ... failed 3 times: HTTP 500"), or then passed
  /// success_threshold times again (`ready` true, `reason` empty).
  virtual void OnReadinessChanged(const Resource& resource, bool ready, std::string_view reason) {
    (void)resource;
    (void)ready;
    (void)reason;
  }
  /// `resource` reached a final status for this run.
  virtual void OnResourceFinished(const Resource& resource, const ResourceResult& result) {
    (void)resource;
    (void)result;
  }
  /// The run ended (serve processes may still run under `fops up`).
  virtual void OnRunFinished(const RunResult& result) { (void)result; }
};

}  // namespace fops

#endif  // FOPS_ENGINE_OBSERVER_H_
