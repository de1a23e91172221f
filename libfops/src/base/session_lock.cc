#include "fops/base/session_lock.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "fops/base/atomic_file.h"
#include "nlohmann/json.hpp"

namespace fops {
namespace {

constexpr char kLockFile[] = "session.lock";
constexpr char kInfoFile[] = "session.json";

// Alive and not a zombie: a zombie has closed its descriptors, so it holds
// no lock either.
bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) return true;  // no /proc: trust kill
  char state = text[paren + 2];
  return state != 'Z' && state != 'X';
}

std::string ToJson(const SessionInfo& info) {
  nlohmann::json j = {
      {"pid", info.pid},
      {"mode", info.mode},
      {"tiltfile", info.tiltfile},
      {"started", absl::FormatTime(absl::RFC3339_full, info.started, absl::UTCTimeZone())},
  };
  return j.dump(2) + "\n";
}

std::optional<SessionInfo> ReadInfo(const std::filesystem::path& state_dir) {
  absl::StatusOr<std::string> text = ReadFile(state_dir / kInfoFile);
  if (!text.ok()) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  SessionInfo info;
  info.pid = j.value("pid", 0);
  info.mode = j.value("mode", "");
  info.tiltfile = j.value("tiltfile", "");
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, j.value("started", ""), &info.started, &error)) {
    info.started = absl::InfinitePast();
  }
  return info;
}

std::string Describe(const SessionInfo& info) {
  std::string started = info.started == absl::InfinitePast()
                            ? "at an unknown time"
                            : absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", info.started,
                                               absl::LocalTimeZone());
  return absl::StrCat("PID ", info.pid, " (fops ", info.mode.empty() ? "session" : info.mode,
                      ", started ", started, info.tiltfile.empty() ? "" : ", ", info.tiltfile,
                      ")");
}

int OpenLockFile(const std::filesystem::path& state_dir) {
  return ::open((state_dir / kLockFile).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
}

}  // namespace

absl::StatusOr<SessionLock> SessionLock::Acquire(const std::filesystem::path& state_dir,
                                                 SessionInfo info) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("creating state directory '", state_dir.string(), "': ", ec.message()));
  }
  int fd = OpenLockFile(state_dir);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("opening '", (state_dir / kLockFile).string(),
                                            "': ", std::strerror(errno)));
  }
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    ::close(fd);
    if (err != EWOULDBLOCK) {
      return absl::InternalError(absl::StrCat("locking '", (state_dir / kLockFile).string(),
                                              "': ", std::strerror(err)));
    }
    std::optional<SessionInfo> holder = ReadInfo(state_dir);
    if (holder && ProcessAlive(holder->pid)) {
      return absl::FailedPreconditionError(
          absl::StrCat("another fops session holds this repo: ", Describe(*holder),
                       "; stop it with `fops down`"));
    }
    // Held, but session.json does not name a live process: the holder is
    // between taking the lock and recording itself, or a child inherited
    // its descriptor. Either way the lock is not ours to take.
    return absl::FailedPreconditionError(absl::StrCat(
        "another fops session holds this repo: '", (state_dir / kLockFile).string(),
        "' is locked by a process that has not recorded itself in ", kInfoFile));
  }
  // Ours now. Whatever session.json says is stale (its writer is gone).
  absl::Status written = WriteFileAtomic(state_dir / kInfoFile, ToJson(info));
  if (!written.ok()) {
    ::close(fd);
    return absl::Status(written.code(),
                        absl::StrCat("recording the session: ", written.message()));
  }
  return SessionLock(fd, state_dir, std::move(info));
}

std::optional<SessionInfo> SessionLock::ReadHolder(const std::filesystem::path& state_dir) {
  int fd = ::open((state_dir / kLockFile).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;  // never locked here
  // A shared lock we can take means nobody holds the exclusive one.
  int rc;
  do {
    rc = ::flock(fd, LOCK_SH | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  bool held = rc != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  if (!held) return std::nullopt;
  std::optional<SessionInfo> holder = ReadInfo(state_dir);
  if (!holder || !ProcessAlive(holder->pid)) return std::nullopt;
  return holder;
}

SessionLock::SessionLock(SessionLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      state_dir_(std::move(other.state_dir_)),
      info_(std::move(other.info_)) {}

SessionLock& SessionLock::operator=(SessionLock&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = std::exchange(other.fd_, -1);
    state_dir_ = std::move(other.state_dir_);
    info_ = std::move(other.info_);
  }
  return *this;
}

SessionLock::~SessionLock() { Release(); }

void SessionLock::Release() {
  if (fd_ < 0) return;
  // session.json goes first, while we still hold the lock, so nobody reads
  // a record of a session that has ended.
  std::optional<SessionInfo> recorded = ReadInfo(state_dir_);
  if (recorded && recorded->pid == info_.pid) {
    std::error_code ec;
    std::filesystem::remove(state_dir_ / kInfoFile, ec);
  }
  ::close(fd_);  // drops the flock
  fd_ = -1;
}

}  // namespace fops
