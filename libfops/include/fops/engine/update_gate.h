// Decides whether a resource's update can be skipped because its inputs
// have not changed since its last success, and remembers successes. Image
// builds and Helm upgrades use it; plain local resources always run.
#ifndef FOPS_ENGINE_UPDATE_GATE_H_
#define FOPS_ENGINE_UPDATE_GATE_H_

#include <string>

#include "absl/status/statusor.h"
#include "fops/base/redact.h"
#include "fops/model/resource.h"

namespace fops {

struct GateDecision {
  bool run = true;
  /// "rebuilt: no previous build", "rebuilt: Dockerfile changed",
  /// "skipped: unchanged since ghcr.io/x/api:dev-1a2b".
  std::string reason;
};

/// The engine calls Check and Record from worker threads, several
/// resources at once (never two calls for one resource at once), so an
/// implementation must be thread-safe. A run through an executor that does
/// not really run commands (Executor::simulated) never calls Record: only
/// real effects are recorded.
class UpdateGate {
 public:
  virtual ~UpdateGate() = default;
  /// Called before an update with non-empty `inputs`.
  virtual absl::StatusOr<GateDecision> Check(const Resource& resource) = 0;
  /// Called after the update really succeeded; stores what Check compares
  /// with. An error means nothing was stored (the next run updates again);
  /// the engine shows it and keeps the success.
  virtual absl::Status Record(const Resource& resource) = 0;
  /// The run's secrets, given by the engine before the first Check: a gate
  /// that stores or reports resource values masks them.
  virtual void SetRedactor(const Redactor& redactor) { (void)redactor; }
};

}  // namespace fops

#endif  // FOPS_ENGINE_UPDATE_GATE_H_
