// Appends Build Plane Events as JSON lines to `<state_dir>/events.jsonl`:
// the embedded default, so a repo keeps its own build history with nothing
// to run or configure. One line per event (BuildEvent::ToJson()); a batch
// is written with one append, so concurrent runs never interleave lines.
//
//   JsonlSink sink(StateDirFor(root) / "events.jsonl");
//   // jq -c 'select(.event == "image.pushed")' .fops/events.jsonl
#ifndef FOPS_TELEMETRY_JSONL_SINK_H_
#define FOPS_TELEMETRY_JSONL_SINK_H_

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "fops/telemetry/event_sink.h"

namespace fops {

inline constexpr std::string_view kEventsFileName = "events.jsonl";

/// Thread-compatible: the pipeline calls Send() from one thread.
class JsonlSink : public EventSink {
 public:
  /// Appends to `path`; its directory is created on first use.
  explicit JsonlSink(std::filesystem::path path);

  /// "jsonl".
  std::string_view name() const override { return "jsonl"; }
  /// The file's path.
  std::string destination() const override { return path_.string(); }
  /// One O_APPEND write of the batch's lines; a failed write is rejected
  /// (a full disk or a read-only state directory does not heal by retrying).
  SinkAnswer Send(std::span<const BuildEvent> batch, absl::Time deadline) override;

 private:
  std::filesystem::path path_;
};

}  // namespace fops

#endif  // FOPS_TELEMETRY_JSONL_SINK_H_
