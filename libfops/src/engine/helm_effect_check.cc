#include "fops/engine/helm_effect_check.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "fops/base/format_duration.h"
#include "fops/base/string_view.h"
#include "fops/exec/run_command.h"
#include "nlohmann/json.hpp"

namespace fops {
namespace {

using json = nlohmann::json;

// Helm's flags that choose the cluster: the status must read the cluster
// the upgrade wrote to.
bool IsClusterFlag(std::string_view flag) {
  return absl::StartsWith(ToAbsl(flag), "--kube") || flag == "--registry-config" ||
         flag == "--repository-config";
}

// "revision 5, deployed" -> "5".
std::string RevisionOf(std::string_view identity) {
  std::string_view rest = identity;
  if (absl::StartsWith(ToAbsl(rest), "revision ")) rest.remove_prefix(9);
  return std::string(rest.substr(0, rest.find(',')));
}

std::string StatusOf(std::string_view identity) {
  size_t comma = identity.find(", ");
  return comma == std::string_view::npos ? "" : std::string(identity.substr(comma + 2));
}

}  // namespace

HelmEffectCheck::HelmEffectCheck(HelmEffectCheckOptions options) : options_(options) {}

bool HelmEffectCheck::Covers(const Resource& resource) const {
  return resource.kind == "helm" && !resource.inputs.Value("release").empty() &&
         !resource.inputs.Value("namespace").empty() && !resource.cmd.empty();
}

std::vector<std::string> HelmEffectCheck::StatusArgv(const Resource& resource) {
  const std::vector<std::string> upgrade = resource.cmd.argv();
  std::vector<std::string> argv = {upgrade.empty() ? "helm" : upgrade[0], "status",
                                   resource.inputs.Value("release"), "--namespace",
                                   resource.inputs.Value("namespace"), "-o", "json"};
  for (size_t i = 1; i < upgrade.size(); ++i) {
    const std::string& word = upgrade[i];
    std::string_view flag = word;
    const size_t eq = flag.find('=');
    if (eq != std::string_view::npos) flag = flag.substr(0, eq);
    if (!IsClusterFlag(flag)) continue;
    argv.push_back(word);
    // `--kube-context NAME`: the value follows, unless given with '='.
    if (eq == std::string_view::npos && word != "--kube-insecure-skip-tls-verify" &&
        i + 1 < upgrade.size()) {
      argv.push_back(upgrade[++i]);
    }
  }
  return argv;
}

absl::StatusOr<Effect> HelmEffectCheck::Observe(const Resource& resource) {
  const std::string release = resource.inputs.Value("release");
  const std::string ns = resource.inputs.Value("namespace");
  CommandSpec spec{.resource = resource.name,
                   .argv = StatusArgv(resource),
                   .dir = resource.dir,
                   .env = resource.env,
                   .timeout = options_.timeout};
  if (options_.policy != nullptr) {
    if (absl::Status allowed = options_.policy->Check(spec); !allowed.ok()) return allowed;
  }
  absl::StatusOr<CommandOutput> out = RunCommand(std::move(spec));
  if (!out.ok()) {
    return absl::Status(out.status().code(),
                        absl::StrCat("helm status ", release, ": ", out.status().message()));
  }
  if (!out->result.ok()) {
    // Helm 3 says "Error: release: not found" for a release it does not have.
    if (out->result.kind == ExitKind::kExited &&
        absl::StrContains(out->last_error_line, "release: not found")) {
      return Effect{.present = false,
                    .detail = absl::StrCat("release ", release, " is not in namespace ", ns)};
    }
    std::string why = out->result.kind == ExitKind::kTimedOut
                          ? absl::StrCat("timed out after ", DurationToString(options_.timeout))
                          : out->result.Describe();
    if (!out->last_error_line.empty()) absl::StrAppend(&why, ": ", out->last_error_line);
    return absl::UnavailableError(absl::StrCat("helm status ", release, ": ", why));
  }
  json status = json::parse(out->stdout_text, nullptr, /*allow_exceptions=*/false);
  if (!status.is_object() || !status.contains("version") || !status["version"].is_number_integer()) {
    return absl::InvalidArgumentError(
        absl::StrCat("helm status ", release, ": the answer is not a release (no version)"));
  }
  std::string state = "unknown";
  if (status.contains("info") && status["info"].is_object() &&
      status["info"].contains("status") && status["info"]["status"].is_string()) {
    state = status["info"]["status"].get<std::string>();
  }
  const int64_t revision = status["version"].get<int64_t>();
  return Effect{.present = true,
                .identity = absl::StrCat("revision ", revision, ", ", state),
                .detail = absl::StrCat("release ", release, " revision ", revision, ", ", state)};
}

std::string HelmEffectCheck::Differs(const Resource& resource, std::string_view recorded,
                                     const Effect& now) const {
  const std::string release = resource.inputs.Value("release");
  if (!now.present) {
    return absl::StrCat("release ", release, " is not in namespace ", resource.inputs.Value("namespace"),
                        " of the cluster");
  }
  if (now.identity == recorded) return "";
  const std::string revision = RevisionOf(now.identity);
  const std::string applied = RevisionOf(recorded);
  if (revision != applied) {
    return absl::StrCat("release changed in the cluster: revision ", revision, ", fops applied ",
                        applied);
  }
  return absl::StrCat("release ", release, " is ", StatusOf(now.identity),
                      " in the cluster (revision ", revision, ")");
}

}  // namespace fops
