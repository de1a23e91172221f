#include "fops/engine/mode_transition.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"
#include "fops/model/mode_state.h"

namespace fops {
namespace {

std::string Who(const SessionInfo& holder) {
  return absl::StrCat("fops ", holder.mode.empty() ? "up" : holder.mode, " (PID ", holder.pid, ")");
}

// Reports a line to `out` and keeps it in `result`.
void Say(TransitionResult& result, const TransitionOutput& out, std::string line) {
  if (out) out(line);
  result.lines.push_back(std::move(line));
}

std::string Seconds(absl::Duration d) {
  return absl::StrFormat("%.1fs", absl::ToDoubleSeconds(d));
}

}  // namespace

absl::StatusOr<std::optional<SessionInfo>> StopSession(const std::filesystem::path& state_dir,
                                                      absl::Duration timeout) {
  std::optional<SessionInfo> holder = SessionLock::ReadHolder(state_dir);
  if (!holder) return std::nullopt;
  if (holder->pid == getpid()) {
    return absl::FailedPreconditionError(
        absl::StrCat("this process holds the session (", Who(*holder), "); it cannot stop itself"));
  }
  if (kill(holder->pid, SIGTERM) != 0 && errno != ESRCH) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot signal ", Who(*holder), ": ", strerror(errno)));
  }
  const absl::Time deadline = absl::Now() + timeout;
  absl::Duration pause = absl::Milliseconds(5);
  while (true) {
    std::optional<SessionInfo> current = SessionLock::ReadHolder(state_dir);
    if (!current || current->pid != holder->pid) return holder;
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(Who(*holder), " did not stop within ", absl::FormatDuration(timeout),
                       " of SIGTERM"));
    }
    absl::SleepFor(pause);
    pause = std::min(pause * 2, absl::Milliseconds(200));
  }
}

TransitionPlan UpTransition::Plan() const { return PlanUp(SessionLock::ReadHolder(state_dir_)); }

absl::StatusOr<TransitionResult> UpTransition::Execute(const TransitionOutput& out) {
  TransitionResult result;
  FOPS_RETURN_IF_ERROR(SaveModeState(
      state_dir_, ModeState{.mode = Mode::kDevelopment, .since = absl::Now(), .by = "fops up"}));
  result.summary = "development mode";
  Say(result, out, "mode: development");
  result.ok = true;
  return result;
}

TransitionPlan DownTransition::Plan() const { return PlanDown(SessionLock::ReadHolder(state_dir_)); }

absl::StatusOr<TransitionResult> DownTransition::Execute(const TransitionOutput& out) {
  TransitionResult result;
  FOPS_ASSIGN_OR_RETURN(std::optional<SessionInfo> stopped, StopSession(state_dir_, timeout_));
  result.summary = stopped ? absl::StrCat("stopped ", Who(*stopped)) : "no fops session is running";
  Say(result, out, result.summary);
  result.ok = true;
  return result;
}

DeployTransition::DeployTransition(Options options, HttpClient& http, const Clock& clock)
    : options_(std::move(options)), http_(http), clock_(clock) {}

TransitionPlan DeployTransition::Plan() const {
  return PlanDeploy({.apps = options_.apps,
                     .server = options_.argocd.BaseUrl(),
                     .timeout = options_.timeout,
                     .prune = options_.prune},
                    SessionLock::ReadHolder(options_.state_dir));
}

