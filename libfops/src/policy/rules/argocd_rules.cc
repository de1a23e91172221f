// argocd: reading is allowed; auto-sync is never turned off nor Argo CD
// paused; applications, app sets and projects are never changed from the
// dev loop; `argocd app sync` only in deployment mode.
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fops/base/string_view.h"
#include "rule_ids.h"
#include "tool_rules.h"

namespace fops::guard_rules {
namespace {

constexpr GuardRule kRules[] = {
    {kArgoPause,
     "Tilt must not call kubectl set image, patch Deployment env, or pause Argo for ordinary "
     "dev iteration.",
     "turning off auto-sync or pausing Argo CD: argocd app set/unset/patch/edit touching the "
     "sync policy, sync windows, kubectl mutations of Argo CD objects or annotations, in every "
     "mode"},
    {kArgoAppMutation, "Argo owns canonical release mutation",
     "argocd app create/delete/rollback/set/patch/terminate-op/actions run, appset and project "
     "mutations, argocd admin, in every mode"},
    {kArgoSync, "make deploy-mode is the required way to hand ownership back to Argo.",
     "argocd app sync outside deployment mode (use `fops mode deploy`)"},
};

constexpr ToolName kNames[] = {{"argocd"}};

bool TouchesSyncPolicy(const CobraLine& line) {
  for (const auto& [name, value] : line.flags) {
    for (std::string_view prefix : {"--sync-policy", "--self-heal", "--auto-prune", "--sync-option",
                                    "--sync-retry", "--allow-empty", "--sync-window"}) {
      if (StartsWith(name, prefix)) return true;
    }
    if (absl::StrContains(value.text, "syncPolicy") || absl::StrContains(value.text, "automated")) {
      return true;
    }
  }
  for (const Arg& p : line.positionals) {
    if (absl::StrContains(p.text, "syncPolicy") || absl::StrContains(p.text, "automated")) return true;
  }
  return false;
}

std::optional<Refusal> CheckArgocd(const ToolCall& call) {
  CobraLine line = ParseCobra(
      call.args, 1,
      {"--server", "--auth-token", "--config", "--argocd-context", "--grpc-web-root-path",
       "--header", "--http-retry-max", "--logformat", "--loglevel", "--port-forward-namespace",
       "--client-crt", "--client-crt-key", "--server-crt", "--kube-context", "--redis-haproxy-name",
       "--redis-name", "--repo-server-name", "--server-name", "--redis-compress", "--app-namespace",
       "--output", "--selector", "--parameter", "--helm-set", "--helm-set-string", "--helm-set-file",
       "--values", "--values-literal-file", "--revision", "--timeout", "--sync-policy",
       "--sync-option", "--sync-retry-limit", "--sync-retry-backoff-duration",
       "--sync-retry-backoff-max-duration", "--sync-retry-backoff-factor", "--project",
       "--dest-namespace", "--dest-server", "--dest-name", "--repo", "--path", "--label",
       "--resource", "--patch", "--type", "--kind", "--group", "--namespace", "--name",
       "--local", "--source-position", "--source-name", "--retry-limit", "--strategy",
       "--info", "--annotations", "--file"},
      "HNolpf");
  if (line.positionals.empty()) return std::nullopt;
  const std::string& verb = line.positionals[0].text;
  std::string sub = line.positionals.size() > 1 ? line.positionals[1].text : "";
  std::string what = absl::StrCat("argocd ", Safe(verb), sub.empty() ? "" : " ", sub.empty() ? "" : Safe(sub));
  if (Contains({"app", "apps", "application", "applications"}, verb)) {
    if (sub.empty() ||
        Contains({"get", "list", "diff", "history", "manifests", "logs", "resources", "wait",
                  "help"},
                 sub)) {
      return std::nullopt;
    }
    if (sub == "actions" && line.positionals.size() > 2 && line.positionals[2].text == "list") {
      return std::nullopt;
    }
    if (sub == "sync") {
      if (call.config.mode == Mode::kDeployment) return std::nullopt;
      return Refusal{kArgoSync, absl::StrCat(what, " in ", ToAbsl(ModeName(call.config.mode)),
                                             " mode: `fops mode deploy` stops the session, "
                                             "syncs and waits for Synced/Healthy")};
    }
    if (Contains({"set", "unset", "patch", "edit"}, sub) && TouchesSyncPolicy(line)) {
      return Refusal{kArgoPause, absl::StrCat(what, " touching the sync policy")};
    }
    return Refusal{kArgoAppMutation,
                   absl::StrCat(what, ": Argo CD applications change through Git, and the dev "
                                      "loop never edits them")};
  }
  if (Contains({"appset", "appsets", "applicationset", "applicationsets"}, verb)) {
    if (sub.empty() || Contains({"get", "list", "help"}, sub)) return std::nullopt;
    return Refusal{kArgoAppMutation, what};
  }
  if (Contains({"proj", "project", "projects"}, verb)) {
    if (sub.empty() || Contains({"get", "list", "help"}, sub)) return std::nullopt;
    if (sub == "windows") {
      std::string action = line.positionals.size() > 2 ? line.positionals[2].text : "";
      if (action.empty() || action == "list") return std::nullopt;
      return Refusal{kArgoPause, absl::StrCat(what, " ", Safe(action), ": sync windows pause Argo CD")};
    }
    return Refusal{kArgoAppMutation, what};
  }
  if (verb == "admin" && !sub.empty()) return Refusal{kArgoAppMutation, what};
  return std::nullopt;
}

}  // namespace

extern constinit const ToolRules kArgocdRules{"argocd", kRules, kNames, &CheckArgocd};

}  // namespace fops::guard_rules
