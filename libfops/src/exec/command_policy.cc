#include "fops/exec/command_policy.h"

#include "fops/base/status_macros.h"

namespace fops {

absl::Status GuardedExecutor::Start(const CommandSpec& spec) {
  // The policy speaks first: a refused command must never reach a real
  // executor, not even to be recorded.
  FOPS_RETURN_IF_ERROR(policy_.Check(spec));
  return inner_.Start(spec);
}

}  // namespace fops
