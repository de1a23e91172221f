// A serve resource's probe port and who holds it, with real processes and
// sockets: a port already taken fails the resource before its serve_cmd
// starts, naming the holder; a probe answered by a listener that is not the
// serve command's does not make it ready.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "fops/base/proc_stat.h"
#include "fops/base/status_matchers.h"
#include "fops/engine/engine.h"
#include "fops/exec/process_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/project_in.h"
#include "support/tcp_listener.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

using ::fops::testing::FreeLoopbackPort;
using ::fops::testing::IsOk;
using ::fops::testing::TcpListener;
using ::fops::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ThisProcess() {
  return absl::StrCat("PID ", ::getpid(), " (", ReadCommandLine(::getpid()), ")");
}

// Listens on 127.0.0.1:`port` once the serve command has started: another
// process (this one) takes the port after fops checked it was free.
class TakePortWhenServeStarts : public Observer {
 public:
  explicit TakePortWhenServeStarts(int port) : port_(port) {}
  ~TakePortWhenServeStarts() override {
    if (fd_ >= 0) ::close(fd_);
  }
  void OnCommandStarted(const Resource&, const CommandSpec& spec) override {
    if (!spec.serve || fd_ >= 0) return;
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    listening = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                ::listen(fd_, 16) == 0;
  }
  bool listening = false;

 private:
  int port_;
  int fd_ = -1;
};

class EnginePortTest : public ::testing::Test {
 protected:
  Resource Serve(std::vector<std::string> argv, int port) {
    Resource web;
    web.name = "web";
    web.serve_cmd = Command::Argv(std::move(argv));
    Probe probe;
    probe.action = TcpSocketAction{.port = port};
    probe.period = absl::Milliseconds(100);
    web.readiness_probe = probe;
    return web;
  }

  TempDir temp_{"fops-port"};
  const std::filesystem::path& dir_ = temp_.path();
  ProcessExecutor executor_{ProcessExecutorOptions{.kill_grace = absl::Milliseconds(500)}};
};

TEST_F(EnginePortTest, ATakenPortFailsTheServeResourceBeforeItStarts) {
  TcpListener taken;
  const std::filesystem::path marker = dir_ / "started";
  auto engine = Engine::Create(
      testing::ProjectIn(dir_, {Serve({"sh", "-c", "touch started; exec sleep 30"}, taken.port())}),
      executor_, {.timeout = absl::Seconds(60)});
  ASSERT_THAT(engine, IsOk());
  RunResult r = (*engine)->Ci();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.Find("web")->status, ResourceStatus::kFailed);
  EXPECT_EQ(r.Find("web")->reason,
            absl::StrCat("port ", taken.port(), " is already in use by ", ThisProcess()));
  EXPECT_FALSE(std::filesystem::exists(marker)) << "serve_cmd ran although its port was taken";
}

TEST_F(EnginePortTest, AProbeAnsweredByAnotherProcessDoesNotMakeItReady) {
  const int port = FreeLoopbackPort();
  TakePortWhenServeStarts stranger(port);
  // The serve command never listens; the port is answered by this process.
  auto engine = Engine::Create(testing::ProjectIn(dir_, {Serve({"sleep", "30"}, port)}), executor_,
                               {.timeout = absl::Seconds(2), .observers = {&stranger}});
  ASSERT_THAT(engine, IsOk());
  RunResult r = (*engine)->Ci();
  ASSERT_TRUE(stranger.listening);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.Find("web")->status, ResourceStatus::kFailed);
  EXPECT_THAT(r.Find("web")->reason,
              AllOf(StartsWith("not ready after "),
                    HasSubstr(absl::StrCat("port ", port, " is served by ", ThisProcess(),
                                           ", not by this serve_cmd"))));
}

TEST_F(EnginePortTest, ItsOwnServerMakesItReady) {
  const int port = FreeLoopbackPort();
  auto engine = Engine::Create(
      testing::ProjectIn(dir_, {Serve({"python3", "-m", "http.server", std::to_string(port),
                                       "--bind", "127.0.0.1"},
                                      port)}),
      executor_, {.timeout = absl::Seconds(60)});
  ASSERT_THAT(engine, IsOk());
  RunResult r = (*engine)->Ci();
  EXPECT_TRUE(r.ok) << r.Find("web")->reason;
  EXPECT_EQ(r.Find("web")->status, ResourceStatus::kSucceeded);
}

}  // namespace
}  // namespace fops
