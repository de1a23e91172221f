// Appends Build Plane Events as JSON lines to `<state_dir>/events.jsonl`:
// the embedded default, so a repo keeps its own build history with nothing
// to run or configure. One line per event (BuildEvent::ToJson()).
//
// The file holds whole lines only, and stays bounded:
// - a batch is appended under an exclusive lock on the file (flock), so
//   concurrent runs never interleave or tear each other's lines;
// - a batch that would take the file past `max_bytes` first moves it to
//   `events.jsonl.1` (and `.1` to `.2`, …, the oldest beyond `keep` is
//   deleted): a rotation never splits a batch or drops a line of the file
//   it moves, so the history is `events.jsonl.<keep>` … `.1`, then
//   `events.jsonl`, oldest first;
// - a write that fails half-way (a full disk) is cut back to where it
//   began, and a line cut short by a writer that was killed mid-write is
//   removed by the next writer before it appends.
//
//   JsonlSink sink(StateDirFor(root) / "events.jsonl");
//   // jq -c 'select(.event == "image.pushed")' .fops/events.jsonl
#ifndef FOPS_TELEMETRY_JSONL_SINK_H_
#define FOPS_TELEMETRY_JSONL_SINK_H_

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "fops/telemetry/event_sink.h"

namespace fops {

inline constexpr std::string_view kEventsFileName = "events.jsonl";

/// When the events file is rotated, and how many older files are kept.
struct JsonlRotation {
  /// A batch that would take the file past this many bytes starts a new
  /// file (a single batch larger than this still goes whole into one file).
  uint64_t max_bytes = uint64_t{8} << 20;
  /// Older files kept beside it: `<file>.1` (newest) … `<file>.<keep>`.
  int keep = 3;
};

/// Thread-compatible: the pipeline calls Send() from one thread. Several
/// processes may append to the same file at once.
class JsonlSink : public EventSink {
 public:
  /// Appends to `path`; its directory is created on first use.
  explicit JsonlSink(std::filesystem::path path, JsonlRotation rotation = {});

  /// "jsonl".
  std::string_view name() const override { return "jsonl"; }
  /// The file's path.
  std::string destination() const override { return path_.string(); }
  /// Appends the batch's lines under the file's lock, rotating first when
  /// they would take the file past the cap; a failed write is cut back and
  /// rejected (a full disk or a read-only state directory does not heal by
  /// retrying).
  SinkAnswer Send(std::span<const BuildEvent> batch, absl::Time deadline) override;

  /// `<path>.<n>`: the n-th older file (1 is the newest of them).
  static std::filesystem::path RotatedPath(const std::filesystem::path& path, int n);

 private:
  std::filesystem::path path_;
  JsonlRotation rotation_;
};

}  // namespace fops

#endif  // FOPS_TELEMETRY_JSONL_SINK_H_
