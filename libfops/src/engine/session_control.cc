#include "fops/engine/session_control.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <memory>
#include <cstring>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "fops/base/errno_text.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"
#include "fops/exec/wakeup.h"

namespace fops {
namespace {

constexpr char kSocketName[] = "session.sock";
constexpr size_t kMaxLine = 64 * 1024;
// Answers carry a status snapshot or a batch of log lines.
constexpr size_t kMaxAnswer = 64 * 1024 * 1024;
// How long the session waits for a connected client's request line: one
// stuck client must not keep the next one out for long.
constexpr absl::Duration kRequestTimeout = absl::Seconds(5);

// Closes its descriptor when it goes away.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// A sockaddr_un for `path`. sun_path holds 107 characters plus the NUL; a
// longer path is reached through an O_PATH descriptor of its directory
// (/proc/self/fd/N/session.sock), which bind(2) and connect(2) resolve
// like any other path, so the socket stays where the state lives.
struct UnixAddress {
  sockaddr_un addr{};
  Fd dir;  // held open while the address is in use

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&addr); }
  socklen_t size() const { return sizeof(addr); }
};

absl::StatusOr<UnixAddress> AddressFor(const std::filesystem::path& path) {
  UnixAddress a;
  a.addr.sun_family = AF_UNIX;
  std::string text = path.string();
  if (text.size() >= sizeof(a.addr.sun_path)) {
    const std::string dir = path.parent_path().string();
    a.dir = Fd(open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (a.dir.get() < 0) {
      return absl::UnavailableError(absl::StrCat(dir, ": ", std::strerror(errno)));
    }
    text = absl::StrCat("/proc/self/fd/", a.dir.get(), "/", path.filename().string());
  }
  std::memcpy(a.addr.sun_path, text.c_str(), text.size() + 1);
  return a;
}

// "not_found" for kNotFound: the protocol's spelling of a status code.
std::string CodeName(absl::StatusCode code) {
  return absl::AsciiStrToLower(absl::StatusCodeToString(code));
}

absl::StatusCode CodeFromName(std::string_view name) {
  for (int c = 0; c <= static_cast<int>(absl::StatusCode::kUnauthenticated); ++c) {
    if (CodeName(static_cast<absl::StatusCode>(c)) == ToAbsl(name)) {
      return static_cast<absl::StatusCode>(c);
    }
  }
  return absl::StatusCode::kUnknown;
}

// Reads up to the first newline (not included) before `deadline`.
absl::StatusOr<std::string> ReadLine(int fd, absl::Time deadline, size_t max = kMaxLine) {
  std::string line;
  char buffer[4096];
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return absl::DeadlineExceededError("no answer in time");
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    const int ms = static_cast<int>(
        std::min<int64_t>(absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))), 1 << 30));
    const int r = poll(&p, 1, ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return absl::InternalError(absl::StrCat("poll: ", ErrnoText(errno)));
    if (r == 0) continue;  // the loop re-checks the deadline
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return absl::UnavailableError(absl::StrCat("read: ", ErrnoText(errno)));
    if (n == 0) return line;  // the other side closed: what came is the line
    line.append(buffer, static_cast<size_t>(n));
    if (size_t nl = line.find('\n'); nl != std::string::npos) {
      line.resize(nl);
      return line;
    }
    if (line.size() > max) return absl::InvalidArgumentError("line too long");
  }
}

void SendAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away: nothing to tell it
    text.remove_prefix(static_cast<size_t>(n));
  }
}

// Connects to the socket at `path`; kUnavailable when nobody listens.
absl::StatusOr<Fd> Connect(const std::filesystem::path& path) {
  absl::StatusOr<UnixAddress> address = AddressFor(path);
  if (!address.ok()) return address.status();
  Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return absl::InternalError(absl::StrCat("socket: ", ErrnoText(errno)));
  int r;
  do {
    r = connect(fd.get(), address->get(), address->size());
  } while (r < 0 && errno == EINTR);
  if (r < 0) return absl::UnavailableError(absl::StrCat(path.string(), ": ", ErrnoText(errno)));
  return fd;
}

}  // namespace

