// Helm: in development mode only dev releases in dev namespaces; in staging
// mode only the canonical releases named as targets; in deployment mode
// nothing. Into a preview namespace: preview-namespace, in every mode.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rule_ids.h"
#include "tool_rules.h"

namespace fops::guard_rules {
namespace {

constexpr GuardExample kDevNamespaceExamples[] = {
    {"helm upgrade --install fractalops-api-dev charts/fractalops-api --namespace fractalops"},
    {"helm upgrade --install fractalops-api-dev charts/fractalops-api"},
    {"helm upgrade --install fractalops-api-dev charts/fractalops-api --namespace fractalops-dev",
     false},
    {"HELM_NAMESPACE=fractalops-dev helm uninstall fractalops-api-dev", false},
    {"helm template fractalops-api charts/fractalops-api --namespace fractalops", false},
};

constexpr GuardExample kDevReleaseExamples[] = {
    {"helm upgrade --install fractalops-api charts/fractalops-api --namespace fractalops-dev"},
    {"helm install charts/fractalops-api --generate-name --namespace fractalops-dev"},
    {"helm upgrade --install fractalops-api-dev charts/fractalops-api --namespace fractalops-dev",
     false},
    {"helm status fractalops-api --namespace fractalops", false},
};

constexpr GuardExample kStagingExamples[] = {
    {"helm upgrade --install fractalops-portal charts/fractalops-portal --namespace fractalops"},
    {"helm upgrade --install fractalops-api charts/fractalops-api --namespace fractalops-prod"},
    {"helm upgrade --install fractalops-api charts/fractalops-api --namespace fractalops", false},
};

constexpr GuardExample kArgoOwnedExamples[] = {
    {"helm upgrade --install fractalops-api charts/fractalops-api --namespace fractalops"},
    {"helm rollback fractalops-api 3 --namespace fractalops"},
    {"helm template fractalops-api charts/fractalops-api", false},
    {"helm get values fractalops-api --namespace fractalops", false},
};

constexpr GuardExample kKubeContextExamples[] = {
    {"helm upgrade --install fractalops-api-dev charts/fractalops-api --namespace fractalops-dev "
     "--kube-context lab-prod"},
    {"HELM_KUBECONTEXT=lab-prod helm uninstall fractalops-api-dev --namespace fractalops-dev"},
    {"helm upgrade --install fractalops-api-dev charts/fractalops-api --namespace fractalops-dev "
     "--kube-context fops-local",
     false},
    {"helm status fractalops-api-dev --namespace fractalops-dev --kube-context lab-prod", false},
};

constexpr GuardRule kHelmGuardRules[] = {
    {.id = kHelmKubeContext,
     .reason = "Helm changes releases only in the clusters the Tiltfile allows",
     .refuses = "helm install/upgrade/uninstall/rollback/test against a kube context that is "
                "neither a local cluster nor allowed with allow_k8s_contexts",
     .why = "A dev release in a dev namespace is still a change to whatever cluster the "
            "context points at. The dev loop deploys without being told only to clusters on "
            "this machine (kind, minikube, k3d, fops-local, an API server on loopback); every "
            "other cluster must be allowed by name. A context the guard cannot see is not "
            "allowed. The examples are checked with fops-local as the only allowed context.",
     .instead = "Use a local cluster, or add allow_k8s_contexts('NAME') to the Tiltfile if the "
                "dev loop may deploy there. Reading (helm status, get, list, template) is "
                "allowed against any context.",
     .examples = kKubeContextExamples,
     .allowed_contexts = "fops-local"},

    {.id = kHelmDevNamespace,
     .reason = "in development mode Helm changes releases only in a dev namespace",
     .refuses = "development mode: helm install/upgrade/uninstall/rollback/test outside the dev "
                "namespaces, or without a namespace the guard can see",
     .why = "A release outside the dev namespaces is one that others depend on: staging, "
            "production, what Argo CD reconciles. Without -n (or HELM_NAMESPACE) Helm uses the "
            "kube context's current namespace, which the guard cannot know, so the namespace "
            "must be given.",
     .instead = "Give the namespace (--namespace fractalops-dev, or HELM_NAMESPACE) and use a "
                "dev namespace; a repo names its own with guard_settings(dev_namespaces=[...]). "
                "helm template, lint, list, status, get, history, show, repo and pull are "
                "allowed anywhere.",
     .examples = kDevNamespaceExamples},
    {.id = kHelmDevRelease,
     .reason = "in development mode Helm changes only dev releases; canonical releases belong "
               "to Argo CD",
     .refuses = "development mode: helm install/upgrade/uninstall/rollback/test of a release "
                "that is not a dev release",
     .why = "A release is a dev release when its name ends with the dev suffix (-dev by "
            "default) or is listed in dev_releases; every other release is canonical, and Argo "
            "CD owns it even inside a dev namespace. A generated name (--generate-name) or a "
            "name the guard cannot see is never a dev release.",
     .instead = "Name the dev release with the suffix (fractalops-api-dev), or list it with "
                "guard_settings(dev_releases=[...]); change a canonical release in Git.",
     .examples = kDevReleaseExamples},
    {.id = kHelmStaging,
     .reason = "in staging mode Helm changes only the canonical releases named as targets of "
               "the run",
     .refuses = "staging mode: Helm mutations of any release not named as a target of the run",
     .why = "Staging builds staging-tagged images and leaves live workloads alone unless a run "
            "names them: `fops mode staging TARGET` upgrades exactly the canonical releases of "
            "its targets (helm_release(..., canonical=(release, namespace))). The examples are "
            "checked as a run whose one target is fractalops-api in namespace fractalops.",
     .instead = "Name the Helm release as a target of the staging run (fops mode staging "
                "TARGET), or run fops mode staging --build-only to build and push without "
                "touching a release.",
     .mode = Mode::kStaging,
     .examples = kStagingExamples},
    {.id = kHelmArgoOwned,
     .reason = "in deployment mode Argo CD owns every release; Helm changes none",
     .refuses = "deployment mode: every Helm mutation",
     .why = "Deployment mode has handed every release back to Argo CD, which reconciles what "
            "Git declares; a Helm change now would fight the next sync.",
     .instead = "Change the chart or its values in Git and let Argo CD sync them; to iterate "
                "again, go back to development mode (fops up).",
     .mode = Mode::kDeployment,
     .examples = kArgoOwnedExamples},
};

constexpr ToolName kHelmToolNames[] = {{"helm"}, {"helm3"}};

// The cluster a mutation targets must be one the Tiltfile allows (when the
// guard knows which): --kube-context, HELM_KUBECONTEXT, else the current one.
std::optional<Refusal> CheckCluster(const ToolCall& call, const CobraLine& line,
                                    const std::string& what) {
  const GuardConfig& config = call.config;
  if (config.allowed_contexts.empty()) return std::nullopt;
  std::optional<Arg> context;
  if (const Arg* flag = line.Flag({"--kube-context"})) {
    context = *flag;
  } else if (std::optional<Arg> env = call.vars.Lookup("HELM_KUBECONTEXT")) {
    context = env;
  } else if (!config.current_context.empty()) {
    context = Arg{.text = config.current_context};
  }
  const std::string allowed = absl::StrJoin(config.allowed_contexts, ", ");
  if (!context) {
    return Refusal{kHelmKubeContext,
                   absl::StrCat(what, " without a kube context the guard can see; allowed: ",
                                allowed)};
  }
  const bool allowed_here =
      context->known && std::find(config.allowed_contexts.begin(), config.allowed_contexts.end(),
                                  context->text) != config.allowed_contexts.end();
  if (!allowed_here) {
    return Refusal{kHelmKubeContext, absl::StrCat(what, " against kube context ",
                                                  Safe(context->text), "; allowed: ", allowed)};
  }
  return std::nullopt;
}

std::optional<Refusal> CheckHelm(const ToolCall& call) {
  const GuardConfig& config = call.config;
  CobraLine line = ParseCobra(
      call.args, 1,
      {"--namespace", "--kube-context", "--kubeconfig", "--kube-apiserver", "--kube-as-user",
       "--kube-as-group", "--kube-ca-file", "--kube-token", "--kube-tls-server-name",
       "--registry-config", "--repository-cache", "--repository-config", "--burst-limit", "--qps",
       "--values", "--set", "--set-string", "--set-file", "--set-json", "--set-literal",
       "--version", "--timeout", "--description", "--post-renderer", "--post-renderer-args",
       "--repo", "--username", "--password", "--ca-file", "--cert-file", "--key-file",
       "--keyring", "--output", "--history-max", "--labels", "--name-template", "--max",
       "--revision", "--cascade", "--api-versions", "--kube-version", "--show-only",
       "--output-dir", "--selector", "--filter", "--wait-for"},
      "nfolsa");
  const Arg* verb = line.positionals.empty() ? nullptr : &line.positionals[0];
  const bool mutation =
      verb == nullptr || !verb->known ||
      Contains({"install", "upgrade", "uninstall", "delete", "del", "un", "rollback", "test"},
               verb->text);
  if (!mutation) return std::nullopt;
  if (verb == nullptr && !call.trailing_unknown) return std::nullopt;
  if (verb == nullptr || !verb->known) {
    std::string_view rule = config.mode == Mode::kDevelopment ? kHelmDevRelease
                            : config.mode == Mode::kStaging   ? kHelmStaging
                                                              : kHelmArgoOwned;
    return Refusal{rule, "helm with a verb the guard cannot see: an expansion or xargs input"};
  }
  std::string what = absl::StrCat("helm ", verb->text);

  std::optional<Arg> ns;
  if (const Arg* flag = line.Flag({"-n", "--namespace"})) {
    ns = *flag;
  } else {
    ns = call.vars.Lookup("HELM_NAMESPACE");
  }
  std::vector<Arg> releases;
  {
    bool generated = line.Has({"--generate-name", "-g"});
    if (Contains({"uninstall", "delete", "del", "un"}, verb->text)) {
      releases.assign(line.positionals.begin() + 1, line.positionals.end());
    } else if (line.positionals.size() > 1 && !(verb->text == "install" && generated)) {
      releases.push_back(line.positionals[1]);
    }
  }
  if (ns && ns->known && config.IsPreviewNamespace(ns->text)) {
    return Refusal{kPreviewNamespace, absl::StrCat(what, " into namespace ", Safe(ns->text))};
  }
  switch (config.mode) {
    case Mode::kDevelopment: {
      std::string dev = absl::StrJoin(config.dev_namespaces, ", ");
      if (!ns) {
        return Refusal{kHelmDevNamespace,
                       absl::StrCat(what, " without --namespace; dev namespaces: ", dev)};
      }
      if (!ns->known) {
        return Refusal{kHelmDevNamespace,
                       absl::StrCat(what, " into namespace ", Safe(ns->text),
                                    ", which the guard cannot see; dev namespaces: ", dev)};
      }
      if (!config.IsDevNamespace(ns->text)) {
        return Refusal{kHelmDevNamespace, absl::StrCat(what, " into namespace ", Safe(ns->text),
                                                       "; dev namespaces: ", dev)};
      }
      if (releases.empty()) {
        return Refusal{kHelmDevRelease,
                       absl::StrCat(what, " without a release name the guard can see")};
      }
      for (const Arg& release : releases) {
        if (!release.known || !config.IsDevRelease(release.text)) {
          return Refusal{kHelmDevRelease,
                         absl::StrCat(what, " of release ", Safe(release.text),
                                      ", which is not a dev release: dev releases end with '",
                                      config.dev_release_suffix, "' or are listed in dev_releases")};
        }
      }
      return CheckCluster(call, line, what);
    }
    case Mode::kStaging: {
      for (const Arg& release : releases) {
        bool named = false;
        for (const HelmTarget& target : config.staging_targets) {
          named |= release.known && ns && ns->known && target.release == release.text &&
                   target.namespace_name == ns->text;
        }
        if (!named) {
          return Refusal{kHelmStaging,
                         absl::StrCat(what, " of release ", Safe(release.text), " in namespace ",
                                      ns ? Safe(ns->text) : "(none given)",
                                      ", not a target of this run")};
        }
      }
      if (releases.empty()) {
        return Refusal{kHelmStaging, absl::StrCat(what, " without a release name the guard can see")};
      }
      return CheckCluster(call, line, what);
    }
    case Mode::kDeployment:
      return Refusal{kHelmArgoOwned,
                     absl::StrCat(what, " in deployment mode")};
  }
  return std::nullopt;
}

}  // namespace

extern constinit const ToolRules kHelmRules{"helm", kHelmGuardRules, kHelmToolNames, &CheckHelm};

}  // namespace fops::guard_rules
