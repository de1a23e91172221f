// Mode transitions as objects with Plan() (the steps, printable, nothing
// done) and Execute(). DeployTransition is `fops mode deploy`, the one way
// back to Argo CD: stop the local session, ask Argo CD to sync each
// canonical app (each with its own share of the deadline for the request,
// so an app whose server hangs cannot starve the others), wait until every
// accepted one is Synced and Healthy (or the deadline), print a line per
// app, and record deployment mode with what each app confirmed — only when
// Argo CD accepted at least one sync request; otherwise the recorded mode
// stays as it was. DownTransition is `fops down`: stop the local session,
// touch no cluster. UpTransition records development mode for the session
// `fops up` starts. (Staging runs the Tiltfile's image builds, so the
// Python package executes it; its plan is PlanStaging.)
//
//   DeployTransition deploy({.state_dir = state_dir, .apps = {"fractalops-api"},
//                            .argocd = options}, *http);
//   std::cout << deploy.Plan().ToString();
//   FOPS_ASSIGN_OR_RETURN(TransitionResult r,
//                         deploy.Execute([](std::string_view line) { std::cout << line << "\n"; }));
//   return r.ok ? 0 : 1;
#ifndef FOPS_ENGINE_MODE_TRANSITION_H_
#define FOPS_ENGINE_MODE_TRANSITION_H_

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fops/base/clock.h"
#include "fops/base/session_lock.h"
#include "fops/model/mode_state.h"
#include "fops/net/argocd_client.h"
#include "fops/net/http_client.h"
#include "fops/plan/transition.h"

namespace fops {

/// Receives each line a transition reports, as it happens.
using TransitionOutput = std::function<void(std::string_view line)>;

/// How one Argo CD application ended a deploy-mode hand-back.
struct AppOutcome {
  std::string app;    ///< the name as given
  bool ok = false;    ///< Synced and Healthy after the sync
  std::string state;  ///< AppConfirmedName(record.confirmed): "Synced Healthy", "not reached" ...
  std::string line;   ///< what was printed for it
  AppRecord record;   ///< what was confirmed, as mode.json keeps it
};

struct TransitionResult {
  bool ok = false;                 ///< everything the transition promised happened
  bool recorded = false;           ///< the mode was written to mode.json
  std::vector<std::string> lines;  ///< every line reported, in order
  std::vector<AppOutcome> apps;    ///< deploy: one per app, in the order given
  std::string summary;             ///< one line; the mode's note when recorded
};

class ModeTransition {
 public:
  virtual ~ModeTransition() = default;
  /// The steps Execute() takes; reads the session holder, changes nothing.
  virtual TransitionPlan Plan() const = 0;
  /// Runs the steps. An error means the transition could not start or
  /// stopped early (nothing after the failed step ran); an unhealthy app
  /// is a result with ok == false, not an error.
  virtual absl::StatusOr<TransitionResult> Execute(const TransitionOutput& out) = 0;
};

/// Stops the session holding `state_dir`'s lock: SIGTERM to its PID, then
/// waits until the lock is free. Returns who was stopped (nullopt: no
/// session). kDeadlineExceeded when it is still running after `timeout`,
/// kFailedPrecondition when the caller itself holds it.
absl::StatusOr<std::optional<SessionInfo>> StopSession(const std::filesystem::path& state_dir,
                                                      absl::Duration timeout);

class UpTransition : public ModeTransition {
 public:
  /// For the repo whose state directory is `state_dir`.
  explicit UpTransition(std::filesystem::path state_dir) : state_dir_(std::move(state_dir)) {}
  /// PlanUp() for the current holder.
  TransitionPlan Plan() const override;
  /// Records development mode; the caller holds the lock and runs the session.
  absl::StatusOr<TransitionResult> Execute(const TransitionOutput& out) override;

 private:
  std::filesystem::path state_dir_;
};

class DownTransition : public ModeTransition {
 public:
  /// `timeout`: how long the session may take to stop.
  DownTransition(std::filesystem::path state_dir, absl::Duration timeout = absl::Seconds(30))
      : state_dir_(std::move(state_dir)), timeout_(timeout) {}
  /// PlanDown() for the current holder.
  TransitionPlan Plan() const override;
  /// StopSession(); the mode and every cluster are left as they are.
  absl::StatusOr<TransitionResult> Execute(const TransitionOutput& out) override;

 private:
  std::filesystem::path state_dir_;
  absl::Duration timeout_;
};

class DeployTransition : public ModeTransition {
 public:
  struct Options {
    std::filesystem::path state_dir;
    std::vector<std::string> apps;  ///< canonical Argo CD applications (`ns/name` allowed)
    ArgoCdOptions argocd;
    absl::Duration timeout = absl::Minutes(5);       ///< sync requests and the wait, in all
    absl::Duration stop_timeout = absl::Seconds(30);  ///< for the session to exit
    bool prune = false;                               ///< sync with prune
    std::string by = "fops mode deploy";              ///< recorded as who set the mode
  };

  /// `http` is not owned and must outlive the transition.
  DeployTransition(Options options, HttpClient& http, const Clock& clock = Clock::Real());
  /// PlanDeploy() for the current holder; reads nothing from Argo CD.
  TransitionPlan Plan() const override;
  /// kInvalidArgument without apps or when mode.json cannot be read (then
  /// nothing is done); kDeadlineExceeded when the session does not stop
  /// (then nothing is synced). Records deployment mode, with the outcome as
  /// its note and one AppRecord per app, once Argo CD accepted at least one
  /// sync request; when it accepted none, nothing is written (recorded ==
  /// false, ok == false) and the last line names the server.
  absl::StatusOr<TransitionResult> Execute(const TransitionOutput& out) override;

 private:
  Options options_;
  HttpClient& http_;
  const Clock& clock_;
};

}  // namespace fops

#endif  // FOPS_ENGINE_MODE_TRANSITION_H_