std::filesystem::path SessionSocketPath(const std::filesystem::path& state_dir) {
  return state_dir / kSocketName;
}

class SessionControl::Impl {
 public:
  Impl(Engine& engine, const StatusBoard* board, std::filesystem::path path, Fd listener,
       UnixAddress address)
      : engine_(engine), board_(board), path_(std::move(path)), listener_(std::move(listener)),
        address_(std::move(address)) {
    struct stat st{};
    if (stat(path_.c_str(), &st) == 0) {
      inode_ = st.st_ino;
      device_ = st.st_dev;
    }
    thread_ = std::thread([this] { Serve(); });
  }

  ~Impl() { Close(); }

  void Close() {
    if (!thread_.joinable()) return;
    closing_.store(true);
    stop_.Notify();
    thread_.join();
    if (board_ != nullptr) board_->Poke();
    for (std::thread& t : clients_) t.join();
    clients_.clear();
    listener_.Reset();
    // Only our own socket: a later session may have replaced it.
    struct stat st{};
    if (stat(path_.c_str(), &st) == 0 && st.st_ino == inode_ && st.st_dev == device_) {
      unlink(path_.c_str());
    }
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  void Serve() {
    // Signals belong to the thread that runs the engine (its handlers stop
    // the session); this thread only answers requests.
    sigset_t block;
    sigfillset(&block);
    pthread_sigmask(SIG_BLOCK, &block, nullptr);
    while (true) {
      pollfd p[2] = {{.fd = listener_.get(), .events = POLLIN, .revents = 0},
                     {.fd = stop_.fd(), .events = POLLIN, .revents = 0}};
      const int r = poll(p, 2, -1);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 || (p[1].revents & POLLIN) != 0) return;
      if ((p[0].revents & POLLIN) == 0) continue;
      Fd client(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (client.get() < 0) continue;
      Reap();
      if (active_.load() >= kMaxClients) {
        SendAll(client.get(), "error unavailable too many requests at once; try again\n");
        continue;
      }
      // Its own thread: a `logs` that waits for lines holds up nobody.
      active_.fetch_add(1);
      auto done = std::make_shared<std::atomic<bool>>(false);
      finished_.push_back(done);
      clients_.emplace_back([this, fd = std::make_shared<Fd>(std::move(client)), done] {
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, nullptr);
        Answer(fd->get());
        fd->Reset();
        active_.fetch_sub(1);
        done->store(true);
      });
    }
  }

