// Project previews are not the dev loop: no Daytona workspace or sandbox is
// created from it. This file also owns preview-namespace, which the kubectl
// and Helm rules refuse with (a namespace matching preview_namespaces).
#include <string>

#include "absl/strings/str_cat.h"
#include "rule_ids.h"
#include "tool_rules.h"

namespace fops::guard_rules {
namespace {

constexpr GuardExample kWorkspaceExamples[] = {
    {"daytona create --name pr-42 https://github.com/yamonco/site"},
    {"daytona sandbox create --snapshot node"},
    {"daytona list", false},
};

constexpr GuardExample kNamespaceExamples[] = {
    {"kubectl create namespace preview-feature-x"},
    {"kubectl -n pr-42 apply -f site.yaml"},
    {"helm upgrade --install site-dev charts/site --namespace preview-site --create-namespace"},
    {"kubectl get ns preview-feature-x", false},
    {"kubectl -n pr-42 logs deploy/site", false},
};

constexpr GuardRule kPreviewGuardRules[] = {
    {.id = kPreviewWorkspace,
     .reason = "project previews are not the dev loop's; it never creates a workspace or "
               "sandbox",
     .refuses = "daytona create/new/up (any workspace or sandbox creation), in every mode",
     .why = "A workspace per repo, branch, agent or preview multiplies environments that "
            "nobody owns or cleans up, and project previews have a pipeline of their own. The "
            "dev loop works in the one environment it runs in.",
     .instead = "Run the dev loop where you are (fops up); create previews through the "
                "project's preview pipeline. Listing and reading workspaces stays allowed.",
     .examples = kWorkspaceExamples},
    {.id = kPreviewNamespace,
     .reason = "project previews are not deployed from the dev loop; a preview namespace is "
               "never its target",
     .refuses = "kubectl create namespace preview-*/pr-*, and any kubectl or Helm mutation in a "
                "preview namespace, in every mode",
     .why = "Namespaces matching preview_namespaces (preview-* and pr-* by default) belong to "
            "the preview pipeline. A dev loop that creates them or deploys into them leaves "
            "ad-hoc environments behind and races that pipeline.",
     .instead = "Deploy dev releases into a dev namespace (guard_settings(dev_namespaces=...)); "
                "read a preview namespace with kubectl get, describe or logs.",
     .examples = kNamespaceExamples},
};

constexpr ToolName kPreviewToolNames[] = {{"daytona"}};

std::optional<Refusal> CheckDaytona(const ToolCall& call) {
  const Args& args = call.args;
  int seen = 0;
  for (size_t i = 1; i < args.size() && seen < 2; ++i) {
    if (StartsWith(args[i].text, "-")) continue;
    ++seen;
    if (Contains({"create", "new", "up"}, args[i].text)) {
      return Refusal{kPreviewWorkspace,
                     absl::StrCat("daytona ", Safe(args[i].text))};
    }
  }
  return std::nullopt;
}

}  // namespace

extern constinit const ToolRules kPreviewRules{"daytona", kPreviewGuardRules, kPreviewToolNames,
                                               &CheckDaytona};

}  // namespace fops::guard_rules
