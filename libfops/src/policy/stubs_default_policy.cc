// STUB (owner: policy helper): allows everything until the guard lands.
#include "fops/policy/default_policy.h"
namespace fops {
namespace {
class AllowAll : public CommandPolicy {
 public:
  absl::Status Check(const CommandSpec&) const override { return absl::OkStatus(); }
};
}  // namespace
const CommandPolicy& DefaultCommandPolicy() {
  static AllowAll* policy = new AllowAll();
  return *policy;
}
}  // namespace fops