  // Joins the threads of answered connections.
  void Reap() {
    for (size_t i = 0; i < clients_.size();) {
      if (finished_[i]->load()) {
        clients_[i].join();
        clients_.erase(clients_.begin() + static_cast<std::ptrdiff_t>(i));
        finished_.erase(finished_.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
  }

  void Answer(int client) {
    ucred peer{};
    socklen_t len = sizeof(peer);
    if (getsockopt(client, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || peer.uid != geteuid()) {
      SendAll(client, absl::StrCat("error ", CodeName(absl::StatusCode::kPermissionDenied),
                                    " this session belongs to uid ", geteuid(), "\n"));
      return;
    }
    absl::StatusOr<std::string> request = ReadLine(client, absl::Now() + kRequestTimeout);
    absl::StatusOr<std::string> answer =
        request.ok() ? Handle(*request) : absl::StatusOr<std::string>(request.status());
    std::string line = answer.ok()
                           ? absl::StrCat("ok ", *answer)
                           : absl::StrCat("error ", CodeName(answer.status().code()), " ",
                                          answer.status().message());
    // One line, whatever the message holds.
    for (char& c : line) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    SendAll(client, line + "\n");
  }

  absl::StatusOr<std::string> Handle(std::string_view request) {
    std::vector<std::string> words =
        absl::StrSplit(absl::StripAsciiWhitespace(ToAbsl(request)), ' ', absl::SkipEmpty());
    const std::string verb = words.empty() ? "" : words[0];
    if (verb == "status") {
      if (board_ == nullptr) return absl::FailedPreconditionError("this session keeps no status");
      return board_->SnapshotJson();
    }
    if (verb == "logs") return Logs({words.begin() + 1, words.end()});
    if (verb == "enable" || verb == "disable") {
      if (words.size() != 2) {
        return absl::InvalidArgumentError(absl::StrCat(verb, ": name one resource"));
      }
      FOPS_RETURN_IF_ERROR(engine_.SetEnabled(words[1], verb == "enable"));
      return absl::StrCat(verb, "d ", words[1]);
    }
    if (verb != "trigger") {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown request '", verb,
                       "'; expected: trigger NAME..., enable NAME, disable NAME, status, "
                       "logs [NAME] [after=N] [wait=S]"));
    }
    words.erase(words.begin());
    if (words.empty()) return absl::InvalidArgumentError("trigger: no resource named");
    // All or none: check every name before queueing any.
    std::vector<std::string> unknown;
    const std::vector<std::string> defined = engine_.ResourceNames();  // a reload may change them
    for (const std::string& name : words) {
      const bool found = std::find(defined.begin(), defined.end(), name) != defined.end();
      if (!found) unknown.push_back(name);
    }
    if (!unknown.empty()) {
      // The engine's own words for each ("unknown resource 'apii' (did you
      // mean 'api'?)"), then once the names it knows.
      std::vector<std::string> problems;
      std::string defined;
      for (const std::string& name : unknown) {
        const absl::Status status = engine_.Trigger(name);
        const std::string message(status.message());
        const size_t at = message.find("; defined: ");
        problems.push_back(message.substr(0, at));
        if (at != std::string::npos) defined = message.substr(at);
      }
      return absl::NotFoundError(absl::StrCat(absl::StrJoin(problems, "; "), defined));
    }
    for (const std::string& name : words) {
      absl::Status status = engine_.Trigger(name);
      if (!status.ok()) return status;
    }
    return absl::StrCat("triggered ", absl::StrJoin(words, ", "));
  }

  // `logs [NAME] [after=N] [wait=S]`.
  absl::StatusOr<std::string> Logs(const std::vector<std::string>& args) {
    if (board_ == nullptr) return absl::FailedPreconditionError("this session keeps no logs");
    std::string name;
    uint64_t after = 0;
    double wait = 0;
    for (const std::string& arg : args) {
      absl::string_view value = arg;
      if (absl::ConsumePrefix(&value, "after=")) {
        if (!absl::SimpleAtoi(value, &after)) {
          return absl::InvalidArgumentError(absl::StrCat("logs: after=", value, " is not a number"));
        }
      } else if (absl::ConsumePrefix(&value, "wait=")) {
        if (!absl::SimpleAtod(value, &wait) || wait < 0) {
          return absl::InvalidArgumentError(absl::StrCat("logs: wait=", value, " is not seconds"));
        }
      } else if (name.empty()) {
        name = arg;
      } else {
        return absl::InvalidArgumentError(absl::StrCat("logs: unexpected '", arg, "'"));
      }
    }
    const absl::Time deadline = absl::Now() + absl::Seconds(std::min(wait, kMaxLogsWait));
    while (true) {
      const uint64_t version = board_->version();
      absl::StatusOr<std::string> answer = board_->LogsJson(name, after, kLogsPerAnswer);
      if (!answer.ok() || absl::StrContains(*answer, "\"seq\":") || board_->finished() ||
          closing_.load() || absl::Now() >= deadline) {
        return answer;
      }
      board_->WaitForChange(version, std::min(deadline - absl::Now(), absl::Milliseconds(500)));
    }
  }

  static constexpr int kMaxClients = 32;
  static constexpr double kMaxLogsWait = 30;
  static constexpr size_t kLogsPerAnswer = 2000;

  Engine& engine_;
  const StatusBoard* board_;
  std::filesystem::path path_;
  Fd listener_;
  UnixAddress address_;  // keeps a long path's directory descriptor open
  ino_t inode_ = 0;
  dev_t device_ = 0;
  Wakeup stop_;
  std::atomic<bool> closing_{false};
  std::atomic<int> active_{0};
  std::vector<std::thread> clients_;  // one per connection being answered
  std::vector<std::shared_ptr<std::atomic<bool>>> finished_;  // set when its thread is done
  std::thread thread_;  // last: starts after everything it reads
};

absl::StatusOr<std::unique_ptr<SessionControl>> SessionControl::Start(
    const std::filesystem::path& state_dir, Engine& engine, const StatusBoard* board) {
  const std::filesystem::path path = SessionSocketPath(state_dir);
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(state_dir.string(), ": ", ec.message()));
  if (std::filesystem::is_socket(std::filesystem::symlink_status(path, ec))) {
    if (Connect(path).ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("another fops session already listens on ", path.string()));
    }
    unlink(path.c_str());  // left by a session that died without cleaning up
  }
  absl::StatusOr<UnixAddress> address = AddressFor(path);
  if (!address.ok()) return address.status();
  Fd listener(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) return absl::InternalError(absl::StrCat("socket: ", ErrnoText(errno)));
  if (bind(listener.get(), address->get(), address->size()) != 0) {
    return absl::InternalError(absl::StrCat("binding ", path.string(), ": ", ErrnoText(errno)));
  }
  // Owner only: SO_PEERCRED checks the uid as well, the mode keeps others
  // from even connecting.
  chmod(path.c_str(), 0600);
  if (listen(listener.get(), 16) != 0) {
    unlink(path.c_str());
    return absl::InternalError(absl::StrCat("listening on ", path.string(), ": ", ErrnoText(errno)));
  }
  auto impl =
      std::make_unique<Impl>(engine, board, path, std::move(listener), std::move(*address));
  return std::unique_ptr<SessionControl>(new SessionControl(std::move(impl)));
}

