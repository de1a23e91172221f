// `fops up`'s live view on a terminal: the prefixed log scrolls as before,
// and the status table (status_table.h) of the session's StatusBoard stays
// below it, redrawn in place with ANSI escapes: before each batch of log
// lines the table is erased, the lines are written, and the table is drawn
// again. A thread renders it anew when the status changes (at most every
// 50 ms) and once a second for the running clocks. It fits the terminal's width
// and takes at most a third of its height; when the run ends the table is
// erased and the summary follows as plain lines.
//
// Only for terminals: Supported(out) says whether `out` is one (and not
// TERM=dumb); elsewhere `fops up` prints plain lines.
//
//   StatusBoard board(project);
//   TerminalStatusView view(stdout, board);
//   TerminalReporter reporter(view);   // its lines go through the view
//   options.observers = {&board, &view, &reporter};
#ifndef FOPS_ENGINE_TERMINAL_STATUS_VIEW_H_
#define FOPS_ENGINE_TERMINAL_STATUS_VIEW_H_

#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "fops/engine/observer.h"
#include "fops/engine/status_board.h"
#include "fops/engine/terminal_reporter.h"

namespace fops {

class TerminalStatusView : public Observer, public ReportSink {
 public:
  /// Draws `board`'s table on `out` (a terminal; neither is owned) from
  /// OnRunStarted until OnRunFinished.
  TerminalStatusView(std::FILE* out, const StatusBoard& board);
  /// Erases the table and stops the drawing thread.
  ~TerminalStatusView() override;
  TerminalStatusView(const TerminalStatusView&) = delete;
  TerminalStatusView& operator=(const TerminalStatusView&) = delete;

  /// True when `out` is a terminal that understands ANSI escapes.
  static bool Supported(std::FILE* out);

  /// Log lines: written above the table.
  void Write(std::string_view lines) override;
  /// Starts drawing.
  void OnRunStarted(const RunStart& run) override;
  /// Erases the table for good: what follows (the summary) is plain.
  void OnRunFinished(const RunResult& result) override;

 private:
  void Loop();
  void Stop();
  // Renders the board for the terminal's current size.
  std::vector<std::string> Render() const;
  void EraseLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DrawLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::FILE* out_;
  const StatusBoard& board_;
  absl::Mutex mu_;
  std::vector<std::string> table_ ABSL_GUARDED_BY(mu_);  // what Draw writes
  // Columns of each table line on screen; empty: none is. A terminal that
  // was narrowed since re-wraps them (most do), so each may take more rows.
  std::vector<int> drawn_ ABSL_GUARDED_BY(mu_);
  bool drawing_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace fops

#endif  // FOPS_ENGINE_TERMINAL_STATUS_VIEW_H_
