#include "fops/policy/default_policy.h"

#include "fops/policy/guard.h"

namespace fops {

const CommandPolicy& DefaultCommandPolicy() {
  // Never destroyed: executors may check commands during static teardown.
  static const Guard* guard = new Guard(GuardConfig{});
  return *guard;
}

}  // namespace fops
