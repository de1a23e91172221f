#include "fops/engine/mode_transition.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "fops/base/redact.h"
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

std::string SecondsText(absl::Duration d) {
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
  // A mode.json fops cannot read stops the transition before it does
  // anything: the error names the file, and nothing is stopped or synced.
  FOPS_ASSIGN_OR_RETURN(const ModeState previous, LoadModeState(options_.state_dir));
  TransitionResult result;
  // The client keeps the token out of its errors; every line and record
  // goes through the same redaction once more, so a server URL with
  // credentials in it cannot leak either.
  Redactor redactor;
  redactor.AddSecret(options_.argocd.token);
  auto say = [&](std::string_view line) { Say(result, out, redactor.Redact(line)); };
  std::map<std::string, AppOutcome> outcomes;
  auto finish = [&](const std::string& app, bool ok, AppRecord record, std::string_view line) {
    record.app = app;
    record.detail = redactor.Redact(record.detail);
    std::string state(AppConfirmedName(record.confirmed));
    outcomes[app] = AppOutcome{.app = app, .ok = ok, .state = std::move(state),
                               .line = redactor.Redact(line), .record = std::move(record)};
    say(line);
  };

  // 1. The dev loop stops first: nothing may upgrade a dev release while
  //    Argo CD takes the canonical apps back.
  FOPS_ASSIGN_OR_RETURN(std::optional<SessionInfo> stopped,
                        StopSession(options_.state_dir, options_.stop_timeout));
  say(stopped ? absl::StrCat("stopped the local session: ", Who(*stopped))
              : "no local session to stop");

  // 2. Ask for a sync of each app; remember how it looked before. Each app
  //    gets its share of the time left (divided among the apps not yet
  //    tried), so one whose requests hang or are dropped cannot use up the
  //    deadline of those after it.
  ArgoCdClient argo(options_.argocd, http_, clock_);
  const std::string server = redactor.Redact(options_.argocd.BaseUrl());
  const std::vector<std::string>& apps = options_.apps;
  const absl::Time start = clock_.Now();
  const absl::Time deadline = start + options_.timeout;
  std::map<std::string, ArgoApp> before;
  std::map<std::string, absl::Time> requested_at;
  std::vector<std::string> pending;
  for (size_t i = 0; i < apps.size(); ++i) {
    const std::string& app = apps[i];
    const absl::Time now = clock_.Now();
    if (now >= deadline) {
      std::string why = absl::StrCat("the deadline (", absl::FormatDuration(options_.timeout),
                                     ") passed before it was tried");
      finish(app, false, {.confirmed = AppConfirmed::kNotReached, .at = now, .detail = why},
             absl::StrCat(app, ": not reached: ", why));
      continue;
    }
    const absl::Time app_deadline = now + (deadline - now) / static_cast<int64_t>(apps.size() - i);
    absl::StatusOr<ArgoApp> current = argo.Get(app, app_deadline);
    absl::Status synced = current.status();
    if (current.ok()) {
      before[app] = *current;
      synced = argo.Sync(app, app_deadline, options_.prune);
    }
    if (!synced.ok()) {
      std::string error(synced.message());
      finish(app, false,
             {.confirmed = AppConfirmed::kNotReached, .at = clock_.Now(), .detail = error},
             absl::StrCat(app, ": not reached: ", error));
      continue;
    }
    requested_at[app] = clock_.Now();
    say(absl::StrCat(app, ": sync requested"));
    pending.push_back(app);
  }

  // 3. Wait as `argocd app wait --sync --health` does, for all at once,
  //    within the overall deadline. One read takes at most a request's
  //    time: an app whose reads hang is read again next round, and the
  //    others are read meanwhile.
  std::map<std::string, std::string> last_seen;
  std::map<std::string, std::string> last_error;
  auto only_requested = [&](const std::string& app, std::string detail) {
    return AppRecord{.confirmed = AppConfirmed::kSyncRequested, .at = requested_at[app],
                     .detail = std::move(detail)};
  };
  while (!pending.empty()) {
    std::vector<std::string> still;
    for (const std::string& app : pending) {
      const absl::Time now_before = clock_.Now();
      if (now_before >= deadline) {  // no time for a read: it is judged by what was seen
        still.push_back(app);
        continue;
      }
      const absl::Time read_deadline =
          std::min(deadline, now_before + options_.argocd.request_timeout);
      absl::StatusOr<ArgoApp> current = argo.Get(app, read_deadline);
      if (!current.ok()) {
        if (absl::IsDeadlineExceeded(current.status()) || absl::IsUnavailable(current.status())) {
          // A read the overall deadline cut short tells nothing about the
          // server; an earlier failed read is kept.
          const bool cut_short = read_deadline == deadline && absl::IsDeadlineExceeded(current.status());
          if (!cut_short) last_error[app] = std::string(current.status().message());
          still.push_back(app);  // read again; reported below if the deadline passes
          continue;
        }
        // Argo CD took the sync; what became of it is not known.
        const absl::string_view error = current.status().message();
        finish(app, false, only_requested(app, absl::StrCat("then reading it failed: ", error)),
               absl::StrCat(app, ": ", error));
        continue;
      }
      last_seen[app] = current->Describe();
      last_error.erase(app);
      const absl::Time now = clock_.Now();
      switch (JudgeWait(*current, before[app])) {
        case ArgoWaitVerdict::kReady: {
          std::string revision = current->revision.substr(0, 7);
          std::string line = absl::StrCat(app, ": Synced Healthy (",
                                          revision.empty() ? "" : absl::StrCat("revision ", revision, ", "),
                                          SecondsText(now - start), ")");
          finish(app, true,
                 {.confirmed = AppConfirmed::kSyncedHealthy, .at = now, .revision = revision},
                 line);
          break;
        }
        case ArgoWaitVerdict::kDegraded: {
          const std::string& message = current->health_message;
          finish(app, false, {.confirmed = AppConfirmed::kDegraded, .at = now, .detail = message},
                 absl::StrCat(app, ": Degraded after the sync",
                              message.empty() ? "" : absl::StrCat(": ", message)));
          break;
        }
        case ArgoWaitVerdict::kSyncFailed: {
          const std::string& message = current->operation_message;
          std::string why = absl::StrCat(current->operation_phase,
                                         message.empty() ? "" : absl::StrCat(": ", message));
          finish(app, false, {.confirmed = AppConfirmed::kSyncFailed, .at = now, .detail = why},
                 absl::StrCat(app, ": sync ", why));
          break;
        }
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
        auto error = last_error.find(app);
        std::string detail = seen != last_seen.end() ? absl::StrCat("last seen ", seen->second) : "";
        std::string line_detail = seen != last_seen.end() ? seen->second : "";
        if (error != last_error.end()) {
          absl::StrAppend(&detail, detail.empty() ? "" : "; ", "last read: ", error->second);
          absl::StrAppend(&line_detail, line_detail.empty() ? "" : "; ", "last read: ", error->second);
        }
        finish(app, false,
               {.confirmed = AppConfirmed::kTimedOut, .at = clock_.Now(), .detail = detail},
               absl::StrCat(app, ": timed out after ", absl::FormatDuration(options_.timeout),
                            line_detail.empty() ? "" : absl::StrCat(": ", line_detail)));
      }
      break;
    }
    absl::SleepFor(std::min(options_.argocd.poll_interval, deadline - clock_.Now()));
  }

  // 4. What the hand-back confirmed, per app, in the order given.
  int ready = 0;
  int accepted = 0;
  std::vector<std::string> problems;
  std::vector<AppRecord> records;
  for (const std::string& app : apps) {
    const AppOutcome& outcome = outcomes[app];
    result.apps.push_back(outcome);
    records.push_back(outcome.record);
    if (outcome.record.synced()) ++accepted;
    if (outcome.ok) {
      ++ready;
    } else {
      problems.push_back(absl::StrCat(app, " ", outcome.state));
    }
  }
  result.ok = problems.empty();

  // 5. Deployment mode only when Argo CD took at least one app: then it
  //    owns what it synced, whatever became of the rest (the records say).
  //    When it took none, nothing changed hands and nothing is written.
  if (accepted == 0) {
    result.summary = absl::StrCat("Argo CD at ", server, " accepted no sync request (",
                                  absl::StrJoin(apps, ", "), " not reached)");
    say(absl::StrCat("deployment mode not recorded: ", result.summary, "; the mode stays ",
                     ToAbsl(ModeName(previous.mode))));
    return result;
  }
  result.summary = absl::StrCat(ready, " of ", apps.size(), " apps Synced and Healthy");
  if (!problems.empty()) absl::StrAppend(&result.summary, "; ", absl::StrJoin(problems, ", "));
  result.summary = redactor.Redact(result.summary);
  std::vector<std::string> taken;
  for (const AppRecord& record : records) {
    if (record.synced()) taken.push_back(record.app);
  }
  absl::Status saved = SaveModeState(options_.state_dir,
                                     ModeState{.mode = Mode::kDeployment,
                                               .since = absl::Now(),
                                               .by = options_.by,
                                               .note = result.summary,
                                               .apps = std::move(records)});
  if (!saved.ok()) {
    // Argo CD owns the apps now, but the repo still says otherwise: say
    // both, and what makes them agree again.
    return absl::Status(
        saved.code(),
        redactor.Redact(absl::StrCat(
            "Argo CD took ", absl::StrJoin(taken, ", "), ", but deployment mode was not recorded (",
            saved.message(), "); the mode on record stays ", ToAbsl(ModeName(previous.mode)),
            ": make room and run `fops mode deploy` again")));
  }
  result.recorded = true;
  say(absl::StrCat("deployment mode: ", result.summary));
  return result;
}

}  // namespace fops
