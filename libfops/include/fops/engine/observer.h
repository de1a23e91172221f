// Receives what the engine does, as it does it: the terminal reporter, the
// telemetry bridge and test harnesses are observers. Calls come from the
// engine's thread, in order; an observer must not block.
#ifndef FOPS_ENGINE_OBSERVER_H_
#define FOPS_ENGINE_OBSERVER_H_

#include <string>
#include <string_view>
#include <vector>

#include "fops/engine/run_result.h"
#include "fops/exec/executor.h"
#include "fops/model/resource.h"

namespace fops {

/// What a resource waits on before it can go on (OnResourceWaiting). Each
/// call begins a wait that lasts until the resource's next event.
enum class ResourceWait {
  kDeps,    ///< resource_deps not done yet (`detail`: their names, ", "-separated)
  kSlot,    ///< deps done: a free update slot (max_parallel, allow_parallel=False)
  kInputs,  ///< holds its slot while the update gate checks its inputs
  kProbe,   ///< serve_cmd started: its readiness probe has not passed yet (`detail`: the probe)
};

/// "deps", "slot", "inputs", "probe": the names status views and the
/// timeline use.
std::string_view ResourceWaitName(ResourceWait wait);

/// What OnRunStarted says about a run.
struct RunStart {
  std::string_view session_id;  ///< unique per run
  /// True when the executor does not really run commands (dry-run,
  /// scripted, a test's): nothing of the run happened, so nothing of it
  /// may be recorded or reported as done (telemetry emits nothing).
  bool simulated = false;
};

/// What a reload of the running project did (Engine::Reload), or why none
/// was applied (Engine::ReloadFailed, or a reload the engine refused).
struct ReloadEvent {
  std::vector<std::string> added;    ///< started (when selected)
  std::vector<std::string> removed;  ///< stopped and gone
  std::vector<std::string> changed;  ///< stopped, then run again
  /// Non-empty: nothing was applied and the old project keeps running; the
  /// load error ("Tiltfile.py:12: ...") or the guard's refusal, as is.
  std::string error;
};

class Observer {
 public:
  virtual ~Observer() = default;
  /// The run begins.
  virtual void OnRunStarted(const RunStart& run) { (void)run; }
  /// `resource` is to run: the run begins, its files changed, a trigger
  /// asked for it (`reason`: "", "rebuilt: src/a.py changed", "triggered").
  /// OnResourceWaiting follows with what it waits on first.
  virtual void OnResourceQueued(const Resource& resource, std::string_view reason) {
    (void)resource;
    (void)reason;
  }
  /// `resource` now waits on `wait` (see ResourceWait) until its next event.
  virtual void OnResourceWaiting(const Resource& resource, ResourceWait wait,
                                 std::string_view detail) {
    (void)resource;
    (void)wait;
    (void)detail;
  }
  /// Engine::SetEnabled took effect: a disabled resource is not run by file
  /// changes or triggers until it is enabled again.
  virtual void OnResourceEnabled(const Resource& resource, bool enabled) {
    (void)resource;
    (void)enabled;
  }
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
  /// `resource` keeps re-running itself through its own outputs and is not
  /// re-run (after its last OnResourceFinished) until a person edits one of
  /// its deps or triggers it, which queues it again (OnResourceQueued).
  /// `reason` names the files and the ignore that stops it ("paused: it
  /// re-triggered itself 3 times in a row by writing in its own deps: ...").
  virtual void OnResourcePaused(const Resource& resource, std::string_view reason) {
    (void)resource;
    (void)reason;
  }
  /// `resource` reached a final status for this run.
  virtual void OnResourceFinished(const Resource& resource, const ResourceResult& result) {
    (void)resource;
    (void)result;
  }
  /// The project was reloaded under `fops up` (`project`: the one now
  /// running; the same one when `event.error` says why nothing changed).
  /// Comes before any event of the added and changed resources.
  virtual void OnReload(const Project& project, const ReloadEvent& event) {
    (void)project;
    (void)event;
  }
  /// The run ended (serve processes may still run under `fops up`).
  virtual void OnRunFinished(const RunResult& result) { (void)result; }
};

}  // namespace fops

#endif  // FOPS_ENGINE_OBSERVER_H_
