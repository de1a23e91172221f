#include "fops/base/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

absl::Status ErrnoStatus(std::string_view what, const std::filesystem::path& path) {
  int err = errno;
  return absl::Status(err == ENOENT ? absl::StatusCode::kNotFound
                                    : absl::StatusCode::kInternal,
                      absl::StrCat(ToAbsl(what), " '", path.string(), "': ", std::strerror(err)));
}

constexpr std::string_view kTemporaryInfix = ".tmp.";

// Whether process `pid` may still be writing its temporary. Our own pid
// counts as alive: another thread may be writing the same file now.
bool WriterMayRun(pid_t pid) {
  if (pid <= 0) return true;
  if (pid == ::getpid()) return true;
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

}  // namespace

int RemoveAbandonedTemporaries(const std::filesystem::path& dir, std::string_view only_for) {
  DIR* d = ::opendir(dir.empty() ? "." : dir.c_str());
  if (d == nullptr) return 0;
  int removed = 0;
  while (dirent* entry = ::readdir(d)) {
    const std::string_view name = entry->d_name;
    const size_t at = name.rfind(kTemporaryInfix);
    if (at == std::string_view::npos || at == 0) continue;
    if (!only_for.empty() && name.substr(0, at) != only_for) continue;
    int pid = 0;
    if (!absl::SimpleAtoi(ToAbsl(name.substr(at + kTemporaryInfix.size())), &pid)) continue;
    if (WriterMayRun(pid)) continue;
    if (::unlinkat(::dirfd(d), entry->d_name, 0) == 0) ++removed;
  }
  ::closedir(d);
  return removed;
}

absl::Status WriteFileAtomic(const std::filesystem::path& path, std::string_view content,
                             unsigned mode, Durability durability) {
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("creating directory '",
                                              path.parent_path().string(),
                                              "': ", ec.message()));
    }
  }
  std::string tmp = absl::StrCat(path.string(), ToAbsl(kTemporaryInfix), ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  // Errors name the file the caller asked for; the temporary beside it is
  // fops' business.
  if (fd < 0) return ErrnoStatus("writing", path);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status status = ErrnoStatus("writing", path);
      ::close(fd);
      ::unlink(tmp.c_str());
      return status;
    }
    done += static_cast<size_t>(n);
  }
  int synced = durability == Durability::kPowerLoss ? ::fsync(fd) : 0;
  int sync_errno = errno;
  int closed = ::close(fd);
  if (synced != 0 || closed != 0) {
    if (synced != 0) errno = sync_errno;
    absl::Status status = ErrnoStatus("writing", path);
    ::unlink(tmp.c_str());
    return status;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status status = ErrnoStatus("renaming into", path);
    ::unlink(tmp.c_str());
    return status;
  }
  RemoveAbandonedTemporaries(path.parent_path(), path.filename().string());
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errno = std::filesystem::exists(path) ? EACCES : ENOENT;
    return ErrnoStatus("reading", path);
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace fops
