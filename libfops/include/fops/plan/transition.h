// The plans of the mode transitions: what `fops up`, `fops down`, `fops mode
// staging` and `fops mode deploy` will do, as numbered steps a user can read
// before anything happens (`fops mode deploy --plan`). The plans are plain
// values; engine/mode_transition.h executes the ones that need no Tiltfile
// (down, deploy), the Python package the others.
//
//   TransitionPlan plan = PlanDeploy({.apps = {"fractalops-api"}, .server = "argocd.lab",
//                                     .timeout = absl::Minutes(5)}, holder);
//   std::cout << plan.ToString();
//   // fops mode deploy -> deployment mode
//   //   1. stop the local session (fops up, PID 4242)
//   //   2. ask Argo CD at https://argocd.lab to sync fractalops-api
//   //   ...
#ifndef FOPS_PLAN_TRANSITION_H_
#define FOPS_PLAN_TRANSITION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "fops/base/session_lock.h"
#include "fops/model/helm_release.h"
#include "fops/model/mode.h"

namespace fops {

/// One step of a transition, in the order it runs.
struct TransitionStep {
  std::string action;  ///< stable id: stop-session, build-images, helm-upgrade, argo-sync, argo-wait, record-mode, ...
  std::string text;    ///< what a user reads
  friend bool operator==(const TransitionStep&, const TransitionStep&) = default;
};

struct TransitionPlan {
  std::string command;  ///< "fops mode deploy"
  Mode to = Mode::kDevelopment;  ///< the mode recorded at the end (down: unchanged)
  bool records_mode = true;      ///< false for `fops down`: it changes no mode
  std::vector<TransitionStep> steps;
  /// The heading and the numbered steps, one per line.
  std::string ToString() const;
};

/// `fops up`: take the session lock (refused while `holder` runs), record
/// development mode, run the Tiltfile's resources through the guard.
TransitionPlan PlanUp(const std::optional<SessionInfo>& holder);

/// `fops down`: stop the local session only; touches no cluster.
TransitionPlan PlanDown(const std::optional<SessionInfo>& holder);

/// What `fops mode staging` was asked for.
struct StagingRequest {
  std::vector<std::string> images;   ///< image resources to build with staging tags
  std::vector<HelmTarget> live;      ///< canonical releases to upgrade (named targets only)
  bool build_only = true;            ///< no cluster step at all
  std::vector<std::string> targets;  ///< the targets as the user named them
};
/// `fops mode staging`: refused while a session runs (`holder`); else
/// build staging images, upgrade named canonical releases (unless build
/// only), record staging mode.
TransitionPlan PlanStaging(const StagingRequest& request, const std::optional<SessionInfo>& holder);

/// What `fops mode deploy` was asked for.
struct DeployRequest {
  std::vector<std::string> apps;  ///< canonical Argo CD applications
  std::string server;             ///< Argo CD base URL, as shown
  absl::Duration timeout = absl::Minutes(5);
  bool prune = false;
};
/// `fops mode deploy`: stop the session, sync each app, wait, record.
TransitionPlan PlanDeploy(const DeployRequest& request, const std::optional<SessionInfo>& holder);

}  // namespace fops

#endif  // FOPS_PLAN_TRANSITION_H_
