// The policy the engine applies when its options name none: the guard for
// development mode. Every command from every executor passes a policy; a
// caller can choose a stricter or another mode's guard, never none.
#ifndef FOPS_POLICY_DEFAULT_POLICY_H_
#define FOPS_POLICY_DEFAULT_POLICY_H_

#include "fops/exec/command_policy.h"

namespace fops {

/// The development-mode guard. Lives for the whole process; thread-safe.
const CommandPolicy& DefaultCommandPolicy();

}  // namespace fops

#endif  // FOPS_POLICY_DEFAULT_POLICY_H_
