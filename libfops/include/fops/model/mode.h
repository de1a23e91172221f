// The three modes of a repository, one per kind of change: development
// (the loop builds images and upgrades dev-only Helm releases), staging
// (builds staging-tagged images; touches live workloads only for targets
// named explicitly) and deployment (Argo CD reconciles Helm-declared Git
// state; the loop mutates nothing). The guard, the Tiltfile and the
// transitions read it; the mode store (mode_state.h) keeps it per repo.
//
//   FOPS_ASSIGN_OR_RETURN(Mode mode, ParseMode("deploy"));  // kDeployment
//   ModeName(mode);                                          // "deployment"
#ifndef FOPS_MODEL_MODE_H_
#define FOPS_MODEL_MODE_H_

#include <string_view>

#include "absl/status/statusor.h"

namespace fops {

enum class Mode {
  kDevelopment,  ///< local builds + dev Helm releases in the dev namespace
  kStaging,      ///< staging-tagged images; live workloads only when named
  kDeployment,   ///< Argo CD owns every canonical workload
};

/// "development", "staging" or "deployment".
std::string_view ModeName(Mode mode);

/// Parses a mode name; also takes the short forms "dev", "stage" and
/// "deploy" (the `fops mode` verbs). kInvalidArgument listing the names.
absl::StatusOr<Mode> ParseMode(std::string_view name);

}  // namespace fops

#endif  // FOPS_MODEL_MODE_H_
