// The engine: one scheduling loop that runs a project's resources through an
// executor. A resource runs when all its resource_deps have succeeded (serve
// resources: are ready), at most max_parallel at a time, longest remaining
// chain first; nothing sleeps between steps.
//
//   ProcessExecutor executor;
//   FOPS_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine,
//                         Engine::Create(project, executor, {}));
//   FOPS_ASSIGN_OR_RETURN(RunResult result, engine->Ci());
#ifndef FOPS_ENGINE_ENGINE_H_
#define FOPS_ENGINE_ENGINE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fops/base/clock.h"
#include "fops/engine/observer.h"
#include "fops/engine/prober.h"
#include "fops/engine/reload_plan.h"
#include "fops/engine/run_result.h"
#include "fops/engine/update_gate.h"
#include "fops/exec/command_policy.h"
#include "fops/exec/executor.h"
#include "fops/model/resource.h"

namespace fops {

struct EngineOptions {
  /// Resources to run, with their deps; empty: every auto_init resource.
  std::vector<std::string> selection;
  int max_parallel = 0;  ///< 0: project.settings.max_parallel_updates
  absl::Duration timeout = absl::ZeroDuration();  ///< 0: project.settings.ci_timeout
  const CommandPolicy* policy = nullptr;  ///< checked before every command; not owned
  UpdateGate* gate = nullptr;             ///< skip-if-unchanged; not owned
  Prober* prober = nullptr;               ///< nullptr: the real prober
  std::vector<Observer*> observers;       ///< not owned
  bool force = false;                     ///< ignore the gate: run everything
};

/// Drive from one thread; only RequestStop(), Trigger(), SetEnabled(),
/// Reload(), ReloadFailed() and ResourceNames() may be called from others.
class Engine {
 public:
  /// Validates the project's graph and selection; nothing runs on error.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(Project project,
                                                       Executor& executor,
                                                       EngineOptions options);
  ~Engine();  ///< stops everything still running

  /// Runs the selection until every resource has finished (serve resources:
  /// are ready), then stops serve processes. Never waits on manual or
  /// auto_init=False resources; bounded by the timeout.
  RunResult Ci();

  /// Like Ci(), then keeps serve processes running and re-runs resources
  /// whose deps files change, until RequestStop().
  RunResult Up();

  /// Tilt's `tilt trigger NAME`: queues one update of `name` in the running
  /// Up() session (a manual resource too), after its resource_deps that
  /// have not succeeded yet, which are queued as well. A resource whose
  /// update is running gets exactly one more update after it. Thread-safe:
  /// the scheduling loop does the work when it wakes. kNotFound for an
  /// unknown name (naming the defined ones), kFailedPrecondition when no
  /// Up() runs.
  absl::Status Trigger(std::string_view name);

  /// Disables or enables `name` in the running Up() session. A disabled
  /// resource is not run by file changes or triggers (Trigger() refuses it,
  /// and what needs it, with kFailedPrecondition) until it is enabled; a
  /// run of it that has not started is cancelled ("disabled"); one that
  /// runs finishes, and its serve process keeps running. Enabling runs
  /// nothing by itself. Thread-safe like Trigger(); kNotFound for an unknown
  /// name, kFailedPrecondition when no Up() runs.
  absl::Status SetEnabled(std::string_view name, bool enabled);

  /// Tilt's Tiltfile reload: replaces the project of the running Up()
  /// session with `next` (the same Tiltfile loaded again). Resources are
  /// matched by name and compared by definition (SameDefinition): added
  /// ones start (those in the selection: EngineOptions::selection, else
  /// every auto_init one), removed ones are stopped, changed ones are
  /// stopped and run again (after their resource_deps), unchanged ones keep
  /// running untouched (their processes, state and disabled flag).
  ///
  /// Checked here, before anything changes: the graph, the selection, the
  /// ignore patterns, and the policy over every command of the added and
  /// changed resources of the selection. On any error nothing is applied,
  /// the old project keeps running, and observers get OnReload with the
  /// error. Otherwise the plan is returned and the loop applies it when it
  /// wakes: it stops what goes first, then swaps the project in and tells
  /// observers (OnReload) before anything new starts. Thread-safe.
  /// kFailedPrecondition when no Up() runs or the policy refuses.
  absl::StatusOr<ReloadPlan> Reload(Project next);

  /// A reload that could not even load (`error`: "Tiltfile.py:12: ..."):
  /// nothing changes; observers get OnReload with the error, so views show
  /// it until the next good reload. Thread-safe.
  void ReloadFailed(std::string error);

  /// The names of the running project's resources, in order. Thread-safe.
  std::vector<std::string> ResourceNames() const;

  /// Ends Ci() or Up() soon: running commands are stopped, the result says
  /// "interrupted". Thread-safe and async-signal-safe.
  void RequestStop();

  /// The project (after a Reload(), the new one): read it on the thread
  /// that drives the engine, or while no Up() runs.
  const Project& project() const;

 private:
  class Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fops

#endif  // FOPS_ENGINE_ENGINE_H_
