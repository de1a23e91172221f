// The mode store: what mode a repository is in, kept in its state directory
// as `<state_dir>/mode.json` and written atomically, so `fops mode`, the
// Tiltfile's current_mode() and the transitions agree across processes.
// A repo that never changed mode is in development mode.
//
//   FOPS_ASSIGN_OR_RETURN(ModeState state, LoadModeState(state_dir));
//   state = ModeState{.mode = Mode::kDeployment, .since = absl::Now(),
//                     .by = "fops mode deploy", .note = "3 of 3 apps Synced/Healthy"};
//   FOPS_RETURN_IF_ERROR(SaveModeState(state_dir, state));
#ifndef FOPS_MODEL_MODE_STATE_H_
#define FOPS_MODEL_MODE_STATE_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fops/model/mode.h"

namespace fops {

/// The recorded mode and how the repo got there.
struct ModeState {
  Mode mode = Mode::kDevelopment;
  absl::Time since = absl::InfinitePast();  ///< InfinitePast: never recorded
  std::string by;                   ///< the command that set it, e.g. "fops mode deploy"
  std::string note;                 ///< outcome, e.g. "portal: Degraded"
  std::vector<std::string> targets;  ///< staging: the targets applied live

  /// True when the state came from a file (not the development default).
  bool recorded() const { return since != absl::InfinitePast(); }
  /// One line for `fops mode`: "deployment (since 2025-01-02 10:00:00 UTC, by fops mode deploy: ...)".
  std::string Describe() const;
  friend bool operator==(const ModeState&, const ModeState&) = default;
};

/// `<state_dir>/mode.json`.
std::filesystem::path ModeStatePath(const std::filesystem::path& state_dir);

/// The recorded state; the development default when no file exists.
/// kInvalidArgument naming the file and field when it is not ours to read.
absl::StatusOr<ModeState> LoadModeState(const std::filesystem::path& state_dir);

/// Replaces the recorded state atomically (creates the state directory).
absl::Status SaveModeState(const std::filesystem::path& state_dir, const ModeState& state);

}  // namespace fops

#endif  // FOPS_MODEL_MODE_STATE_H_