absl::StatusOr<TransitionResult> DeployTransition::Execute(const TransitionOutput& out) {
  if (options_.apps.empty()) {
    return absl::InvalidArgumentError(
        "deploy mode: no canonical Argo CD applications (declare argocd_apps([...]) in the "
        "Tiltfile, or pass --app NAME)");
  }
  TransitionResult result;
  // 1. The dev loop stops first: nothing may upgrade a dev release while
  //    Argo CD takes the canonical apps back.
  FOPS_ASSIGN_OR_RETURN(std::optional<SessionInfo> stopped,
                        StopSession(options_.state_dir, options_.stop_timeout));
  Say(result, out, stopped ? absl::StrCat("stopped the local session: ", Who(*stopped))
                           : "no local session to stop");

  // 2. Ask for a sync of each app; remember how it looked before.
  ArgoCdClient argo(options_.argocd, http_, clock_);
  const absl::Time start = clock_.Now();
  const absl::Time deadline = start + options_.timeout;
  std::map<std::string, ArgoApp> before;
  std::map<std::string, AppOutcome> outcomes;
  std::vector<std::string> pending;
  auto fail = [&](const std::string& app, std::string state, std::string line) {
    outcomes[app] = AppOutcome{.app = app, .ok = false, .state = std::move(state), .line = line};
    Say(result, out, std::move(line));
  };
  for (const std::string& app : options_.apps) {
    absl::StatusOr<ArgoApp> current = argo.Get(app, deadline);
    if (current.ok()) {
      before[app] = *current;
      current = argo.Sync(app, deadline, options_.prune);
    }
    if (!current.ok()) {
      bool late = absl::IsDeadlineExceeded(current.status());
      fail(app, late ? "timed out" : "error",
           absl::StrCat(app, ": ", late ? "timed out: " : "", current.status().message()));
      continue;
    }
    Say(result, out, absl::StrCat(app, ": sync requested"));
    pending.push_back(app);
  }

  // 3. Wait as `argocd app wait --sync --health` does, for all at once.
  std::map<std::string, std::string> last_seen;
  while (!pending.empty()) {
    std::vector<std::string> still;
    for (const std::string& app : pending) {
      absl::StatusOr<ArgoApp> current = argo.Get(app, deadline);
      if (!current.ok()) {
        if (absl::IsDeadlineExceeded(current.status())) {
          still.push_back(app);  // reported below as timed out
          continue;
        }
        fail(app, "error", absl::StrCat(app, ": ", current.status().message()));
        continue;
      }
      last_seen[app] = current->Describe();
      switch (JudgeWait(*current, before[app])) {
        case ArgoWaitVerdict::kReady: {
          std::string revision = current->revision.substr(0, 7);
          std::string line = absl::StrCat(app, ": Synced Healthy (",
                                          revision.empty() ? "" : absl::StrCat("revision ", revision, ", "),
                                          Seconds(clock_.Now() - start), ")");
          outcomes[app] = AppOutcome{.app = app, .ok = true, .state = "Synced Healthy", .line = line};
          Say(result, out, std::move(line));
          break;
        }
        case ArgoWaitVerdict::kDegraded:
          fail(app, "Degraded",
               absl::StrCat(app, ": Degraded after the sync",
                            current->health_message.empty() ? "" : absl::StrCat(": ", current->health_message)));
          break;
        case ArgoWaitVerdict::kSyncFailed:
          fail(app, "sync failed",
               absl::StrCat(app, ": sync ", current->operation_phase,
                            current->operation_message.empty() ? "" : absl::StrCat(": ", current->operation_message)));
          break;
        case ArgoWaitVerdict::kWaiting:
          still.push_back(app);
          break;
      }
    }
    pending = std::move(still);
    if (pending.empty()) break;
    if (clock_.Now() >= deadline) {
      for (const std::string& app : pending) {
        auto seen = last_seen.find(app);
        fail(app, "timed out",
             absl::StrCat(app, ": timed out after ", absl::FormatDuration(options_.timeout),
                          seen == last_seen.end() ? "" : absl::StrCat(": ", seen->second)));
      }
      break;
    }
    absl::SleepFor(std::min(options_.argocd.poll_interval, deadline - clock_.Now()));
  }

  // 4. Record deployment mode: Argo CD owns the apps again, whatever the
  //    outcome; the note says how the hand-back went.
  int ready = 0;
  std::vector<std::string> problems;
  for (const std::string& app : options_.apps) {
    const AppOutcome& outcome = outcomes[app];
    result.apps.push_back(outcome);
    if (outcome.ok) {
      ++ready;
    } else {
      problems.push_back(absl::StrCat(app, " ", outcome.state));
    }
  }
  result.ok = problems.empty();
  result.summary = absl::StrCat(ready, " of ", options_.apps.size(), " apps Synced and Healthy");
  if (!problems.empty()) absl::StrAppend(&result.summary, "; ", absl::StrJoin(problems, ", "));
  FOPS_RETURN_IF_ERROR(SaveModeState(options_.state_dir,
                                     ModeState{.mode = Mode::kDeployment,
                                               .since = absl::Now(),
                                               .by = options_.by,
                                               .note = result.summary}));
  Say(result, out, absl::StrCat("deployment mode: ", result.summary));
  return result;
}

}  // namespace fops
