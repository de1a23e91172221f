#include "fops/plan/transition.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

std::string Holder(const SessionInfo& holder) {
  return absl::StrCat("fops ", holder.mode.empty() ? "up" : holder.mode, ", PID ", holder.pid);
}

std::string StopStep(const std::optional<SessionInfo>& holder) {
  if (!holder) return "stop the local session, if one starts meanwhile (none is running now)";
  return absl::StrCat("stop the local session (", Holder(*holder),
                      "): SIGTERM, then wait until it has stopped everything it started");
}

TransitionStep RecordStep(Mode mode) {
  return {"record-mode", absl::StrCat("record ", ToAbsl(ModeName(mode)),
                                      " mode in the repo's state directory (mode.json)")};
}

}  // namespace

std::string TransitionPlan::ToString() const {
  std::string text = command;
  if (records_mode) absl::StrAppend(&text, " -> ", ToAbsl(ModeName(to)), " mode");
  absl::StrAppend(&text, "\n");
  for (size_t i = 0; i < steps.size(); ++i) {
    absl::StrAppend(&text, "  ", i + 1, ". ", steps[i].text, "\n");
  }
  return text;
}

TransitionPlan PlanUp(const std::optional<SessionInfo>& holder) {
  TransitionPlan plan{.command = "fops up", .to = Mode::kDevelopment};
  if (holder) {
    plan.steps.push_back({"refuse", absl::StrCat("refuse: this repo already has a session (",
                                                 Holder(*holder), "); stop it with `fops down`")});
    plan.records_mode = false;
    return plan;
  }
  plan.steps.push_back({"take-lock", "take the repo's session lock (one dev session per repo)"});
  plan.steps.push_back(RecordStep(Mode::kDevelopment));
  plan.steps.push_back({"run", "build images and upgrade dev Helm releases in the dev namespace; "
                               "every command passes the development guard"});
  plan.steps.push_back({"serve", "keep serve processes running until SIGINT/SIGTERM (`fops down`)"});
  return plan;
}

TransitionPlan PlanDown(const std::optional<SessionInfo>& holder) {
  TransitionPlan plan{.command = "fops down", .records_mode = false};
  plan.steps.push_back({"stop-session", holder ? StopStep(holder)
                                               : "nothing to stop: no session is running"});
  plan.steps.push_back({"no-cluster", "touch no cluster, release or Argo CD application "
                                      "(`fops mode deploy` hands back to Argo CD)"});
  return plan;
}

TransitionPlan PlanStaging(const StagingRequest& request, const std::optional<SessionInfo>& holder) {
  TransitionPlan plan{.command = "fops mode staging", .to = Mode::kStaging};
  if (holder) {
    // A staging run takes the session lock like any run: it never builds
    // beside a dev loop that is upgrading the same images.
    plan.steps.push_back({"refuse", absl::StrCat("refuse: this repo has a running session (",
                                                 Holder(*holder), "); stop it with `fops down`")});
    plan.records_mode = false;
    return plan;
  }
  plan.steps.push_back({"take-lock", "take the repo's session lock for the staging run"});
  plan.steps.push_back(
      {"build-images",
       request.images.empty()
           ? "build nothing: no image build matches"
           : absl::StrCat("build and push staging-tagged images with the staging cache scopes: ",
                          absl::StrJoin(request.images, ", "))});
  if (request.build_only || request.live.empty()) {
    plan.steps.push_back({"no-cluster", request.build_only
                                            ? "build only: no cluster step at all"
                                            : "no live check: no named target has a Helm release"});
  } else {
    std::vector<std::string> releases;
    for (const HelmTarget& t : request.live) releases.push_back(absl::StrCat(t.release, " (", t.namespace_name, ")"));
    plan.steps.push_back({"helm-upgrade",
                          absl::StrCat("apply the staging images to the canonical releases named "
                                       "as targets, through Helm only: ",
                                       absl::StrJoin(releases, ", "))});
  }
  plan.steps.push_back(RecordStep(Mode::kStaging));
  return plan;
}

TransitionPlan PlanDeploy(const DeployRequest& request, const std::optional<SessionInfo>& holder) {
  TransitionPlan plan{.command = "fops mode deploy", .to = Mode::kDeployment};
  plan.steps.push_back({"stop-session", StopStep(holder)});
  plan.steps.push_back({"argo-sync", absl::StrCat("ask Argo CD at ", request.server, " to sync ",
                                                  absl::StrJoin(request.apps, ", "),
                                                  request.prune ? " (with prune)" : "")});
  plan.steps.push_back({"argo-wait",
                        absl::StrCat("wait until every app is Synced and Healthy after its sync "
                                     "(at most ", absl::FormatDuration(request.timeout),
                                     "; Degraded or a failed sync ends the wait)")});
  // Recorded only for what Argo CD took: a hand-back no app reached
  // changes no mode.
  plan.steps.push_back({"record-mode",
                        "record deployment mode in the repo's state directory (mode.json) with "
                        "what each app confirmed, once Argo CD accepted a sync request (none "
                        "accepted: the mode stays as it is)"});
  return plan;
}

}  // namespace fops
