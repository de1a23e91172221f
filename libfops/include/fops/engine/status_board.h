// The live status of a session, kept in one place that every view reads:
// the terminal table under `fops up`'s log, the web view, `fops status`,
// `fops logs` and the run timeline. An Observer: the engine tells it what
// happens; readers on other threads take JSON snapshots, read buffered log
// lines, and wait for the next change (for streaming).
//
// Per resource it keeps: the state (idle, waiting on deps, queued for a
// slot, running, ready / not ready, succeeded, up to date, failed, blocked,
// cancelled, disabled, paused), what it waits on, the reason it ran or was skipped,
// its last run (start, duration, result), readiness, links, labels, trigger
// mode, the spans of its recent runs (queued, waits, start, ready, end: the
// timeline), and a ring buffer of its log lines bounded in bytes. Secrets
// are masked before anything is kept.
//
//   StatusBoard board(project, {.command = "up", .mode = "development"});
//   options.observers.push_back(&board);
//   // another thread:
//   uint64_t seen = 0;
//   while (true) {
//     seen = board.WaitForChange(seen, absl::Seconds(15));
//     Publish(board.SnapshotJson());
//   }
#ifndef FOPS_ENGINE_STATUS_BOARD_H_
#define FOPS_ENGINE_STATUS_BOARD_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "fops/base/clock.h"
#include "fops/base/redact.h"
#include "fops/engine/observer.h"
#include "fops/model/resource.h"

namespace fops {

struct StatusBoardOptions {
  std::string command = "up";  ///< "up" or "ci": what the session runs
  std::string mode;            ///< the repo's mode ("development"), shown as is
  std::string tiltfile;        ///< shown in views; defaults to the project's
  size_t log_bytes = 256 * 1024;  ///< per resource: older lines are dropped past it
  size_t spans = 50;              ///< per resource: runs kept for the timeline
  const Clock* clock = nullptr;   ///< nullptr: the real clock
  Redactor redactor = Redactor::FromEnvironment();  ///< masks secrets in lines and reasons
};

/// One kept line of a resource's output (or of what fops said about it).
struct StatusLogLine {
  uint64_t seq = 0;  ///< increases across all resources, from 1
  absl::Time time;
  std::string resource;
  std::string stream;  ///< "stdout", "stderr", or "fops" for fops' own lines
  std::string text;
};

class StatusBoard : public Observer {
 public:
  /// Knows every resource of `project` from the start (all idle).
  explicit StatusBoard(const Project& project, StatusBoardOptions options = {});

  void OnRunStarted(const RunStart& run) override;
  void OnResourceQueued(const Resource& resource, std::string_view reason) override;
  void OnResourceWaiting(const Resource& resource, ResourceWait wait,
                         std::string_view detail) override;
  void OnResourceEnabled(const Resource& resource, bool enabled) override;
  void OnResourceStarted(const Resource& resource, std::string_view reason) override;
  void OnOutput(const Resource& resource, Stream stream, std::string_view line) override;
  void OnResourceReady(const Resource& resource) override;
  void OnReadinessChanged(const Resource& resource, bool ready, std::string_view reason) override;
  void OnResourcePaused(const Resource& resource, std::string_view reason) override;
  void OnResourceFinished(const Resource& resource, const ResourceResult& result) override;
  /// A good reload: resources added and removed, shown fields refreshed,
  /// the load error cleared. A failed one: its error is kept (snapshot
  /// "reload") until the next good one.
  void OnReload(const Project& project, const ReloadEvent& event) override;
  void OnRunFinished(const RunResult& result) override;

  /// Sets what views show as the web view's address (empty: none).
  void SetWebUrl(std::string url);

  /// The whole status as one line of JSON (docs/views.md, "The status
  /// JSON"). Thread-safe.
  std::string SnapshotJson() const;

  /// Up to `limit` kept log lines with seq > `after`, oldest first, of
  /// `resource` (empty: all resources) as JSON: {"lines": [...], "next":
  /// the seq to ask after next, "dropped": lines past `after` no longer
  /// kept, "running": the session still runs}. kNotFound naming the
  /// defined resources for an unknown name. Thread-safe.
  absl::StatusOr<std::string> LogsJson(std::string_view resource, uint64_t after,
                                       size_t limit) const;

  /// The same lines as values, for C++ readers.
  std::vector<StatusLogLine> Logs(std::string_view resource, uint64_t after, size_t limit) const;

  /// Changes so far; every event that changes the status adds one.
  uint64_t version() const;

  /// Blocks until version() differs from `seen` or `timeout` passes;
  /// returns version(). The run's end is a change too.
  uint64_t WaitForChange(uint64_t seen, absl::Duration timeout) const;

  /// Wakes every WaitForChange() at once without a change: for a reader
  /// that is shutting down.
  void Poke() const;

  /// True once the run has finished (the session is over).
  bool finished() const;

 private:
  struct Wait {
    std::string kind;  // ResourceWaitName
    std::string detail;
    absl::Time from;
    absl::Time to = absl::InfiniteFuture();  // open while it lasts
  };
  struct Span {  // one run of a resource, for the timeline
    std::string reason;
    absl::Time queued;
    absl::Time started = absl::InfiniteFuture();  // took a slot
    absl::Time ready = absl::InfiniteFuture();
    absl::Time ended = absl::InfiniteFuture();
    std::string result;  // "" while it runs
    std::vector<Wait> waits;
  };
  struct Entry {
    Resource resource;  // the fields views show (no commands kept)
    std::string state = "idle";
    bool enabled = true;
    std::string waiting;  // ResourceWaitName, "" when not waiting
    std::string waiting_detail;
    std::string reason;
    std::optional<bool> ready;  // serve resources once started
    absl::Time last_start = absl::InfinitePast();
    absl::Duration last_duration = absl::ZeroDuration();
    bool running = false;
    std::string last_result;
    int runs = 0;
    std::deque<Span> spans;
    std::deque<StatusLogLine> log;
    size_t log_bytes = 0;
    uint64_t dropped_before = 0;  // the highest seq dropped from this log
  };

  Entry* Find(std::string_view name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const Entry* Find(std::string_view name) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  Span& OpenSpan(Entry& e, std::string_view reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EndWait(Entry& e, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddLine(Entry& e, std::string stream, std::string text) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Changed() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<StatusLogLine> LogsLocked(const Entry* only, uint64_t after, size_t limit,
                                        uint64_t* dropped) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  StatusBoardOptions options_;  // tiltfile filled in; then read-only
  const Clock& clock_;
  mutable absl::Mutex mu_;
  mutable absl::CondVar changed_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
  // name -> entries_ position; changes on reload
  absl::flat_hash_map<std::string, size_t> index_ ABSL_GUARDED_BY(mu_);
  // The last reload: how many so far, when, what it did or its error.
  int reloads_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time reload_time_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::string reload_summary_ ABSL_GUARDED_BY(mu_);
  std::string reload_error_ ABSL_GUARDED_BY(mu_);
  std::string session_ ABSL_GUARDED_BY(mu_);
  std::string web_url_ ABSL_GUARDED_BY(mu_);
  bool simulated_ ABSL_GUARDED_BY(mu_) = false;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::string run_error_ ABSL_GUARDED_BY(mu_);
  absl::Time run_started_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time run_finished_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  mutable uint64_t pokes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace fops

#endif  // FOPS_ENGINE_STATUS_BOARD_H_
