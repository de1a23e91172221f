// The guard's rule ids: stable, printed in every refusal and by
// `fops guard --rules`, returned by GuardRuleOf. Several tools refuse with
// the same rule (a kubectl or a Helm command into a preview namespace is
// preview-namespace), so the ids live here, apart from the files that own
// each rule's texts. Private to libfops.
#ifndef FOPS_SRC_POLICY_RULES_RULE_IDS_H_
#define FOPS_SRC_POLICY_RULES_RULE_IDS_H_

#include <string_view>

namespace fops::guard_rules {

inline constexpr std::string_view kUnreadable = "unreadable";
inline constexpr std::string_view kPreviewWorkspace = "preview-workspace";
inline constexpr std::string_view kPreviewNamespace = "preview-namespace";
inline constexpr std::string_view kArgoPause = "argo-pause";
inline constexpr std::string_view kArgoAppMutation = "argo-app-mutation";
inline constexpr std::string_view kArgoSync = "argo-sync-outside-deploy";
inline constexpr std::string_view kKubectl = "kubectl-mutation";
inline constexpr std::string_view kHelmDevNamespace = "helm-dev-namespace";
inline constexpr std::string_view kHelmDevRelease = "helm-dev-release";
inline constexpr std::string_view kHelmStaging = "helm-staging-target";
inline constexpr std::string_view kHelmArgoOwned = "helm-argo-owned";
inline constexpr std::string_view kHelmKubeContext = "helm-kube-context";
inline constexpr std::string_view kReleaseTag = "release-tag-push";

}  // namespace fops::guard_rules

#endif  // FOPS_SRC_POLICY_RULES_RULE_IDS_H_
