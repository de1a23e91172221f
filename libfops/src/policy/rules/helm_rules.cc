// Helm: in development mode only dev releases in dev namespaces; in staging
// mode only the canonical releases named as targets; in deployment mode
// nothing. Into a preview namespace: preview-namespace, in every mode.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rule_ids.h"
#include "tool_rules.h"

namespace fops::guard_rules {
namespace {

constexpr GuardRule kRules[] = {
    {kHelmDevNamespace, "development mode: Tilt builds images and upgrades dev-only Helm releases",
     "development mode: helm install/upgrade/uninstall/rollback/test outside the dev "
     "namespaces, or without an explicit namespace"},
    {kHelmDevRelease, "development mode: Tilt builds images and upgrades dev-only Helm releases",
     "development mode: helm install/upgrade/uninstall/rollback/test of a release that is not "
     "a dev release"},
    {kHelmStaging,
     "staging mode: builds staging-tagged images and cache scopes without mutating live "
     "workloads by default",
     "staging mode: Helm mutations of any release not named as a target of the run"},
    {kHelmArgoOwned, "deployment mode: Argo reconciles Helm-declared Git state",
     "deployment mode: every Helm mutation"},
};

constexpr ToolName kNames[] = {{"helm"}, {"helm3"}};

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
    return Refusal{rule, "helm with a verb the guard cannot see (an expansion or xargs input)"};
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
    return Refusal{kPreviewNamespace, absl::StrCat(what, " into preview namespace ", Safe(ns->text),
                                                   ": project previews are not deployed from "
                                                   "the dev loop")};
  }
  switch (config.mode) {
    case Mode::kDevelopment: {
      std::string dev = absl::StrJoin(config.dev_namespaces, ", ");
      if (!ns) {
        return Refusal{kHelmDevNamespace,
                       absl::StrCat(what, " without --namespace: Helm would use the kube "
                                          "context's namespace; dev releases go to ", dev)};
      }
      if (!ns->known) {
        return Refusal{kHelmDevNamespace,
                       absl::StrCat(what, " into a namespace the guard cannot see (",
                                    Safe(ns->text), "); dev releases go to ", dev)};
      }
      if (!config.IsDevNamespace(ns->text)) {
        return Refusal{kHelmDevNamespace, absl::StrCat(what, " into namespace ", Safe(ns->text),
                                                       "; dev namespaces: ", dev)};
      }
      if (releases.empty()) {
        return Refusal{kHelmDevRelease,
                       absl::StrCat(what, " without a release name the guard can see (a "
                                          "generated name is never a dev release)")};
      }
      for (const Arg& release : releases) {
        if (!release.known || !config.IsDevRelease(release.text)) {
          return Refusal{kHelmDevRelease,
                         absl::StrCat(what, " of release ", Safe(release.text),
                                      ", which is not a dev release (dev releases end with '",
                                      config.dev_release_suffix,
                                      "' or are listed in dev_releases); canonical releases "
                                      "belong to Argo CD")};
        }
      }
      return std::nullopt;
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
                                      ": staging mode upgrades only the canonical releases "
                                      "named as targets (`fops mode staging TARGET`)")};
        }
      }
      if (releases.empty()) {
        return Refusal{kHelmStaging, absl::StrCat(what, " without a release name the guard can see")};
      }
      return std::nullopt;
    }
    case Mode::kDeployment:
      return Refusal{kHelmArgoOwned,
                     absl::StrCat(what, ": in deployment mode Argo CD owns every release")};
  }
  return std::nullopt;
}

}  // namespace

extern constinit const ToolRules kHelmRules{"helm", kRules, kNames, &CheckHelm};

}  // namespace fops::guard_rules
