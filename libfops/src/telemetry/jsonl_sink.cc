#include "fops/telemetry/jsonl_sink.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace fops {
namespace {

// An open, locked events file; closing it releases the lock.
class LockedFile {
 public:
  explicit LockedFile(int fd) : fd_(fd) {}
  ~LockedFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  LockedFile(const LockedFile&) = delete;
  LockedFile& operator=(const LockedFile&) = delete;
  int fd() const { return fd_; }
  // Closes now; false (errno set) when the close reported an error.
  bool Close() {
    int fd = std::exchange(fd_, -1);
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

std::string Errno(const char* what, const std::filesystem::path& path, int err) {
  return absl::StrCat(what, " ", path.string(), ": ", std::strerror(err));
}

// The size of the file once a last line without its newline (left by a
// writer killed mid-write, or by a writer that did not cut back) is
// dropped: the offset just past the last '\n', or 0.
absl::StatusOr<off_t> WholeLinesEnd(int fd, off_t size) {
  char last = '\n';
  if (size == 0) return size;
  if (::pread(fd, &last, 1, size - 1) != 1) return absl::InternalError(std::strerror(errno));
  if (last == '\n') return size;
  char buffer[64 * 1024];
  off_t end = size;
  while (end > 0) {
    const off_t n = std::min<off_t>(end, sizeof(buffer));
    ssize_t got = ::pread(fd, buffer, static_cast<size_t>(n), end - n);
    if (got != n) return absl::InternalError(got < 0 ? std::strerror(errno) : "short read");
    for (off_t i = n; i > 0; --i) {
      if (buffer[i - 1] == '\n') return end - n + i;
    }
    end -= n;
  }
  return 0;
}

}  // namespace

JsonlSink::JsonlSink(std::filesystem::path path, JsonlRotation rotation)
    : path_(std::move(path)), rotation_(rotation) {}

std::filesystem::path JsonlSink::RotatedPath(const std::filesystem::path& path, int n) {
  return std::filesystem::path(absl::StrCat(path.string(), ".", n));
}

SinkAnswer JsonlSink::Send(std::span<const BuildEvent> batch, absl::Time deadline) {
  (void)deadline;  // a local append waits only on other fops processes' appends
  std::string lines;
  for (const BuildEvent& event : batch) {
    lines += DumpJson(event.ToJson());
    lines += '\n';
  }
  SinkAnswer answer;
  answer.kind = SinkAnswer::Kind::kRejected;
  std::error_code ec;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec) {
    answer.message = absl::StrCat("creating ", path_.parent_path().string(), ": ", ec.message());
    return answer;
  }
  // A few rounds at most: one that rotates, one that finds the file another
  // process rotated while this one waited for the lock.
  for (int round = 0; round < 8; ++round) {
    LockedFile file(::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (file.fd() < 0) {
      answer.message = Errno("opening", path_, errno);
      return answer;
    }
    while (::flock(file.fd(), LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      answer.message = Errno("locking", path_, errno);
      return answer;
    }
    // Another writer may have rotated the file between this open and the
    // lock: then this descriptor is `.1`'s, and the path is a new file.
    struct stat held {};
    struct stat named {};
    if (::fstat(file.fd(), &held) != 0) {
      answer.message = Errno("reading", path_, errno);
      return answer;
    }
    if (::stat(path_.c_str(), &named) != 0 || named.st_ino != held.st_ino ||
        named.st_dev != held.st_dev) {
      continue;
    }
    absl::StatusOr<off_t> size = WholeLinesEnd(file.fd(), held.st_size);
    if (!size.ok()) {
      answer.message = absl::StrCat("reading ", path_.string(), ": ", size.status().message());
      return answer;
    }
    if (*size != held.st_size && ::ftruncate(file.fd(), *size) != 0) {
      answer.message = Errno("cutting a torn line from", path_, errno);
      return answer;
    }
    if (*size > 0 && static_cast<uint64_t>(*size) + lines.size() > rotation_.max_bytes) {
      // Oldest first, so each rename has a free name; the file itself last,
      // while its lock keeps every other writer waiting on it.
      for (int n = rotation_.keep; n >= 2; --n) {
        if (::rename(RotatedPath(path_, n - 1).c_str(), RotatedPath(path_, n).c_str()) != 0 &&
            errno != ENOENT) {
          answer.message = Errno("rotating", RotatedPath(path_, n - 1), errno);
          return answer;
        }
      }
      const int moved = rotation_.keep > 0 ? ::rename(path_.c_str(), RotatedPath(path_, 1).c_str())
                                           : ::unlink(path_.c_str());
      if (moved != 0) {
        answer.message = Errno("rotating", path_, errno);
        return answer;
      }
      continue;
    }
    size_t written = 0;
    while (written < lines.size()) {
      ssize_t n = ::write(file.fd(), lines.data() + written, lines.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        answer.message = Errno("writing", path_, errno);
        // Nothing half-written: the file ends where this batch began.
        if (written > 0) (void)!::ftruncate(file.fd(), *size);
        return answer;
      }
      written += static_cast<size_t>(n);
    }
    if (!file.Close()) {
      answer.message = Errno("closing", path_, errno);
      return answer;
    }
    return SinkAnswer::Delivered();
  }
  answer.message = absl::StrCat("writing ", path_.string(),
                                ": other processes kept rotating it; the batch was not written");
  return answer;
}

}  // namespace fops
