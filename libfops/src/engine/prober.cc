// The real prober: HTTP through the libcurl client, TCP by connecting,
// exec by running the command in its own process group (a ProcessExecutor
// per attempt, so a hung probe is killed with its children at the timeout).
#include "fops/engine/prober.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fops/base/errno_text.h"
#include "fops/base/format_duration.h"
#include "fops/exec/run_command.h"
#include "fops/net/http_client.h"

namespace fops {
namespace {

absl::Status CheckTcp(const std::string& host, int port, absl::Duration timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &addresses); rc != 0) {
    return absl::UnavailableError(absl::StrCat("resolving ", host, ": ", gai_strerror(rc)));
  }
  const absl::Time deadline = absl::Now() + timeout;
  std::string last_error = "no address";
  absl::StatusCode last_code = absl::StatusCode::kUnavailable;
  for (addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = ErrnoText(errno);
      continue;
    }
    int err = 0;
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
        const int64_t ms = std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now()));
        int r;
        do {
          r = poll(&p, 1, static_cast<int>(std::min<int64_t>(ms, 1 << 30)));
        } while (r < 0 && errno == EINTR);
        if (r == 0) {
          err = ETIMEDOUT;
          last_code = absl::StatusCode::kDeadlineExceeded;
        } else {
          socklen_t len = sizeof(err);
          getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        }
      }
    }
    close(fd);
    if (err == 0) {
      freeaddrinfo(addresses);
      return absl::OkStatus();
    }
    last_error = err == ETIMEDOUT ? absl::StrCat("no connection within ", DurationToString(timeout))
                                  : ErrnoText(err);
  }
  freeaddrinfo(addresses);
  return absl::Status(last_code, absl::StrCat(host, ":", port, ": ", last_error));
}

absl::Status CheckExec(const ExecAction& exec, absl::Duration timeout) {
  if (exec.command.empty()) return absl::InvalidArgumentError("exec probe without a command");
  absl::StatusOr<CommandOutput> out = RunCommand(
      CommandSpec{.resource = "probe", .argv = exec.command, .timeout = timeout}, /*max_stdout=*/0);
  if (!out.ok()) return out.status();
  const CommandResult& result = out->result;
  if (result.ok()) return absl::OkStatus();
  std::string why = result.kind == ExitKind::kTimedOut
                        ? absl::StrCat("timed out after ", DurationToString(timeout))
                        : result.Describe();
  if (!out->last_error_line.empty()) absl::StrAppend(&why, ": ", out->last_error_line);
  return result.kind == ExitKind::kTimedOut ? absl::DeadlineExceededError(why)
                                            : absl::UnavailableError(why);
}

class RealProber : public Prober {
 public:
  absl::Status Check(const Probe& probe) override {
    if (const auto* http = std::get_if<HttpGetAction>(&probe.action)) return CheckHttp(*http, probe.timeout);
    if (const auto* tcp = std::get_if<TcpSocketAction>(&probe.action)) {
      return CheckTcp(tcp->host, tcp->port, probe.timeout);
    }
    return CheckExec(std::get<ExecAction>(probe.action), probe.timeout);
  }

 private:
  absl::Status CheckHttp(const HttpGetAction& http, absl::Duration timeout) {
    const std::string host = http.host.find(':') != std::string::npos
                                 ? absl::StrCat("[", http.host, "]")  // IPv6 literal
                                 : http.host;
    const std::string path = !http.path.empty() && http.path[0] == '/' ? http.path
                                                                       : "/" + http.path;
    HttpRequest request;
    request.url = absl::StrCat(http.scheme.empty() ? "http" : http.scheme, "://", host, ":",
                               http.port, path);
    request.timeout = timeout;
    // Like Kubernetes: a dev server's self-signed certificate still counts.
    request.verify_tls = false;
    absl::StatusOr<HttpResponse> response = client_->Send(request);
    if (!response.ok()) return response.status();
    if (response->status >= 200 && response->status < 400) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat("HTTP ", response->status));
  }

  std::unique_ptr<HttpClient> client_ = NewCurlHttpClient();
};

}  // namespace

std::unique_ptr<Prober> NewRealProber() { return std::make_unique<RealProber>(); }

}  // namespace fops
