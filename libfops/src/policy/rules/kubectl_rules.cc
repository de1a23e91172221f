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

constexpr GuardExample kKubectlExamples[] = {
    {"kubectl set image deploy/api api=ghcr.io/yamonco/api:dev-1a2b"},
    {"kubectl rollout restart deploy/api"},
    {"cd k8s && kubectl apply -f ."},
    {"kubectl -n fractalops-dev scale deploy/api --replicas=0"},
    {"kubectl get pods -n fractalops-dev", false},
    {"kubectl logs -f deploy/api --tail=100", false},
    {"kubectl -n fractalops-dev port-forward svc/portal 8080:80", false},
};

constexpr GuardRule kKubectlGuardRules[] = {
    {.id = kKubectl,
     .reason = "kubectl is for diagnostics only; the dev loop never changes a live workload",
     .refuses = "every kubectl verb but the diagnostics allow-list, in every mode",
     .why = "A workload changed by hand (set image, patch, edit, scale, apply, delete, rollout "
            "restart) is a state neither Git nor the dev loop knows about: the next sync or "
            "upgrade silently undoes it, or keeps it without anyone knowing why. The dev loop "
            "changes what runs in the cluster only through its dev Helm releases. oc and "
            "kubecolor are read as kubectl.",
     .instead = "Declare the change: an image_build and a helm_release in the Tiltfile (fops up "
                "rebuilds the image and upgrades the dev release when its inputs change), or a "
                "commit for what Argo CD owns. Allowed in every mode: get, describe, logs, top, "
                "events, explain, version, api-resources, api-versions, cluster-info, "
                "port-forward, wait, diff, kustomize, config view/get-contexts/current-context, "
                "auth can-i/whoami, rollout status/history.",
     .examples = kKubectlExamples},
};

constexpr ToolName kKubectlToolNames[] = {{"kubectl"}, {"oc"}, {"kubecolor"}};

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
      return Refusal{kKubectl, "kubectl with its verb read from xargs input"};
    }
    return std::nullopt;
  }
  const Arg& verb = line.positionals[0];
  if (!verb.known) {
    return Refusal{kKubectl, absl::StrCat("kubectl ", Safe(verb.text),
                                          ": a verb the guard cannot see")};
  }
  std::string sub = line.positionals.size() > 1 ? line.positionals[1].text : "";
  if (Allowed(verb.text, sub)) return std::nullopt;

  bool two_words = Contains({"config", "auth", "rollout", "set", "create", "plugin",
                             "certificate", "apply", "alpha"},
                            verb.text);
  std::string what = absl::StrCat("kubectl ", Safe(verb.text), two_words && !sub.empty() ? " " : "",
                                  two_words && !sub.empty() ? Safe(sub) : "");
  // What it saw: the verb and the object it names, e.g. `kubectl set image
  // deploy/api …`. Only name-like words are shown (Safe).
  std::string shown = what;
  size_t object = two_words && !sub.empty() ? 2 : 1;
  if (object < line.positionals.size()) {
    absl::StrAppend(&shown, " ", Safe(line.positionals[object].text));
    if (object + 1 < line.positionals.size()) absl::StrAppend(&shown, " …");
  }
  if (verb.text == "create" && (sub == "namespace" || sub == "ns") && line.positionals.size() > 2 &&
      call.config.IsPreviewNamespace(line.positionals[2].text)) {
    return Refusal{kPreviewNamespace,
                   absl::StrCat("kubectl create namespace ", Safe(line.positionals[2].text))};
  }
  if (ns != nullptr && ns->known && call.config.IsPreviewNamespace(ns->text)) {
    return Refusal{kPreviewNamespace, absl::StrCat(shown, " in namespace ", Safe(ns->text))};
  }
  if (TouchesArgo(line, ns)) {
    return Refusal{kArgoPause, absl::StrCat(shown, ": Argo CD's own objects, annotations or sync "
                                                   "policy")};
  }
  return Refusal{kKubectl, shown};
}

}  // namespace

extern constinit const ToolRules kKubectlRules{"kubectl", kKubectlGuardRules, kKubectlToolNames,
                                               &CheckKubectl};

}  // namespace fops::guard_rules
