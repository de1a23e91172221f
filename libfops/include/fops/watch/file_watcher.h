// Watches files and directory trees (a project's `deps`) with inotify and
// hands out changes in batches: events are coalesced until the tree has
// been quiet for `debounce` (15 ms), so one editor save (write a temp file,
// rename it over, touch), a `git checkout` or a burst of writes a few
// milliseconds apart is one batch and one rebuild, and a single save is
// handed out 15 ms after it. Directories created later
// are watched as they appear; a path that does not exist yet is picked up
// when it is created. `.git/`, `.fops/` and the state dir are always
// ignored, so the loop's own state never triggers a rebuild.
//
// The watcher reads inotify on its own thread and never blocks its
// consumer. A loop can poll fd() beside its other descriptors, or — as the
// engine does, since it waits inside Executor::Wait — set `on_changes` to
// wake that wait and call ReadChanges() each time round:
//
//   FileWatcherOptions options{.root = project_dir, .ignore = {"**/*.pyc"},
//                              .on_changes = [&ex] { ex.Interrupt(); }};
//   FOPS_ASSIGN_OR_RETURN(auto watcher,
//       FileWatcher::Create({"/repo/api", "/repo/Tiltfile.py"}, options));
//   for (;;) {
//     ex.Wait(deadline, out);
//     for (const std::string& path : watcher->ReadChanges()) ...  // absolute paths
//   }
#ifndef FOPS_WATCH_FILE_WATCHER_H_
#define FOPS_WATCH_FILE_WATCHER_H_

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fops {

struct FileWatcherOptions {
  /// Base of relative watched paths and ignore patterns (the Tiltfile's
  /// directory); empty: the current directory.
  std::filesystem::path root;
  /// .dockerignore-syntax patterns, relative to `root`, never reported
  /// (see IgnoreMatcher).
  std::vector<std::string> ignore;
  /// The state dir, when it is not a `.fops` directory (FOPS_STATE_DIR).
  std::filesystem::path state_dir;
  /// A batch is handed out once no event arrived for this long: the gap
  /// between writes that still counts as one burst, and the least time from
  /// a save to its batch (docs/performance.md, "Edit to run in fops up").
  absl::Duration debounce = absl::Milliseconds(15);
  /// ...or this long after its first event, under a steady stream of writes.
  absl::Duration max_delay = absl::Seconds(1);
  /// Called on the watcher's thread whenever a batch becomes ready; keep it
  /// short and thread-safe (Executor::Interrupt is both).
  std::function<void()> on_changes;
};

/// One changed path of a batch, with when it last changed: the engine
/// tells a resource's own writes, made while its command ran, from a
/// person's edits by it (SelfTriggerGuard).
struct FileChange {
  std::string path;  ///< absolute
  /// The file's modification time when the watcher read its event (the
  /// kernel's coarse clock: up to a tick early); for a path that is gone,
  /// when the watcher read the event (a little late).
  absl::Time time;
  bool mtime = false;  ///< `time` is the file's modification time
};

/// ReadChanges(), ReadFileChanges() and Wait() are for one consumer thread; fd(), status()
/// and watch_count() are thread-safe.
class FileWatcher {
 public:
  /// Starts watching `paths` (files or directories; relative ones against
  /// `options.root`; missing ones are watched for creation).
  /// kInvalidArgument for a bad ignore pattern, kResourceExhausted when
  /// the inotify limits are reached (naming fs.inotify.max_user_watches).
  static absl::StatusOr<std::unique_ptr<FileWatcher>> Create(
      const std::vector<std::filesystem::path>& paths, FileWatcherOptions options = {});

  /// Stops the watcher thread and closes inotify.
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  /// Readable (for poll(2)) while a batch is ready.
  int fd() const;

  /// The ready batch: absolute paths that changed (created, written,
  /// touched, deleted or moved), sorted, each once; empty when none is
  /// ready. Never blocks.
  std::vector<std::string> ReadChanges();

  /// The same batch with the time of each path's latest change.
  std::vector<FileChange> ReadFileChanges();

  /// Blocks until a batch is ready or `deadline` passes (then: empty).
  std::vector<std::string> Wait(absl::Time deadline);

  /// OK, or the first error met while following the tree after Create()
  /// (e.g. the watch limit reached when a large directory appeared).
  absl::Status status() const;

  /// Directories currently watched; for diagnostics and tests.
  size_t watch_count() const;

 private:
  class Impl;
  explicit FileWatcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fops

#endif  // FOPS_WATCH_FILE_WATCHER_H_
