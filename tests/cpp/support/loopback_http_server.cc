#include "support/loopback_http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "fops/base/string_view.h"

namespace fops::testing {
namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;

std::string_view Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
  }
}

std::optional<std::string> FindHeader(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, ToAbsl(name))) return value;
  }
  return std::nullopt;
}

// One connection's socket plus the server's wake pipe: reads block until
// data arrives or the server stops.
class Connection {
 public:
  Connection(int fd, int wake_fd) : fd_(fd), wake_fd_(wake_fd) {}
  ~Connection() { ::close(fd_); }

  // Appends what arrives to buffer_; false on EOF, error or stop.
  bool Fill() {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    while (true) {
      int n = ::poll(fds, 2, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || (fds[1].revents & POLLIN)) return false;
      break;
    }
    char chunk[16384];
    ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(got));
    return true;
  }

  // Takes everything up to and including `delimiter`; nullopt on EOF/stop
  // or when more than `limit` bytes arrive without it.
  std::optional<std::string> ReadUntil(std::string_view delimiter, size_t limit) {
    while (true) {
      size_t at = buffer_.find(delimiter);
      if (at != std::string::npos) {
        std::string out = buffer_.substr(0, at + delimiter.size());
        buffer_.erase(0, at + delimiter.size());
        return out;
      }
      if (buffer_.size() > limit || !Fill()) return std::nullopt;
    }
  }

  std::optional<std::string> ReadExactly(size_t count) {
    while (buffer_.size() < count) {
      if (!Fill()) return std::nullopt;
    }
    std::string out = buffer_.substr(0, count);
    buffer_.erase(0, count);
    return out;
  }

  bool WriteAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Waits `delay` unless the server stops first; false when it stopped.
  bool Sleep(absl::Duration delay) {
    absl::Time until = absl::Now() + delay;
    while (true) {
      absl::Duration left = until - absl::Now();
      if (left <= absl::ZeroDuration()) return true;
      pollfd wake = {wake_fd_, POLLIN, 0};
      int n = ::poll(&wake, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
      if (n > 0) return false;
    }
  }

 private:
  int fd_;
  int wake_fd_;
  std::string buffer_;
};

// Parses one request off `conn`; nullopt on EOF or a malformed request.
std::optional<LoopbackHttpServer::Request> ReadRequest(Connection& conn, bool* keep_alive) {
  std::optional<std::string> head = conn.ReadUntil("\r\n\r\n", kMaxHeaderBytes);
  if (!head) return std::nullopt;
  std::vector<absl::string_view> lines =
      absl::StrSplit(absl::string_view(*head).substr(0, head->size() - 4), "\r\n");
  std::vector<absl::string_view> first = absl::StrSplit(lines[0], ' ');
  if (first.size() != 3 || !absl::StartsWith(first[2], "HTTP/1.")) return std::nullopt;

  LoopbackHttpServer::Request req;
  req.method = std::string(first[0]);
  absl::string_view target = first[1];
  size_t question = target.find('?');
  req.path = std::string(target.substr(0, question));
  if (question != absl::string_view::npos) req.query = std::string(target.substr(question + 1));
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) return std::nullopt;
    req.headers.emplace_back(absl::AsciiStrToLower(lines[i].substr(0, colon)),
                             std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
  }

  std::string connection = absl::AsciiStrToLower(FindHeader(req.headers, "connection").value_or(""));
  *keep_alive = first[2] == "HTTP/1.1" ? connection != "close" : connection == "keep-alive";

  std::string encoding =
      absl::AsciiStrToLower(FindHeader(req.headers, "transfer-encoding").value_or(""));
  if (encoding == "chunked") {
    while (true) {
      std::optional<std::string> size_line = conn.ReadUntil("\r\n", 1024);
      if (!size_line) return std::nullopt;
      uint64_t size = 0;
      absl::string_view hex = absl::StripAsciiWhitespace(
          absl::string_view(*size_line).substr(0, size_line->find(';')));
      if (!absl::SimpleHexAtoi(hex, &size)) return std::nullopt;
      if (size == 0) {
        // Trailers, if any, end with an empty line.
        while (true) {
          std::optional<std::string> trailer = conn.ReadUntil("\r\n", kMaxHeaderBytes);
          if (!trailer) return std::nullopt;
          if (*trailer == "\r\n") break;
        }
        break;
      }
      std::optional<std::string> data = conn.ReadExactly(size + 2);
      if (!data) return std::nullopt;
      req.body.append(*data, 0, size);
    }
  } else if (std::optional<std::string> length = FindHeader(req.headers, "content-length")) {
    size_t size = 0;
    if (!absl::SimpleAtoi(*length, &size)) return std::nullopt;
    std::optional<std::string> body = conn.ReadExactly(size);
    if (!body) return std::nullopt;
    req.body = std::move(*body);
  }
  return req;
}

