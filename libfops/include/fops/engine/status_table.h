// The status table of a session, as people read it in a terminal: a header
// line (command, mode, how many resources are ready, the web view's
// address), then one row per resource grouped by label, with its state,
// its last run (start time and duration), why it ran, was skipped or waits,
// its readiness and links. `fops up` keeps it below its log on a terminal;
// `fops status` prints it once. It reads the JSON a StatusBoard writes, so
// every view shows the same status.
//
//   FOPS_ASSIGN_OR_RETURN(std::vector<std::string> lines,
//                         FormatStatusTable(board.SnapshotJson(), {.width = 100}));
#ifndef FOPS_ENGINE_STATUS_TABLE_H_
#define FOPS_ENGINE_STATUS_TABLE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace fops {

struct StatusTableOptions {
  /// Terminal columns. Lines never reach the last column (a full line would
  /// wrap on some terminals); narrow terminals lose the links column, then
  /// the last run, then readiness, then the reason is shortened.
  int width = 100;
  /// At most this many lines (0: no limit); the rest is one "… N more" line.
  int max_lines = 0;
  bool color = false;  ///< ANSI colours for states (terminals only)
  /// Local time zone for start times; false: UTC (tests).
  bool local_time = true;
};

/// The table for `snapshot_json` (StatusBoard::SnapshotJson()), one string
/// per line without newlines. kInvalidArgument when it is not a snapshot.
absl::StatusOr<std::vector<std::string>> FormatStatusTable(std::string_view snapshot_json,
                                                           const StatusTableOptions& options);

/// Columns `text` takes in a terminal: one per code point, escapes excluded.
int TerminalWidth(std::string_view text);

}  // namespace fops

#endif  // FOPS_ENGINE_STATUS_TABLE_H_
