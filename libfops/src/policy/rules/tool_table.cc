// The one table of the guard's tool rules. Adding a tool's rules: its file
// in policy/rules defines `extern constinit const ToolRules kXRules{...}`;
// declare it here and add it to kTable (docs/guard.md, "Adding a tool's
// rules"). The order is the order `fops guard --rules` lists the rules in.
#include "tool_rules.h"

namespace fops::guard_rules {

extern const ToolRules kPreviewRules;    // preview_rules.cc: daytona
extern const ToolRules kArgocdRules;     // argocd_rules.cc: argocd
extern const ToolRules kKubectlRules;    // kubectl_rules.cc: kubectl, oc, kubecolor
extern const ToolRules kHelmRules;       // helm_rules.cc: helm, helm3
extern const ToolRules kImagePushRules;  // image_push_rules.cc: docker, podman, buildah, ...

namespace {

constexpr const ToolRules* kTable[] = {
    &kPreviewRules, &kArgocdRules, &kKubectlRules, &kHelmRules, &kImagePushRules,
};

// An expansion the guard cannot resolve is read as the tool its text names.
// The order is the order they are tried (all that match are).
constexpr NameHint kHints[] = {
    {"kube", "kubectl"},   {"helm", "helm"},       {"argo", "argocd"},
    {"daytona", "daytona"}, {"docker", "docker"},   {"podman", "podman"},
    {"buildah", "buildah"}, {"skopeo", "skopeo"},   {"crane", "crane"}};

}  // namespace

std::span<const ToolRules* const> ToolRuleTable() { return kTable; }

const ToolRules* FindToolRules(std::string_view name, std::string_view path) {
  for (const ToolRules* tool : kTable) {
    for (const ToolName& candidate : tool->names) {
      if (candidate.name != name) continue;
      if (!candidate.path_contains.empty() && path.find(candidate.path_contains) == path.npos) continue;
      return tool;
    }
  }
  return nullptr;
}

std::span<const NameHint> NameHints() { return kHints; }

}  // namespace fops::guard_rules