std::string RenderResponse(const LoopbackHttpServer::Response& resp, bool keep_alive,
                           bool head_only) {
  std::string out = absl::StrCat("HTTP/1.1 ", resp.status, " ", ToAbsl(Reason(resp.status)), "\r\n");
  for (const auto& [name, value] : resp.headers) absl::StrAppend(&out, name, ": ", value, "\r\n");
  if (!FindHeader(resp.headers, "content-length")) {
    absl::StrAppend(&out, "Content-Length: ", resp.body.size(), "\r\n");
  }
  if (!keep_alive) absl::StrAppend(&out, "Connection: close\r\n");
  absl::StrAppend(&out, "\r\n");
  if (!head_only) absl::StrAppend(&out, resp.body);
  return out;
}

}  // namespace

std::optional<std::string> LoopbackHttpServer::Request::header(std::string_view name) const {
  return FindHeader(headers, name);
}

class LoopbackHttpServer::Impl {
 public:
  explicit Impl(Handler handler) : handler_(std::move(handler)) {
    if (::pipe2(wake_, O_CLOEXEC) != 0) {
      status_ = absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
      return;
    }
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      status_ = absl::UnavailableError(absl::StrCat("listening on 127.0.0.1: ", std::strerror(errno)));
      return;
    }
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~Impl() {
    if (wake_[1] >= 0) {
      char byte = 1;
      (void)!::write(wake_[1], &byte, 1);  // stays readable: every poller wakes
    }
    if (accept_thread_.joinable()) accept_thread_.join();
    std::vector<std::thread> threads;
    {
      absl::MutexLock lock(&mu_);
      threads.swap(connection_threads_);
    }
    for (std::thread& t : threads) t.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    for (int fd : wake_) {
      if (fd >= 0) ::close(fd);
    }
  }

  absl::Status status() const { return status_; }
  int port() const { return port_; }

  void SetHandler(Handler handler) {
    absl::MutexLock lock(&mu_);
    handler_ = std::move(handler);
  }

  std::vector<Request> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

  bool WaitForRequests(size_t count, absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    auto arrived = [this, count]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return requests_.size() >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
  }

 private:
  void AcceptLoop() {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    while (true) {
      int n = ::poll(fds, 2, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || (fds[1].revents & POLLIN)) return;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      absl::MutexLock lock(&mu_);
      connection_threads_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    Connection conn(fd, wake_[0]);
    bool keep_alive = true;
    while (keep_alive) {
      std::optional<Request> req = ReadRequest(conn, &keep_alive);
      if (!req) return;
      Handler handler;
      {
        absl::MutexLock lock(&mu_);
        requests_.push_back(*req);
        handler = handler_;
      }
      Response resp = handler ? handler(*req) : Response{.status = 404};
      if (resp.delay > absl::ZeroDuration() && !conn.Sleep(resp.delay)) return;
      if (resp.drop) return;
      if (!conn.WriteAll(RenderResponse(resp, keep_alive, req->method == "HEAD"))) return;
    }
  }

  mutable absl::Mutex mu_;
  Handler handler_ ABSL_GUARDED_BY(mu_);
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> connection_threads_ ABSL_GUARDED_BY(mu_);
  absl::Status status_;
  int wake_[2] = {-1, -1};
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread accept_thread_;
};

LoopbackHttpServer::LoopbackHttpServer(Handler handler)
    : impl_(std::make_unique<Impl>(std::move(handler))) {}
LoopbackHttpServer::~LoopbackHttpServer() = default;
absl::Status LoopbackHttpServer::status() const { return impl_->status(); }
int LoopbackHttpServer::port() const { return impl_->port(); }
std::string LoopbackHttpServer::Url(std::string_view path_and_query) const {
  return absl::StrCat("http://127.0.0.1:", impl_->port(), ToAbsl(path_and_query));
}
void LoopbackHttpServer::SetHandler(Handler handler) { impl_->SetHandler(std::move(handler)); }
std::vector<LoopbackHttpServer::Request> LoopbackHttpServer::requests() const {
  return impl_->requests();
}
bool LoopbackHttpServer::WaitForRequests(size_t count, absl::Duration timeout) const {
  return impl_->WaitForRequests(count, timeout);
}

}  // namespace fops::testing
