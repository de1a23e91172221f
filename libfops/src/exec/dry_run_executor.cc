#include "fops/exec/dry_run_executor.h"

#include <algorithm>

namespace fops {

absl::Status DryRunExecutor::Start(const CommandSpec& spec) {
  recorded_.push_back(spec);
  if (spec.serve) {
    serving_.push_back(spec.id);
  } else {
    pending_.push_back(spec.id);
  }
  return absl::OkStatus();
}

std::optional<CommandResult> DryRunExecutor::Wait(absl::Time deadline, OutputListener&) {
  if (wakeup_.Consume()) return std::nullopt;
  std::deque<uint64_t>* ready = !stopped_.empty() ? &stopped_ : !pending_.empty() ? &pending_ : nullptr;
  if (ready != nullptr) {
    CommandResult result;
    result.id = ready->front();
    result.kind = ready == &stopped_ ? ExitKind::kStopped : ExitKind::kExited;
    ready->pop_front();
    return result;
  }
  // Only serve commands (or nothing) left: nothing finishes by itself.
  if (!serving_.empty()) wakeup_.WaitUntil(deadline);
  return std::nullopt;
}

void DryRunExecutor::Stop(uint64_t id) {
  auto it = std::find(serving_.begin(), serving_.end(), id);
  if (it == serving_.end()) return;
  serving_.erase(it);
  stopped_.push_back(id);
}

void DryRunExecutor::Abort() {
  pending_.clear();
  serving_.clear();
  stopped_.clear();
}

}  // namespace fops
