// One dev session per repo. `fops up` (and `fops ci`) take the session lock
// in the repo's state dir before starting anything, so two loops never
// build and deploy the same images at once; `fops down` and `fops mode`
// read who holds it. The lock is an flock(2) on `<state_dir>/session.lock`
// (released by the kernel when the holder dies, however it dies); the
// holder's details are written atomically to `<state_dir>/session.json`.
//
//   FOPS_ASSIGN_OR_RETURN(SessionLock lock, SessionLock::Acquire(state_dir,
//       {.pid = getpid(), .mode = "up", .tiltfile = path, .started = absl::Now()}));
//   ... run the session; the lock is released when `lock` goes away ...
//
//   if (std::optional<SessionInfo> holder = SessionLock::ReadHolder(state_dir))
//     kill(holder->pid, SIGTERM);   // what `fops down` does
#ifndef FOPS_BASE_SESSION_LOCK_H_
#define FOPS_BASE_SESSION_LOCK_H_

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fops {

/// Who holds a repo's session; stored as session.json.
struct SessionInfo {
  pid_t pid = 0;         ///< the fops process holding the lock
  std::string mode;      ///< the command it runs: "up", "ci" (shown as "fops up")
  std::string tiltfile;  ///< the Tiltfile it runs
  absl::Time started;    ///< when it took the lock
};

/// Holds the session lock while alive; movable, not copyable. Not
/// thread-safe; the static functions are.
class SessionLock {
 public:
  /// Takes the lock for `state_dir` (created if missing) and records
  /// `info`. kFailedPrecondition naming the holder's PID, command and start
  /// time when a live process holds it. A lock left by a dead process is
  /// free (the kernel dropped it) and its stale session.json is replaced.
  static absl::StatusOr<SessionLock> Acquire(const std::filesystem::path& state_dir,
                                             SessionInfo info);

  /// The live holder of the lock for `state_dir`, if any. nullopt when the
  /// lock is free, even if a stale session.json is left behind.
  static std::optional<SessionInfo> ReadHolder(const std::filesystem::path& state_dir);

  SessionLock(SessionLock&& other) noexcept;
  SessionLock& operator=(SessionLock&& other) noexcept;
  SessionLock(const SessionLock&) = delete;
  SessionLock& operator=(const SessionLock&) = delete;
  /// Releases the lock (see Release()).
  ~SessionLock();

  /// Removes session.json and drops the lock; idempotent. session.lock
  /// itself stays: unlinking a lock file lets two processes lock two files.
  void Release();

  /// What this session recorded.
  const SessionInfo& info() const { return info_; }

 private:
  SessionLock(int fd, std::filesystem::path state_dir, SessionInfo info)
      : fd_(fd), state_dir_(std::move(state_dir)), info_(std::move(info)) {}

  int fd_ = -1;
  std::filesystem::path state_dir_;
  SessionInfo info_;
};

}  // namespace fops

#endif  // FOPS_BASE_SESSION_LOCK_H_
