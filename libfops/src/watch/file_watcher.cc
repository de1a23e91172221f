#include "fops/watch/file_watcher.h"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "fops/exec/wakeup.h"
#include "fops/watch/ignore_matcher.h"

namespace fops {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kWatchMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE |
                                IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF |
                                IN_MOVE_SELF | IN_EXCL_UNLINK | IN_ONLYDIR;

// `path` is `base` or lies under it, comparing whole components.
bool IsWithin(const fs::path& path, const fs::path& base) {
  auto p = path.begin();
  for (auto b = base.begin(); b != base.end(); ++b) {
    if (b->empty()) continue;  // a trailing separator
    if (p == path.end() || *p != *b) return false;
    ++p;
  }
  return true;
}

bool HasStateComponent(const fs::path& path) {
  for (const fs::path& part : path) {
    if (part == ".git" || part == ".fops") return true;
  }
  return false;
}

std::vector<std::string> Paths(const std::vector<FileChange>& changes) {
  std::vector<std::string> out;
  out.reserve(changes.size());
  for (const FileChange& c : changes) out.push_back(c.path);
  return out;
}

absl::Status WatchError(int err, const fs::path& dir) {
  if (err == ENOSPC || err == EMFILE) {
    return absl::ResourceExhaustedError(
        absl::StrCat("watching '", dir.string(), "': inotify limit reached (",
                     std::strerror(err), "); raise fs.inotify.max_user_watches"));
  }
  return absl::InternalError(absl::StrCat("watching '", dir.string(), "': ", std::strerror(err)));
}

}  // namespace

class FileWatcher::Impl {
 public:
  Impl(FileWatcherOptions options, IgnoreMatcher matcher)
      : options_(std::move(options)), matcher_(std::move(matcher)) {}

  ~Impl() {
    stop_.Notify();
    if (thread_.joinable()) thread_.join();
    if (inotify_fd_ >= 0) ::close(inotify_fd_);
  }

