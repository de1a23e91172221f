#include "fops/plan/helm_upgrade.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "fops/base/redact.h"
#include "fops/base/status_macros.h"
#include "xxhash.h"

namespace fops {
namespace {

// Helm's --set parser splits on commas and reads backslashes: a value fops
// computes (an image reference) is escaped so it arrives as written.
std::string EscapeSetValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == ',' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// Go's duration syntax, which `--timeout` parses: 5m, 1m30s, 90ms.
std::string GoDuration(absl::Duration d) {
  std::string text = absl::FormatDuration(d);
  return text == "0" ? "0s" : text;
}

std::vector<std::string> RolloutFlags(const HelmRelease& release) {
  std::vector<std::string> flags;
  if (release.wait) flags.push_back("--wait");
  if (release.timeout > absl::ZeroDuration()) {
    flags.push_back("--timeout");
    flags.push_back(GoDuration(release.timeout));
  }
  if (release.atomic) flags.push_back("--atomic");
  if (release.create_namespace) flags.push_back("--create-namespace");
  return flags;
}

// The cluster the upgrade was planned for, pinned on every helm command.
std::vector<std::string> ClusterFlags(const HelmRelease& release) {
  std::vector<std::string> flags;
  if (!release.kube_context.empty()) {
    flags.push_back("--kube-context");
    flags.push_back(release.kube_context);
  }
  if (!release.kubeconfig.empty()) {
    flags.push_back("--kubeconfig");
    flags.push_back(release.kubeconfig);
  }
  return flags;
}

std::string Hashed(std::string_view value) {
  XXH128_hash_t hash = XXH3_128bits(value.data(), value.size());
  char hex[33];
  snprintf(hex, sizeof(hex), "%016llx%016llx", static_cast<unsigned long long>(hash.high64),
           static_cast<unsigned long long>(hash.low64));
  return absl::StrCat("xxh128:", hex);
}

}  // namespace

std::vector<std::string> HelmValueFlags(const HelmRelease& release) {
  std::vector<std::string> flags;
  for (const std::string& file : release.values_files) {
    flags.push_back("-f");
    flags.push_back(file);
  }
  for (const auto& [key, value] : release.set_values) {
    flags.push_back("--set");
    flags.push_back(absl::StrCat(key, "=", value));
  }
  for (const auto& [key, value] : release.ImageValues()) {
    flags.push_back("--set-string");
    flags.push_back(absl::StrCat(key, "=", EscapeSetValue(value)));
  }
  for (const auto& [key, value] : release.AutoscalingValues()) {
    flags.push_back("--set");
    flags.push_back(absl::StrCat(key, "=", value));
  }
  return flags;
}

std::vector<std::string> RenderHelmUpgrade(const HelmRelease& release) {
  std::vector<std::string> argv = {"helm", "upgrade", "--install", release.release, release.chart,
                                   "--namespace", release.namespace_name};
  for (std::string& flag : ClusterFlags(release)) argv.push_back(std::move(flag));
  for (std::string& flag : HelmValueFlags(release)) argv.push_back(std::move(flag));
  for (std::string& flag : RolloutFlags(release)) argv.push_back(std::move(flag));
  argv.insert(argv.end(), release.flags.begin(), release.flags.end());
  return argv;
}

std::vector<std::string> RenderHelmTemplate(const HelmRelease& release) {
  std::vector<std::string> upgrade = RenderHelmUpgrade(release);
  std::vector<std::string> rollout = RolloutFlags(release);
  // Drop "upgrade --install" and the rollout flags; keep everything else
  // exactly as the upgrade passes it.
  std::vector<std::string> argv = {"helm", "template"};
  size_t end = upgrade.size() - release.flags.size() - rollout.size();
  argv.insert(argv.end(), upgrade.begin() + 3, upgrade.begin() + static_cast<long>(end));
  return argv;
}

UpdateInputs HelmUpgradeInputs(const HelmRelease& release) {
  UpdateInputs inputs;
  inputs.paths.push_back(release.chart);
  for (const std::string& file : release.values_files) inputs.paths.push_back(file);
  inputs.values["release"] = release.release;
  inputs.values["namespace"] = release.namespace_name;
  if (!release.kube_context.empty()) inputs.values["kube_context"] = release.kube_context;
  if (!release.kubeconfig.empty()) inputs.values["kubeconfig"] = release.kubeconfig;
  for (const auto& [key, value] : release.set_values) {
    inputs.values[absl::StrCat("set ", key)] =
        Redactor::IsSecretName(key) ? Hashed(value) : value;
  }
  if (!release.image.empty()) inputs.values["image"] = release.image;
  if (release.autoscaling) {
    inputs.values["autoscaling"] =
        absl::StrCat(release.autoscaling->min_replicas, "-", release.autoscaling->max_replicas);
  }
  std::vector<std::string> flags = RolloutFlags(release);
  flags.insert(flags.end(), release.flags.begin(), release.flags.end());
  inputs.values["flags"] = absl::StrJoin(flags, " ");
  inputs.produces = absl::StrCat(release.release, " in ", release.namespace_name);
  if (!release.image.empty()) absl::StrAppend(&inputs.produces, " with ", release.image);
  return inputs;
}

absl::StatusOr<Resource> CompileHelmRelease(const HelmRelease& release) {
  FOPS_RETURN_IF_ERROR(release.Validate());
  Resource resource;
  resource.name = release.name.empty() ? release.release : release.name;
  resource.kind = "helm";
  resource.cmd = Command::Argv(RenderHelmUpgrade(release));
  if (!release.image_resource.empty()) resource.resource_deps.push_back(release.image_resource);
  for (const std::string& dep : release.resource_deps) {
    if (dep != release.image_resource) resource.resource_deps.push_back(dep);
  }
  resource.labels = release.labels;
  if (resource.labels.empty()) resource.labels = {"helm"};
  // Helm times its own rollout; fops stops it only if Helm overruns by a minute.
  if (release.wait && release.timeout > absl::ZeroDuration()) {
    resource.timeout = release.timeout + absl::Minutes(1);
  }
  resource.inputs = HelmUpgradeInputs(release);
  resource.declared_at = release.declared_at;
  return resource;
}

}  // namespace fops
