// Prints a run for a person: each output line with Tilt's prefix, a line
// when a resource starts, becomes ready (or, later, loses readiness and
// regains it) or finishes (with why it ran or was skipped), and the
// summary table at the end. It prints what it receives as it is, bytes that
// are not UTF-8 included: the engine has already masked secrets in
// everything it hands its observers (RedactingObserver) and in its results.
#ifndef FOPS_ENGINE_TERMINAL_REPORTER_H_
#define FOPS_ENGINE_TERMINAL_REPORTER_H_

#include <cstdio>
#include <string>

#include "fops/engine/observer.h"

namespace fops {

/// Where a TerminalReporter's lines go: a file, or a live view that keeps
/// a status table below them (TerminalStatusView).
class ReportSink {
 public:
  virtual ~ReportSink() = default;
  /// Writes `lines`, whole lines each ending in '\n', and flushes.
  virtual void Write(std::string_view lines) = 0;
};

class TerminalReporter : public Observer {
 public:
  /// Writes to `out` (not owned).
  explicit TerminalReporter(std::FILE* out);
  /// Writes to `sink` (not owned).
  explicit TerminalReporter(ReportSink& sink);
  void OnResourceStarted(const Resource& resource, std::string_view reason) override;
  void OnOutput(const Resource& resource, Stream stream, std::string_view line) override;
  void OnResourceReady(const Resource& resource) override;
  /// "✘ not ready: ... failed 3 times: HTTP 500" / "✔ ready again".
  void OnReadinessChanged(const Resource& resource, bool ready, std::string_view reason) override;
  void OnResourceFinished(const Resource& resource, const ResourceResult& result) override;
  /// "⏸ paused: it re-triggered itself 3 times in a row ...".
  void OnResourcePaused(const Resource& resource, std::string_view reason) override;
  /// "fops: reloaded Tiltfile.py: added web; changed api", or "fops:
  /// Tiltfile.py not reloaded (the last good load keeps running):" and the
  /// error's lines.
  void OnReload(const Project& project, const ReloadEvent& event) override;
  void OnRunFinished(const RunResult& result) override;

 private:
  void Print(const std::string& text);
  std::FILE* out_ = nullptr;
  ReportSink* sink_ = nullptr;
};

/// The summary table (resource, status, duration, reason) and, for each
/// failed resource, its last lines of output.
std::string FormatSummary(const RunResult& result);

}  // namespace fops

#endif  // FOPS_ENGINE_TERMINAL_REPORTER_H_
