// Project previews are not the dev loop: no Daytona workspace or sandbox is
// created from it. This file also owns preview-namespace, which the kubectl
// and Helm rules refuse with (a namespace matching preview_namespaces).
#include <string>

#include "absl/strings/str_cat.h"
#include "rule_ids.h"
#include "tool_rules.h"

namespace fops::guard_rules {
namespace {

constexpr GuardRule kRules[] = {
    {kPreviewWorkspace,
     "Do not create a Daytona workspace per repo, branch, agent, or preview channel.",
     "daytona create (any workspace or sandbox creation), in every mode"},
    {kPreviewNamespace,
     "Do not deploy managed project previews into ad-hoc k3s namespaces from Tilt.",
     "kubectl create namespace preview-*/pr-*, and any kubectl or Helm mutation in a preview "
     "namespace, in every mode"},
};

constexpr ToolName kNames[] = {{"daytona"}};

std::optional<Refusal> CheckDaytona(const ToolCall& call) {
  const Args& args = call.args;
  int seen = 0;
  for (size_t i = 1; i < args.size() && seen < 2; ++i) {
    if (StartsWith(args[i].text, "-")) continue;
    ++seen;
    if (Contains({"create", "new", "up"}, args[i].text)) {
      return Refusal{kPreviewWorkspace,
                     absl::StrCat("daytona ", Safe(args[i].text),
                                  ": the dev loop never creates Daytona workspaces or sandboxes")};
    }
  }
  return std::nullopt;
}

}  // namespace

extern constinit const ToolRules kPreviewRules{"daytona", kRules, kNames, &CheckDaytona};

}  // namespace fops::guard_rules
