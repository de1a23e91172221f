// Port owners with real sockets: listeners of this process, of a child
// server, bound-but-not-listening sockets, and the two probe rules.
#include "fops/exec/port_owner.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fops/base/proc_stat.h"
#include "fops/base/status_matchers.h"
#include "fops/exec/process_executor.h"
#include "fops/exec/scripted_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/tcp_listener.h"

namespace fops {
namespace {

using ::fops::testing::FreeLoopbackPort;
using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::fops::testing::TcpListener;
using ::testing::AllOf;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

Probe HttpProbe(int port, std::string host = "127.0.0.1") {
  Probe probe;
  probe.action = HttpGetAction{.host = std::move(host), .port = port, .path = "/"};
  return probe;
}

Probe TcpProbe(int port, std::string host = "127.0.0.1") {
  Probe probe;
  probe.action = TcpSocketAction{.host = std::move(host), .port = port};
  return probe;
}

// "PID <this process> (<its command line>)".
std::string ThisProcess() {
  return absl::StrCat("PID ", ::getpid(), " (", ReadCommandLine(::getpid()), ")");
}

class NoOutput : public OutputListener {
 public:
  void OnLine(uint64_t, Stream, std::string_view) override {}
};

TEST(PortOwnerTest, AFreePortHasNoListener) {
  const int port = FreeLoopbackPort();
  PortListeners listeners = FindPortListeners(port);
  EXPECT_FALSE(listeners.listening());
  EXPECT_THAT(listeners.holders, IsEmpty());
  EXPECT_THAT(CheckProbePortFree(HttpProbe(port)), IsOk());
}

TEST(PortOwnerTest, AListenerOfThisProcessIsFoundWithItsHolder) {
  TcpListener listener;
  PortListeners listeners = FindPortListeners(listener.port());
  ASSERT_TRUE(listeners.listening());
  ASSERT_THAT(listeners.holders, SizeIs(1));
  EXPECT_EQ(listeners.holders[0].pid, ::getpid());
  EXPECT_EQ(listeners.Holder(), ThisProcess());
  EXPECT_THAT(CheckProbePortFree(TcpProbe(listener.port())),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("port ", listener.port(), " is already in use by ",
                                    ThisProcess())));
  listener.Close();
  EXPECT_FALSE(FindPortListeners(listener.port()).listening());
}

TEST(PortOwnerTest, ABoundSocketThatDoesNotListenDoesNotTakeTheProbe) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  EXPECT_FALSE(FindPortListeners(ntohs(addr.sin_port)).listening());
  ::close(fd);
}

TEST(PortOwnerTest, AnIpv6LoopbackListenerCounts) {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, 4) != 0) {
    if (fd >= 0) ::close(fd);
    GTEST_SKIP() << "no IPv6 loopback here";
  }
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin6_port);
  PortListeners listeners = FindPortListeners(port);
  EXPECT_TRUE(listeners.listening());
  EXPECT_EQ(listeners.Holder(), ThisProcess());
  EXPECT_THAT(CheckProbePortFree(HttpProbe(port, "::1")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already in use")));
  ::close(fd);
}

TEST(PortOwnerTest, AChildServerIsNamedAndCountsAsItsCommands) {
  const int port = FreeLoopbackPort();
  ProcessExecutor executor(ProcessExecutorOptions{.kill_grace = absl::Milliseconds(500)});
  const std::string port_text = std::to_string(port);
  ASSERT_THAT(executor.Start({.id = 1,
                              .resource = "web",
                              .argv = {"python3", "-m", "http.server", port_text, "--bind",
                                       "127.0.0.1"},
                              .serve = true}),
              IsOk());
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (!FindPortListeners(port).listening() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(20));
  PortListeners listeners = FindPortListeners(port);
  ASSERT_TRUE(listeners.listening()) << "the server never listened";
  ASSERT_THAT(listeners.holders, SizeIs(1));
  const pid_t server = listeners.holders[0].pid;
  // Its command line as /proc has it (python3 may be a wrapper that execs
  // the interpreter by its full path).
  EXPECT_THAT(listeners.holders[0].command,
              AllOf(HasSubstr("python3"),
                    EndsWith(absl::StrCat(" -m http.server ", port, " --bind 127.0.0.1"))));
  EXPECT_EQ(listeners.holders[0].command, ReadCommandLine(server));
  EXPECT_EQ(executor.OwnsProcess(1, server), std::optional<bool>(true));

  // Before a second server starts on that port: taken, and by whom.
  EXPECT_THAT(CheckProbePortFree(HttpProbe(port, "localhost")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("port ", port, " is already in use by PID ", server, " (",
                                    ReadCommandLine(server), ")")));
  // After a probe of command 1 passed: its own server answered.
  EXPECT_THAT(CheckProbePortOwner(HttpProbe(port), executor, 1), IsOk());
  executor.Stop(1);
  NoOutput out;
  ASSERT_TRUE(executor.Wait(absl::Now() + absl::Seconds(20), out).has_value());
}

TEST(PortOwnerTest, APassAnsweredByAnotherProcessDoesNotCount) {
  ProcessExecutor executor(ProcessExecutorOptions{.kill_grace = absl::Milliseconds(200)});
  ASSERT_THAT(executor.Start({.id = 1, .resource = "web", .argv = {"sleep", "30"}, .serve = true}),
              IsOk());
  TcpListener stranger;  // this test process, not the serve command
  EXPECT_THAT(CheckProbePortOwner(TcpProbe(stranger.port()), executor, 1),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(absl::StrCat("port ", stranger.port(), " is served by ",
                                                    ThisProcess())),
                             HasSubstr("not by this serve_cmd"))));
  // An executor that cannot tell whose a process is (no real processes)
  // does not fail the probe.
  ScriptedExecutor scripted;
  EXPECT_THAT(CheckProbePortOwner(TcpProbe(stranger.port()), scripted, 1), IsOk());
  // Nor does a probe of another host or an exec probe.
  EXPECT_THAT(CheckProbePortOwner(TcpProbe(stranger.port(), "example.com"), executor, 1), IsOk());
  executor.Abort();
}

TEST(PortOwnerTest, OnlyProbesOfThisMachineHaveALocalPort) {
  EXPECT_EQ(LocalProbePort(HttpProbe(8080)), 8080);
  EXPECT_EQ(LocalProbePort(HttpProbe(8080, "localhost")), 8080);
  EXPECT_EQ(LocalProbePort(HttpProbe(8080, "LOCALHOST")), 8080);
  EXPECT_EQ(LocalProbePort(HttpProbe(8080, "")), 8080);
  EXPECT_EQ(LocalProbePort(HttpProbe(8080, "127.0.0.2")), 8080);
  EXPECT_EQ(LocalProbePort(HttpProbe(8080, "::1")), 8080);
  EXPECT_EQ(LocalProbePort(HttpProbe(8080, "[::1]")), 8080);
  EXPECT_EQ(LocalProbePort(TcpProbe(5432)), 5432);
  EXPECT_EQ(LocalProbePort(HttpProbe(8080, "10.1.2.3")), std::nullopt);
  EXPECT_EQ(LocalProbePort(HttpProbe(8080, "api.example.com")), std::nullopt);
  EXPECT_EQ(LocalProbePort(HttpProbe(0)), std::nullopt);
  Probe exec;
  exec.action = ExecAction{.command = {"true"}};
  EXPECT_EQ(LocalProbePort(exec), std::nullopt);
  EXPECT_THAT(CheckProbePortFree(exec), IsOk());
}

}  // namespace
}  // namespace fops
