// The real prober against real endpoints: a loopback HTTP server, a
// listening and a closed TCP port, and real processes for exec probes.
#include "fops/engine/prober.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/loopback_http_server.h"
#include "support/tcp_listener.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::LoopbackHttpServer;
using ::fops::testing::StatusIs;
using ::fops::testing::TcpListener;
using ::testing::HasSubstr;

Probe Http(int port, std::string path) {
  Probe p;
  p.action = HttpGetAction{.port = port, .path = std::move(path)};
  return p;
}

TEST(RealProberTest, HttpPassesOn2xxAnd3xxAndNamesOtherStatuses) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request& req) {
    if (req.path == "/healthz") return LoopbackHttpServer::Response{.status = 200, .body = "ok"};
    if (req.path == "/moved") return LoopbackHttpServer::Response{.status = 302};
    return LoopbackHttpServer::Response{.status = 503};
  });
  ASSERT_THAT(server.status(), IsOk());
  auto prober = NewRealProber();
  EXPECT_THAT(prober->Check(Http(server.port(), "/healthz")), IsOk());
  EXPECT_THAT(prober->Check(Http(server.port(), "moved")), IsOk());
  EXPECT_THAT(prober->Check(Http(server.port(), "/starting")),
              StatusIs(absl::StatusCode::kUnavailable, "HTTP 503"));
  EXPECT_EQ(server.requests()[1].path, "/moved");
}

TEST(RealProberTest, HttpToAClosedPortIsUnavailable) {
  TcpListener closed;
  closed.Close();
  EXPECT_THAT(NewRealProber()->Check(Http(closed.port(), "/")),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr(absl::StrCat("GET http://127.0.0.1:", closed.port(), "/: "))));
}

TEST(RealProberTest, HttpAnswerSlowerThanTheTimeoutFails) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request&) {
    return LoopbackHttpServer::Response{.status = 200, .delay = absl::Seconds(5)};
  });
  ASSERT_THAT(server.status(), IsOk());
  Probe p = Http(server.port(), "/");
  p.timeout = absl::Milliseconds(100);
  EXPECT_THAT(NewRealProber()->Check(p), StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("timed out")));
}

// A port that answers, but not in HTTP (an SSH server where the app
// should be): every connection gets a greeting line and is closed.
class NotHttpPort {
 public:
  NotHttpPort() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd_, 8) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (conn < 0 || stopping_) {
          if (conn >= 0) close(conn);
          return;
        }
        constexpr char kGreeting[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
        (void)!write(conn, kGreeting, sizeof kGreeting - 1);
        close(conn);
      }
    });
  }
  ~NotHttpPort() {
    stopping_ = true;
    shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// The probe points at something that is not an HTTP server: not ready, and
// the reason says so (in curl's words).
TEST(RealProberTest, HttpToAPortThatDoesNotSpeakHttpIsNotReady) {
  NotHttpPort ssh;
  ASSERT_GT(ssh.port(), 0);
  EXPECT_THAT(NewRealProber()->Check(Http(ssh.port(), "/healthz")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("GET http://127.0.0.1:", ssh.port(),
                                    "/healthz: Received HTTP/0.9 when not allowed")));
}

TEST(RealProberTest, TcpConnectsOrSaysWhyNot) {
  TcpListener open;
  Probe p;
  p.action = TcpSocketAction{.port = open.port()};
  EXPECT_THAT(NewRealProber()->Check(p), IsOk());
  TcpListener closed;
  closed.Close();
  p.action = TcpSocketAction{.port = closed.port()};
  EXPECT_THAT(NewRealProber()->Check(p),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("connection refused")));
}

TEST(RealProberTest, ExecPassesOnExitZeroAndReportsTheLastLineOtherwise) {
  auto prober = NewRealProber();
  Probe p;
  p.action = ExecAction{.command = {"true"}};
  EXPECT_THAT(prober->Check(p), IsOk());
  p.action = ExecAction{.command = {"sh", "-c", "echo checking; echo not ready yet; exit 3"}};
  EXPECT_THAT(prober->Check(p), StatusIs(absl::StatusCode::kUnavailable, "exit 3: not ready yet"));
  p.action = ExecAction{.command = {"sleep", "30"}};
  p.timeout = absl::Milliseconds(100);
  EXPECT_THAT(prober->Check(p),
              StatusIs(absl::StatusCode::kDeadlineExceeded, "timed out after 100ms"));
  p.action = ExecAction{.command = {"/nonexistent/probe"}};
  EXPECT_FALSE(prober->Check(p).ok());
}

}  // namespace
}  // namespace fops
