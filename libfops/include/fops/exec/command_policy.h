// A policy every command passes before it starts. The guard (policy/) is
// the one that matters: it refuses what would mutate Argo-owned state. It
// lives behind this small interface so executors and the engine need not
// know the rules.
#ifndef FOPS_EXEC_COMMAND_POLICY_H_
#define FOPS_EXEC_COMMAND_POLICY_H_

#include "absl/status/status.h"
#include "fops/exec/executor.h"

namespace fops {

class CommandPolicy {
 public:
  virtual ~CommandPolicy() = default;
  /// OK to run; kFailedPrecondition naming the rule otherwise. Thread-safe.
  virtual absl::Status Check(const CommandSpec& spec) const = 0;
};

/// Wraps an executor so every Start() passes `policy` first; a refused
/// command never reaches `inner`. Neither argument is owned.
class GuardedExecutor : public Executor {
 public:
  GuardedExecutor(Executor& inner, const CommandPolicy& policy)
      : inner_(inner), policy_(policy) {}
  absl::Status Start(const CommandSpec& spec) override;
  std::optional<CommandResult> Wait(absl::Time deadline, OutputListener& listener) override {
    return inner_.Wait(deadline, listener);
  }
  void Stop(uint64_t id) override { inner_.Stop(id); }
  void Abort() override { inner_.Abort(); }
  void Interrupt() override { inner_.Interrupt(); }
  size_t running() const override { return inner_.running(); }
  std::optional<bool> OwnsProcess(uint64_t id, pid_t pid) const override {
    return inner_.OwnsProcess(id, pid);
  }
  bool simulated() const override { return inner_.simulated(); }
  const Clock& clock() const override { return inner_.clock(); }
  /// The policy every Start() passes.
  const CommandPolicy& policy() const { return policy_; }

 private:
  Executor& inner_;
  const CommandPolicy& policy_;
};

}  // namespace fops

#endif  // FOPS_EXEC_COMMAND_POLICY_H_