  absl::Status Start(const std::vector<fs::path>& paths) {
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0) {
      int err = errno;
      if (err == EMFILE) {
        return absl::ResourceExhaustedError(
            "inotify instance limit reached; raise fs.inotify.max_user_instances");
      }
      return absl::InternalError(absl::StrCat("inotify_init: ", std::strerror(err)));
    }
    for (const fs::path& path : paths) {
      fs::path absolute = path.is_absolute() ? path : options_.root / path;
      roots_.push_back(absolute.lexically_normal());
    }
    for (const fs::path& root : roots_) {
      absl::Status status = Resolve(root, /*report=*/nullptr);
      if (!status.ok()) return status;
    }
    thread_ = std::thread([this] { Loop(); });
    return absl::OkStatus();
  }

  int fd() const { return ready_signal_.fd(); }

  std::vector<FileChange> ReadFileChanges() {
    ready_signal_.Consume();
    absl::MutexLock lock(&mu_);
    std::vector<FileChange> out;
    out.reserve(ready_.size());
    for (auto& [path, change] : ready_) out.push_back(std::move(change));
    ready_.clear();
    return out;
  }

  std::vector<FileChange> Wait(absl::Time deadline) {
    while (true) {
      std::vector<FileChange> changes = ReadFileChanges();
      if (!changes.empty()) return changes;
      if (!ready_signal_.WaitUntil(deadline)) return ReadFileChanges();
    }
  }

  absl::Status status() const {
    absl::MutexLock lock(&mu_);
    return error_;
  }

  size_t watch_count() const { return watch_count_.load(); }

 private:
  bool Ignored(const fs::path& path) const {
    if (HasStateComponent(path)) return true;
    if (!options_.state_dir.empty() && IsWithin(path, options_.state_dir)) return true;
    return matcher_.Matches(path);
  }

  // A directory we should never descend into (nor watch).
  bool SkipDirectory(const fs::path& dir) const {
    if (HasStateComponent(dir)) return true;
    if (!options_.state_dir.empty() && IsWithin(dir, options_.state_dir)) return true;
    return matcher_.Matches(dir) && matcher_.CanSkipDirectory(dir);
  }

  bool UnderDirectoryRoot(const fs::path& path) const {
    for (const fs::path& root : roots_) {
      std::error_code ec;
      if (IsWithin(path, root) && fs::is_directory(root, ec)) return true;
    }
    return false;
  }

  bool Wanted(const fs::path& path) const {
    if (Ignored(path)) return false;
    return std::any_of(roots_.begin(), roots_.end(),
                       [&](const fs::path& root) { return IsWithin(path, root); });
  }

  absl::Status AddWatch(const fs::path& dir) {
    int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(), kWatchMask);
    if (wd < 0) {
      if (errno == ENOENT || errno == ENOTDIR || errno == EACCES) return absl::OkStatus();  // gone
      return WatchError(errno, dir);
    }
    watches_[wd] = dir;
    watch_count_.store(watches_.size());
    return absl::OkStatus();
  }

  // Watches `dir` and every directory below it. With `report`, files found
  // are reported too: they may have been written before the watch existed.
  absl::Status AddTree(const fs::path& dir, std::set<std::string>* report) {
    if (SkipDirectory(dir)) return absl::OkStatus();
    absl::Status status = AddWatch(dir);
    if (!status.ok()) return status;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const fs::path& path = it->path();
      std::error_code type_ec;
      if (it->is_directory(type_ec) && !it->is_symlink(type_ec)) {
        if (SkipDirectory(path)) {
          it.disable_recursion_pending();
          continue;
        }
        status = AddWatch(path);
        if (!status.ok()) return status;
      }
      if (report != nullptr && Wanted(path)) report->insert(path.string());
    }
    return absl::OkStatus();
  }

  // Watches what `root` needs: its tree when it is a directory, else its
  // nearest existing ancestor, where its creation will show up.
  absl::Status Resolve(const fs::path& root, std::set<std::string>* report) {
    std::error_code ec;
    if (fs::is_directory(root, ec)) return AddTree(root, report);
    fs::path dir = root.parent_path();
    while (!dir.empty() && !fs::is_directory(dir, ec) && dir != dir.parent_path()) {
      dir = dir.parent_path();
    }
    if (dir.empty()) return absl::OkStatus();
    // Watch, then look: a directory or the root created before its parent's
    // watch existed is found by looking (`mkdir -p gen/out && touch
    // gen/out/x` can finish before the first event is read), what comes
    // after shows up as an event.
    while (true) {
      if (absl::Status s = AddWatch(dir); !s.ok()) return s;
      const fs::path next = dir / *root.lexically_relative(dir).begin();
      if (next == root || !fs::is_directory(next, ec)) break;
      dir = next;
    }
    if (fs::is_directory(root, ec)) return AddTree(root, report);
    if (report != nullptr && fs::exists(root, ec) && Wanted(root)) report->insert(root.string());
    return absl::OkStatus();
  }

  // Records what `event` changed; false when it touched nothing we report.
  bool HandleEvent(const inotify_event& event, std::set<std::string>& changed) {
    if (event.mask & IN_Q_OVERFLOW) {
      // Events were lost: everything may have changed. Re-walk and report
      // every root, the conservative answer.
      for (const fs::path& root : roots_) {
        RecordError(Resolve(root, nullptr));
        if (!Ignored(root)) changed.insert(root.string());
      }
      return true;
    }
    auto it = watches_.find(event.wd);
    if (it == watches_.end()) return false;
    if (event.mask & IN_IGNORED) {
      watches_.erase(it);
      watch_count_.store(watches_.size());
      return false;
    }
    fs::path path = event.len > 0 ? it->second / event.name : it->second;
    bool is_dir = (event.mask & IN_ISDIR) != 0;

    if (is_dir && (event.mask & IN_MOVED_FROM)) {
      // The tree now lives elsewhere; its watches would report wrong paths.
      for (auto w = watches_.begin(); w != watches_.end();) {
        if (IsWithin(w->second, path)) {
          ::inotify_rm_watch(inotify_fd_, w->first);
          w = watches_.erase(w);
        } else {
          ++w;
        }
      }
      watch_count_.store(watches_.size());
    }
    if (is_dir && (event.mask & (IN_CREATE | IN_MOVED_TO))) {
      if (UnderDirectoryRoot(path)) {
        RecordError(AddTree(path, &changed));
      }
      // A directory on the way to a root that did not exist yet.
      for (const fs::path& root : roots_) {
        if (IsWithin(root, path)) RecordError(Resolve(root, &changed));
      }
    }
    if (event.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
      // A watched directory went away (or its watch now follows it
      // elsewhere): watch the nearest ancestor of any root inside it, so
      // the root is seen when it comes back.
      if (event.mask & IN_MOVE_SELF) {
        ::inotify_rm_watch(inotify_fd_, event.wd);
        watches_.erase(event.wd);
        watch_count_.store(watches_.size());
      }
      for (const fs::path& root : roots_) {
        if (IsWithin(root, path)) RecordError(Resolve(root, nullptr));
      }
    }
    if (!Wanted(path)) return false;
    changed.insert(path.string());
    return true;
  }

  void RecordError(absl::Status status) {
    if (status.ok()) return;
    absl::MutexLock lock(&mu_);
    if (error_.ok()) error_ = std::move(status);
  }

  // Drains inotify into `pending`, each path stamped with the time of its
  // latest change (see FileChange); true when any event touched something
  // we report.
  bool ReadEvents(std::map<std::string, FileChange>& pending, absl::Time now) {
    alignas(inotify_event) char buf[64 * 1024];
    // Files found while adding watches count too, not only the events.
    std::set<std::string> changed;
    bool any = false;
    while (true) {
      ssize_t n = ::read(inotify_fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      for (char* p = buf; p < buf + n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(p);
        any = HandleEvent(*event, changed) || any;
        p += sizeof(inotify_event) + event->len;
      }
    }
    for (const std::string& path : changed) {
      struct stat st;
      if (::lstat(path.c_str(), &st) == 0) {
        pending[path] = FileChange{path, absl::TimeFromTimespec(st.st_mtim), true};
      } else {
        pending[path] = FileChange{path, now, false};
      }
    }
    return any || !changed.empty();
  }

  void Publish(std::map<std::string, FileChange>& pending) {
    {
      absl::MutexLock lock(&mu_);
      for (auto& [path, change] : pending) ready_[path] = std::move(change);
    }
    pending.clear();
    ready_signal_.Notify();
    if (options_.on_changes) options_.on_changes();
  }

  void Loop() {
    std::map<std::string, FileChange> pending;
    absl::Time first_event = absl::InfiniteFuture();
    absl::Time last_event = absl::InfiniteFuture();
    while (true) {
      int timeout_ms = -1;
      if (!pending.empty()) {
        absl::Time due = std::min(last_event + options_.debounce, first_event + options_.max_delay);
        absl::Duration left = std::max(due - absl::Now(), absl::ZeroDuration());
        timeout_ms = static_cast<int>(
            absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
      }
      pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_.fd(), POLLIN, 0}};
      int n = ::poll(fds, 2, timeout_ms);
      if (n < 0 && errno != EINTR) {
        RecordError(absl::InternalError(absl::StrCat("poll: ", std::strerror(errno))));
        return;
      }
      if (fds[1].revents & POLLIN) return;
      // Only events we report keep a batch open: noise in .git/ or in
      // ignored files must not postpone a rebuild.
      if (n > 0 && (fds[0].revents & POLLIN) && ReadEvents(pending, absl::Now())) {
        absl::Time now = absl::Now();
        if (first_event == absl::InfiniteFuture()) first_event = now;
        last_event = now;
      }
      if (pending.empty()) {
        first_event = last_event = absl::InfiniteFuture();
        continue;
      }
      absl::Time now = absl::Now();
      if (now >= last_event + options_.debounce || now >= first_event + options_.max_delay) {
        Publish(pending);
        first_event = last_event = absl::InfiniteFuture();
      }
    }
  }

  FileWatcherOptions options_;
  IgnoreMatcher matcher_;
  std::vector<fs::path> roots_;
  int inotify_fd_ = -1;
  std::unordered_map<int, fs::path> watches_;  // watcher thread only (after Start)
  std::atomic<size_t> watch_count_{0};
  Wakeup ready_signal_;  // readable while ready_ holds a batch
  Wakeup stop_;
  mutable absl::Mutex mu_;
  std::map<std::string, FileChange> ready_ ABSL_GUARDED_BY(mu_);
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

