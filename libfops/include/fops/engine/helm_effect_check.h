// Confirms a Helm upgrade's effect: the release is in the cluster at the
// revision fops applied, and deployed. Asked with `helm status RELEASE
// --namespace NS -o json`, run with the upgrade's own helm binary, its
// cluster flags (`--kube-context`, `--kubeconfig`, …) and environment, so
// it reads the cluster the upgrade wrote to. A rollback, an upgrade from
// elsewhere, an uninstall or a failed release reads as a change.
//
//   HelmEffectCheck check({.policy = &guard});
//   FOPS_ASSIGN_OR_RETURN(Effect now, check.Observe(helm_resource));
//   now.identity;   // "revision 5, deployed"
#ifndef FOPS_ENGINE_HELM_EFFECT_CHECK_H_
#define FOPS_ENGINE_HELM_EFFECT_CHECK_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "fops/engine/effect_check.h"
#include "fops/exec/command_policy.h"

namespace fops {

struct HelmEffectCheckOptions {
  absl::Duration timeout = absl::Seconds(20);  ///< for `helm status`
  const CommandPolicy* policy = nullptr;       ///< checks `helm status` first; not owned
};

/// Thread-safe.
class HelmEffectCheck : public EffectCheck {
 public:
  explicit HelmEffectCheck(HelmEffectCheckOptions options = {});

  /// Helm releases (kind "helm" with `release` and `namespace` values).
  bool Covers(const Resource& resource) const override;
  /// Runs `helm status … -o json`: revision and status, or not present.
  absl::StatusOr<Effect> Observe(const Resource& resource) override;
  /// "release changed in the cluster: revision 7, fops applied 5",
  /// "release api-dev is not in namespace dev of the cluster",
  /// "release api-dev is failed in the cluster (revision 5)".
  std::string Differs(const Resource& resource, std::string_view recorded,
                      const Effect& now) const override;
  std::string_view where() const override { return "the cluster"; }

  /// The `helm status` argv for `resource`'s release.
  static std::vector<std::string> StatusArgv(const Resource& resource);

 private:
  HelmEffectCheckOptions options_;
};

}  // namespace fops

#endif  // FOPS_ENGINE_HELM_EFFECT_CHECK_H_
