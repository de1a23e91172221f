// The mode store: what mode a repository is in, kept in its state directory
// as `<state_dir>/mode.json` and written atomically, so `fops mode`, the
// Tiltfile's current_mode() and the transitions agree across processes.
// A repo that never changed mode is in development mode. Deployment mode
// also keeps, per Argo CD application, what fops confirmed when it handed
// the app back (an AppRecord): a sync Argo CD accepted, Synced and Healthy
// at a revision, Degraded, a failed sync, a timeout, or no sync at all.
//
//   FOPS_ASSIGN_OR_RETURN(ModeState state, LoadModeState(state_dir));
//   state = ModeState{.mode = Mode::kDeployment, .since = absl::Now(),
//                     .by = "fops mode deploy", .note = "1 of 1 apps Synced and Healthy",
//                     .apps = {{.app = "fractalops-api", .confirmed = AppConfirmed::kSyncedHealthy,
//                               .at = absl::Now(), .revision = "9f2c1ab"}}};
//   FOPS_RETURN_IF_ERROR(SaveModeState(state_dir, state));
#ifndef FOPS_MODEL_MODE_STATE_H_
#define FOPS_MODEL_MODE_STATE_H_

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fops/model/mode.h"

namespace fops {

/// The most fops confirmed about one Argo CD application's hand-back.
enum class AppConfirmed {
  kSyncRequested,  ///< Argo CD accepted the sync request; nothing after it was confirmed
  kSyncedHealthy,  ///< Synced and Healthy after the sync, at a revision
  kDegraded,       ///< health Degraded after the sync
  kSyncFailed,     ///< the sync operation ended Failed or Error
  kTimedOut,       ///< accepted, but not Synced and Healthy by the deadline
  kNotReached,     ///< no sync request for it was accepted (no answer, 401/403, 404 ...)
};

/// "sync requested", "Synced Healthy", "Degraded", "sync failed", "timed
/// out" or "not reached": the names mode.json keeps.
std::string_view AppConfirmedName(AppConfirmed confirmed);

/// The inverse of AppConfirmedName(); kInvalidArgument listing the names.
absl::StatusOr<AppConfirmed> ParseAppConfirmed(std::string_view name);

/// What was confirmed about one application when the mode was recorded.
struct AppRecord {
  std::string app;  ///< as given to Argo CD: `name` or `namespace/name`
  AppConfirmed confirmed = AppConfirmed::kNotReached;
  absl::Time at = absl::InfinitePast();  ///< when it was confirmed; InfinitePast: unknown
  std::string revision;  ///< Synced Healthy: the revision, shortened to 7 characters
  std::string detail;    ///< the health or operation message, what was last seen, or the error

  /// True when Argo CD accepted a sync request for the app.
  bool synced() const { return confirmed != AppConfirmed::kNotReached; }
  /// "Synced Healthy at revision 9f2c1ab", "sync requested at 2025-06-02
  /// 11:14:03 UTC", "timed out: last seen OutOfSync Progressing",
  /// "not reached: <error>" ...
  std::string Describe() const;
  friend bool operator==(const AppRecord&, const AppRecord&) = default;
};

/// The recorded mode and how the repo got there.
struct ModeState {
  Mode mode = Mode::kDevelopment;
  absl::Time since = absl::InfinitePast();  ///< InfinitePast: never recorded
  std::string by;                   ///< the command that set it, e.g. "fops mode deploy"
  std::string note;                 ///< outcome, e.g. "portal: Degraded"
  std::vector<std::string> targets;  ///< staging: the targets applied live
  std::vector<AppRecord> apps;       ///< deployment: one per canonical app, in the order given

  /// True when the state came from a file (not the development default).
  bool recorded() const { return since != absl::InfinitePast(); }
  /// One line for `fops mode`: "deployment (since 2025-01-02 10:00:00 UTC, by fops mode deploy: ...)".
  std::string Describe() const;
  friend bool operator==(const ModeState&, const ModeState&) = default;
};

/// `<state_dir>/mode.json`.
std::filesystem::path ModeStatePath(const std::filesystem::path& state_dir);

/// The recorded state; the development default when no file exists. A
/// file written before per-app records existed loads with no apps.
/// kInvalidArgument naming the file and field when it is not ours to read.
absl::StatusOr<ModeState> LoadModeState(const std::filesystem::path& state_dir);

/// Replaces the recorded state atomically (creates the state directory).
absl::Status SaveModeState(const std::filesystem::path& state_dir, const ModeState& state);

}  // namespace fops

#endif  // FOPS_MODEL_MODE_STATE_H_
