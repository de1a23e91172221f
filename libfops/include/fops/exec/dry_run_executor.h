// Records every command and reports success at once; runs nothing. `fops
// plan` drives the engine with it and prints what it recorded.
#ifndef FOPS_EXEC_DRY_RUN_EXECUTOR_H_
#define FOPS_EXEC_DRY_RUN_EXECUTOR_H_

#include <deque>
#include <vector>

#include "fops/exec/executor.h"

namespace fops {

/// Not thread-safe except Interrupt().
class DryRunExecutor : public Executor {
 public:
  absl::Status Start(const CommandSpec& spec) override;
  std::optional<CommandResult> Wait(absl::Time deadline, OutputListener& listener) override;
  void Stop(uint64_t id) override;
  void Abort() override;
  void Interrupt() override {}
  size_t running() const override { return pending_.size() + serving_.size(); }
  bool simulated() const override { return true; }

  /// Every command started, in start order.
  const std::vector<CommandSpec>& recorded() const { return recorded_; }

 private:
  std::vector<CommandSpec> recorded_;
  std::deque<uint64_t> pending_;   // finished, not yet returned by Wait
  std::vector<uint64_t> serving_;  // serve commands: run until stopped
  std::deque<uint64_t> stopped_;
};

}  // namespace fops

#endif  // FOPS_EXEC_DRY_RUN_EXECUTOR_H_
