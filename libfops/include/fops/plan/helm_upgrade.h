// A HelmRelease compiled to what runs: the exact `helm upgrade --install`
// argv, and a Resource (kind "helm") whose `inputs` cover the chart's
// files, the values files, the --set values, the image reference and the
// flags, so the engine's update gate skips an upgrade when none of them
// changed since the last success, and `fops ci` says why it upgraded
// ("updated: image changed (…:dev-1 -> …:dev-2)") or skipped ("skipped:
// unchanged since fractalops-api-dev in fractalops-dev with …").
//
//   FOPS_ASSIGN_OR_RETURN(Resource r, CompileHelmRelease(api));
//   r.cmd.argv();  // {"helm", "upgrade", "--install", "fractalops-api-dev",
//                  //  "charts/fractalops-api", "--namespace", "fractalops-dev", ...}
#ifndef FOPS_PLAN_HELM_UPGRADE_H_
#define FOPS_PLAN_HELM_UPGRADE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fops/model/helm_release.h"
#include "fops/model/resource.h"

namespace fops {

/// The values flags, in order: `-f FILE` per values file, `--set K=V` per
/// set value, `--set-string` for the image keys, `--set` for autoscaling.
std::vector<std::string> HelmValueFlags(const HelmRelease& release);

/// `helm upgrade --install RELEASE CHART --namespace NS <value flags>
/// [--wait] [--timeout D] [--atomic] [--create-namespace] <flags>`.
/// Never `--reuse-values`: every upgrade states all its values.
std::vector<std::string> RenderHelmUpgrade(const HelmRelease& release);

/// The same command as `helm template` (rollout flags dropped): what the
/// chart would render with exactly the values of RenderHelmUpgrade().
std::vector<std::string> RenderHelmTemplate(const HelmRelease& release);

/// What decides whether the upgrade can be skipped. Values of --set keys
/// that look secret (token, password, ...) are stored hashed.
UpdateInputs HelmUpgradeInputs(const HelmRelease& release);

/// Validates `release` and renders its Resource: kind "helm", cmd the
/// upgrade, resource_deps the image build (if any) then `resource_deps`.
absl::StatusOr<Resource> CompileHelmRelease(const HelmRelease& release);

}  // namespace fops

#endif  // FOPS_PLAN_HELM_UPGRADE_H_