SessionControl::SessionControl(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SessionControl::~SessionControl() = default;
void SessionControl::Close() { impl_->Close(); }
const std::filesystem::path& SessionControl::path() const { return impl_->path(); }

absl::StatusOr<std::string> SendSessionRequest(const std::filesystem::path& state_dir,
                                               std::string_view request,
                                               absl::Duration timeout) {
  const std::filesystem::path path = SessionSocketPath(state_dir);
  absl::StatusOr<Fd> fd = Connect(path);
  if (!fd.ok()) {
    return absl::UnavailableError(absl::StrCat("no fops up session is listening in ",
                                               state_dir.string(), " (", fd.status().message(),
                                               ")"));
  }
  SendAll(fd->get(), absl::StrCat(ToAbsl(request), "\n"));
  absl::StatusOr<std::string> answer = ReadLine(fd->get(), absl::Now() + timeout, kMaxAnswer);
  if (!answer.ok()) {
    return absl::Status(answer.status().code(),
                        absl::StrCat("fops session at ", path.string(), ": ", answer.status().message()));
  }
  absl::string_view line = *answer;
  if (absl::ConsumePrefix(&line, "ok")) return std::string(absl::StripLeadingAsciiWhitespace(line));
  if (absl::ConsumePrefix(&line, "error ")) {
    const size_t space = line.find(' ');
    const std::string code(line.substr(0, space));
    const std::string message(space == absl::string_view::npos ? "" : line.substr(space + 1));
    return absl::Status(CodeFromName(code), message);
  }
  return absl::InternalError(absl::StrCat("fops session at ", path.string(),
                                          ": unexpected answer '", std::string(line), "'"));
}

absl::StatusOr<std::string> RequestTrigger(const std::filesystem::path& state_dir,
                                           const std::vector<std::string>& names,
                                           absl::Duration timeout) {
  if (names.empty()) return absl::InvalidArgumentError("trigger: no resource named");
  for (const std::string& name : names) {
    if (name.empty() || std::any_of(name.begin(), name.end(), [](unsigned char c) {
          return absl::ascii_isspace(c);
        })) {
      return absl::InvalidArgumentError(
          absl::StrCat("trigger: '", name, "' is not a resource name (empty or with whitespace)"));
    }
  }
  return SendSessionRequest(state_dir, absl::StrCat("trigger ", absl::StrJoin(names, " ")),
                            timeout);
}

}  // namespace fops
