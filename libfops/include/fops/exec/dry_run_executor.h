// Records every command and reports success at once; runs nothing. `fops
// plan` drives the engine with it and prints what it recorded. Serve
// commands run until stopped, so a plan shows them without waiting.
//
//   DryRunExecutor dry;
//   FOPS_ASSIGN_OR_RETURN(auto engine, Engine::Create(project, dry, {}));
//   engine->Ci();
//   for (const CommandSpec& spec : dry.recorded()) puts(ShellJoin(spec.argv).c_str());
#ifndef FOPS_EXEC_DRY_RUN_EXECUTOR_H_
#define FOPS_EXEC_DRY_RUN_EXECUTOR_H_

#include <deque>
#include <vector>

#include "fops/exec/executor.h"
#include "fops/exec/wakeup.h"

namespace fops {

/// Not thread-safe except Interrupt().
class DryRunExecutor : public Executor {
 public:
  absl::Status Start(const CommandSpec& spec) override;
  /// Returns finished commands at once; with only serve commands left it
  /// blocks until `deadline` or Interrupt(), as a real executor would.
  std::optional<CommandResult> Wait(absl::Time deadline, OutputListener& listener) override;
  void Stop(uint64_t id) override;
  void Abort() override;
  void Interrupt() override { wakeup_.Notify(); }
  size_t running() const override {
    return pending_.size() + serving_.size() + stopped_.size();
  }
  bool simulated() const override { return true; }

  /// Every command started, in start order.
  const std::vector<CommandSpec>& recorded() const { return recorded_; }

 private:
  std::vector<CommandSpec> recorded_;
  std::deque<uint64_t> pending_;   // finished, not yet returned by Wait
  std::vector<uint64_t> serving_;  // serve commands: run until stopped
  std::deque<uint64_t> stopped_;
  Wakeup wakeup_;
};

}  // namespace fops

#endif  // FOPS_EXEC_DRY_RUN_EXECUTOR_H_
