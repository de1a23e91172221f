// Tells a resource that re-runs itself through its own outputs (a command
// writing a __pycache__, a build output or a log inside its own `deps`)
// from one a person keeps editing, so `fops up` pauses the first instead
// of running it forever, and never the second.
//
// The rule, per resource:
//
// - A changed file is the resource's *own* when its latest change came
//   while the resource's update ran (its modification time lies between
//   the update's start and its end) and the file has never changed outside
//   those windows in this session. Any other change (a
//   file edited while nothing of the resource ran, or one such a change
//   touched before) is an *outside* change: a person's, or another
//   resource's.
// - A re-run is *self-triggered* when every change that asked for it is
//   the resource's own and no trigger asked for it. Self-triggered re-runs
//   in a row that share at least one file make a streak; any other run
//   ends it.
// - The re-run that would make the streak `limit` long (3: the resource
//   re-triggered itself three times in a row) does not start: the
//   resource is paused, and Reason() names its files and the ignore that
//   stops it. An outside change or a trigger resumes it; its own late
//   changes do not.
//
// A person saving a file several times in a row is never counted: the
// first save comes while the resource is idle, so that file is an outside
// one from then on, even when later saves land while it runs.
//
// Times are real (absl::Now()), as the watcher stamps its changes. One
// guard per engine, used from its loop's thread only.
//
//   SelfTriggerGuard guard("/repo", resources.size());
//   guard.RunStarted(i, absl::Now());  ... guard.RunEnded(i, absl::Now());
//   guard.Changed(i, changes);          // the watcher's, in i's deps
//   if (guard.ShouldPause(i)) Report(guard.Reason(i, "gen", "local"));
#ifndef FOPS_WATCH_SELF_TRIGGER_H_
#define FOPS_WATCH_SELF_TRIGGER_H_

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "fops/watch/file_watcher.h"

namespace fops {

struct SelfTriggerOptions {
  /// Self-triggered re-runs in a row that pause the resource.
  int limit = 3;
  /// How much earlier than a run's start a file's modification time may
  /// read and still be its own (the kernel stamps files with a coarse
  /// clock, up to a tick behind).
  absl::Duration early = absl::Milliseconds(10);
  /// How long after a run's end a deleted file's change, stamped when the
  /// watcher read it, may still be its own.
  absl::Duration grace = absl::Milliseconds(50);
  /// Outside files remembered per resource (then forgotten, all at once).
  size_t max_outside = 4096;
};

class SelfTriggerGuard {
 public:
  /// `root`: the Tiltfile's directory (paths in Reason() are relative to it).
  SelfTriggerGuard(std::filesystem::path root, size_t resources, SelfTriggerOptions options = {});

  /// Resource `i`'s update began; what asked for it so far is its cause.
  void RunStarted(int i, absl::Time now);
  /// ...and ended (any result). Ignored when no update of `i` runs.
  void RunEnded(int i, absl::Time now);

  /// Changes in `i`'s deps (its ignores applied). True when at least one
  /// is an outside change (see the rule above).
  bool Changed(int i, const std::vector<FileChange>& changes);

  /// A trigger asked for `i`: its next run is not self-triggered, and a
  /// pause ends.
  void Triggered(int i);

  /// Called just before the re-run the changes since its last start asked
  /// for: true when, instead, `i` is paused now. Consumes those changes.
  bool ShouldPause(int i);

  /// After a reload: resource `o` is now `new_index[o]` (-1: removed, or
  /// changed and so started anew) among `resources`; what it kept of `o`
  /// moves with it, every other resource starts with nothing.
  void Renumber(const std::vector<int>& new_index, size_t resources);

  bool paused(int i) const { return state_[i].paused; }
  /// Ends a pause (an outside change came in).
  void Resume(int i);

  /// Why `i` is paused: its files and the ignore that stops it, e.g.
  /// "paused: re-triggered itself 3 times in a row by writing in its own
  /// deps: out/stamp.txt; add ignore=['out/stamp.txt'] to
  /// local_resource('gen') or the line out/stamp.txt to .tiltignore; an
  /// edit or a trigger resumes it". `kind`: the resource's ("local" names
  /// local_resource).
  std::string Reason(int i, std::string_view name, std::string_view kind) const;

  /// The ignore pattern Reason() suggests for `files` (absolute): their
  /// common directory when they share one below `root`, `**/<dir>` when
  /// they all lie in directories of one name, else the one file's path.
  /// "" for several unrelated files.
  static std::string SuggestIgnore(const std::filesystem::path& root,
                                   const std::set<std::string>& files);

 private:
  struct State {
    bool running = false;
    absl::Time start = absl::InfiniteFuture();  // of the current or last update
    absl::Time end = absl::InfinitePast();
    bool pending_outside = false;  // asked for by an outside change or a trigger
    std::set<std::string> pending_own;
    int streak = 0;
    std::set<std::string> common;  // own files every re-run of the streak changed
    bool paused = false;
    absl::flat_hash_set<std::string> outside;
  };
  bool InWindow(const State& s, const FileChange& change) const;

  std::filesystem::path root_;
  SelfTriggerOptions options_;
  std::vector<State> state_;
};

}  // namespace fops

#endif  // FOPS_WATCH_SELF_TRIGGER_H_
