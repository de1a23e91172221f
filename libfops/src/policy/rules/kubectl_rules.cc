// kubectl (and oc, kubecolor): diagnostics only. The mutations of Argo CD's
// own objects are argo-pause, of a preview namespace preview-namespace.
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fops/base/string_view.h"
#include "rule_ids.h"
#include "tool_rules.h"

namespace fops::guard_rules {
namespace {

constexpr GuardRule kRules[] = {
    {kKubectl,
     "Tilt must not call kubectl set image, patch Deployment env, or pause Argo for ordinary "
     "dev iteration.",
     "every kubectl verb but the diagnostics allow-list, in every mode"},
};

constexpr ToolName kNames[] = {{"kubectl"}, {"oc"}, {"kubecolor"}};

bool Allowed(std::string_view verb, std::string_view sub) {
  if (Contains({"get", "describe", "logs", "log", "top", "events", "explain", "version",
                "api-resources", "api-versions", "cluster-info", "port-forward", "wait", "diff",
                "kustomize", "help", "completion", "options"},
               verb)) {
    return true;
  }
  if (verb == "config") {
    return Contains({"view", "get-contexts", "current-context", "get-clusters", "get-users"}, sub);
  }
  if (verb == "auth") return Contains({"can-i", "whoami"}, sub);
  if (verb == "rollout") return Contains({"status", "history"}, sub);
  if (verb == "plugin") return sub == "list";
  return false;
}

// True when a kubectl mutation touches Argo CD itself: its objects,
// annotations, sync policy, or its controller.
bool TouchesArgo(const CobraLine& line, const Arg* ns) {
  if (ns != nullptr && ns->text == "argocd") return true;
  auto touches = [](std::string_view text) {
    return absl::StrContains(ToAbsl(text), "argoproj.io") || absl::StrContains(ToAbsl(text), "syncPolicy") ||
           absl::StrContains(ToAbsl(text), "argocd-") || absl::StrContains(ToAbsl(text), "\"automated\"");
  };
  for (size_t i = 1; i < line.positionals.size(); ++i) {
    std::string_view t = line.positionals[i].text;
    if (touches(t)) return true;
    std::string_view kind = t.substr(0, t.find('/'));
    if (Contains({"application", "applications", "app", "apps", "appproject", "appprojects",
                  "applicationset", "applicationsets"},
                 kind)) {
      return true;
    }
  }
  for (const auto& [name, value] : line.flags) {
    if (touches(value.text)) return true;
  }
  return false;
}

std::optional<Refusal> CheckKubectl(const ToolCall& call) {
  CobraLine line = ParseCobra(
      call.args, 1,
      {"--namespace", "--context", "--cluster", "--user", "--kubeconfig", "--server", "--token",
       "--as", "--as-group", "--as-uid", "--certificate-authority", "--client-certificate",
       "--client-key", "--request-timeout", "--tls-server-name", "--cache-dir", "--v",
       "--vmodule", "--log-dir", "--log-file", "--log-file-max-size", "--log-backtrace-at",
       "--stderrthreshold", "--password", "--username", "--profile", "--profile-output",
       "--kuberc", "--output", "--selector", "--filename", "--container", "--type", "--patch",
       "--field-manager", "--replicas", "--image", "--port", "--timeout", "--for",
       "--field-selector", "--template", "--sort-by", "--since", "--tail", "--address"},
      "nsvolfcp");
  const Arg* ns = line.Flag({"-n", "--namespace"});
  if (line.positionals.empty()) {
    if (call.trailing_unknown) {
      return Refusal{kKubectl, "kubectl with its verb read from xargs input; kubectl is for "
                               "diagnostics only"};
    }
    return std::nullopt;
  }
  const Arg& verb = line.positionals[0];
  if (!verb.known) {
    return Refusal{kKubectl, "kubectl verb is an expansion the guard cannot see; kubectl is for "
                             "diagnostics only"};
  }
  std::string sub = line.positionals.size() > 1 ? line.positionals[1].text : "";
  if (Allowed(verb.text, sub)) return std::nullopt;

  bool two_words = Contains({"config", "auth", "rollout", "set", "create", "plugin",
                             "certificate", "apply", "alpha"},
                            verb.text);
  std::string what = absl::StrCat("kubectl ", Safe(verb.text), two_words && !sub.empty() ? " " : "",
                                  two_words && !sub.empty() ? Safe(sub) : "");
  if (verb.text == "create" && (sub == "namespace" || sub == "ns") && line.positionals.size() > 2 &&
      call.config.IsPreviewNamespace(line.positionals[2].text)) {
    return Refusal{kPreviewNamespace,
                   absl::StrCat("kubectl create namespace ", Safe(line.positionals[2].text),
                                ": project previews run in the Daytona sandbox, not in cluster "
                                "namespaces")};
  }
  if (ns != nullptr && ns->known && call.config.IsPreviewNamespace(ns->text)) {
    return Refusal{kPreviewNamespace, absl::StrCat(what, " in preview namespace ", Safe(ns->text))};
  }
  if (TouchesArgo(line, ns)) {
    return Refusal{kArgoPause, absl::StrCat(what, " on Argo CD's own objects, annotations or sync "
                                                  "policy")};
  }
  return Refusal{kKubectl,
                 absl::StrCat(what, "; kubectl is for diagnostics only: get, describe, logs, top, "
                                    "events, explain, version, api-resources, config view, auth "
                                    "can-i, port-forward (all: docs/guard.md)")};
}

}  // namespace

extern constinit const ToolRules kKubectlRules{"kubectl", kRules, kNames, &CheckKubectl};

}  // namespace fops::guard_rules