absl::StatusOr<std::unique_ptr<FileWatcher>> FileWatcher::Create(
    const std::vector<std::filesystem::path>& paths, FileWatcherOptions options) {
  if (options.root.empty()) {
    std::error_code ec;
    options.root = fs::current_path(ec);
    if (ec) return absl::InternalError(absl::StrCat("current directory: ", ec.message()));
  }
  options.root = fs::absolute(options.root).lexically_normal();
  if (!options.state_dir.empty()) {
    options.state_dir = (options.state_dir.is_absolute() ? options.state_dir
                                                         : options.root / options.state_dir)
                            .lexically_normal();
  }
  if (options.debounce < absl::ZeroDuration()) options.debounce = absl::ZeroDuration();
  if (options.max_delay < options.debounce) options.max_delay = options.debounce;
  absl::StatusOr<IgnoreMatcher> matcher = IgnoreMatcher::Create(options.root, options.ignore);
  if (!matcher.ok()) return matcher.status();
  auto impl = std::make_unique<Impl>(std::move(options), *std::move(matcher));
  absl::Status started = impl->Start(paths);
  if (!started.ok()) return started;
  return std::unique_ptr<FileWatcher>(new FileWatcher(std::move(impl)));
}

FileWatcher::FileWatcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FileWatcher::~FileWatcher() = default;
int FileWatcher::fd() const { return impl_->fd(); }
std::vector<std::string> FileWatcher::ReadChanges() { return Paths(impl_->ReadFileChanges()); }
std::vector<FileChange> FileWatcher::ReadFileChanges() { return impl_->ReadFileChanges(); }
std::vector<std::string> FileWatcher::Wait(absl::Time deadline) {
  return Paths(impl_->Wait(deadline));
}
absl::Status FileWatcher::status() const { return impl_->status(); }
size_t FileWatcher::watch_count() const { return impl_->watch_count(); }

}  // namespace fops
