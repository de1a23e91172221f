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

constexpr GuardExample kPauseExamples[] = {
    {"argocd app set fractalops-api --sync-policy none"},
    {"argocd app patch fractalops-api --patch '{\"spec\":{\"syncPolicy\":null}}' --type merge"},
    {"argocd proj windows add default --kind deny --schedule '* * * * *' --duration 1h"},
    {"kubectl annotate application fractalops-api -n argocd "
     "argocd.argoproj.io/skip-reconcile=true"},
    {"argocd app get fractalops-api", false},
    {"kubectl get applications -n argocd", false},
};

constexpr GuardExample kAppMutationExamples[] = {
    {"argocd app delete fractalops-api"},
    {"argocd app rollback fractalops-api 3"},
    {"argocd app set fractalops-api -p image.tag=dev-1"},
    {"argocd app diff fractalops-api", false},
    {"argocd app history fractalops-api", false},
};

constexpr GuardExample kSyncExamples[] = {
    {"argocd app sync fractalops-api"},
    {"sh -c 'argocd app sync fractalops-api --prune'"},
    {"argocd app get fractalops-api", false},
    {"argocd app diff fractalops-api", false},
};

constexpr GuardRule kArgocdGuardRules[] = {
    {.id = kArgoPause,
     .reason = "Argo CD keeps reconciling; the dev loop never pauses it or turns off auto-sync",
     .refuses = "turning off auto-sync or pausing Argo CD: argocd app set/unset/patch/edit "
                "touching the sync policy, sync windows, kubectl mutations of Argo CD objects "
                "or annotations, in every mode",
     .why = "While Argo CD is paused or an application's auto-sync is off, the cluster drifts "
            "from Git unseen, and handing the release back to Argo CD has nothing to return "
            "to. Argo CD's own objects (applications, projects, its annotations, its "
            "controllers, anything in namespace argocd) are not the dev loop's to change.",
     .instead = "Iterate on dev releases in a dev namespace, which Argo CD does not own; change "
                "a sync policy or a sync window in Git, where Argo CD reads it.",
     .examples = kPauseExamples},
    {.id = kArgoAppMutation,
     .reason = "Argo CD applications change through Git, never from the dev loop",
     .refuses = "argocd app create/delete/rollback/set/patch/terminate-op/actions run, appset "
                "and project mutations, argocd admin, in every mode",
     .why = "What Argo CD deploys is what Git declares. An application created, deleted, "
            "rolled back or edited by hand is a change no review saw, which the next sync "
            "undoes or, worse, keeps.",
     .instead = "Change the application's manifests in Git. Reading stays allowed: argocd app "
                "get, list, diff, history, manifests, logs, resources, wait.",
     .examples = kAppMutationExamples},
    {.id = kArgoSync,
     .reason = "only deployment mode hands releases back to Argo CD: run fops mode deploy",
     .refuses = "argocd app sync outside deployment mode",
     .why = "A sync while a dev session still runs lets the dev loop and Argo CD write the "
            "same releases. fops mode deploy stops the session first, then syncs each "
            "application and waits until it is Synced and Healthy, so ownership passes once, "
            "on purpose.",
     .instead = "fops mode deploy (fops mode deploy --plan shows what it would do). In "
                "deployment mode argocd app sync is allowed.",
     .examples = kSyncExamples},
};

constexpr ToolName kArgocdToolNames[] = {{"argocd"}};

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
                                             " mode")};
    }
    if (Contains({"set", "unset", "patch", "edit"}, sub) && TouchesSyncPolicy(line)) {
      return Refusal{kArgoPause, absl::StrCat(what, " touching the sync policy")};
    }
    return Refusal{kArgoAppMutation, what};
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
      return Refusal{kArgoPause, absl::StrCat(what, " ", Safe(action), ": a sync window")};
    }
    return Refusal{kArgoAppMutation, what};
  }
  if (verb == "admin" && !sub.empty()) return Refusal{kArgoAppMutation, what};
  return std::nullopt;
}

}  // namespace

extern constinit const ToolRules kArgocdRules{"argocd", kArgocdGuardRules, kArgocdToolNames,
                                              &CheckArgocd};

}  // namespace fops::guard_rules
