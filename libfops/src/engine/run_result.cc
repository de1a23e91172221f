#include "fops/engine/run_result.h"

namespace fops {

std::string_view ResourceStatusName(ResourceStatus status) {
  switch (status) {
    case ResourceStatus::kNotRun:
      return "not run";
    case ResourceStatus::kPending:
      return "pending";
    case ResourceStatus::kRunning:
      return "running";
    case ResourceStatus::kSucceeded:
      return "succeeded";
    case ResourceStatus::kUpToDate:
      return "up to date";
    case ResourceStatus::kFailed:
      return "failed";
    case ResourceStatus::kBlocked:
      return "blocked";
    case ResourceStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

const ResourceResult* RunResult::Find(std::string_view name) const {
  for (const ResourceResult& r : resources) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

}  // namespace fops
