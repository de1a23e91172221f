// The engine with real processes: a served `python3 -m http.server` that
// becomes ready through an HTTP probe, a failing build's last lines,
// timeouts that kill whole process groups, and RequestStop ending `up`
// with nothing left running (checked in /proc).

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "fops/base/status_matchers.h"
#include "fops/engine/engine.h"
#include "fops/engine/terminal_reporter.h"
#include "fops/exec/process_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/tcp_listener.h"
#include "support/project_in.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::fops::testing::FreeLoopbackPort;
using ::fops::testing::TempDir;

// True while `pid` is a live (not zombie) process.
bool Alive(int pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

int ReadPid(const std::filesystem::path& file) {
  std::ifstream in(file);
  int pid = 0;
  in >> pid;
  return pid;
}

class EngineProcessTest : public ::testing::Test {
 protected:
  Project MakeProject(std::vector<Resource> resources) {
    return testing::ProjectIn(dir_, std::move(resources));
  }

  TempDir temp_{"fops-engine"};
  const std::filesystem::path& dir_ = temp_.path();
  ProcessExecutor executor_{ProcessExecutorOptions{.kill_grace = absl::Milliseconds(500)}};
};

Resource Shell(std::string name, std::string script, std::vector<std::string> deps = {}) {
  Resource r;
  r.name = std::move(name);
  r.cmd = Command::Shell(std::move(script));
  r.resource_deps = std::move(deps);
  return r;
}

TEST_F(EngineProcessTest, ServeBecomesReadyThroughAnHttpProbeThenItsDependentRuns) {
  const int port = FreeLoopbackPort();
  std::ofstream(dir_ / "index.html") << "hello from fops\n";
  Resource web;
  web.name = "web";
  web.serve_cmd = Command::Shell(
      absl::StrCat("echo $$ > web.pid; exec python3 -m http.server ", port, " --bind 127.0.0.1"));
  Probe probe;
  probe.action = HttpGetAction{.port = port, .path = "/index.html"};
  probe.period = absl::Milliseconds(200);
  web.readiness_probe = probe;
  Resource smoke = Shell("smoke",
                         absl::StrCat("python3 -c \"import urllib.request;"
                                      "print(urllib.request.urlopen('http://127.0.0.1:",
                                      port, "/index.html').read().decode().strip())\""),
                         {"web"});
  auto engine = Engine::Create(MakeProject({web, smoke}), executor_, {});
  ASSERT_THAT(engine, IsOk());
  RunResult r = (*engine)->Ci();
  EXPECT_TRUE(r.ok) << FormatSummary(r);
  EXPECT_EQ(r.Find("web")->status, ResourceStatus::kSucceeded);
  EXPECT_EQ(r.Find("smoke")->status, ResourceStatus::kSucceeded);
  // Ci stops the server when it is done.
  const int pid = ReadPid(dir_ / "web.pid");
  ASSERT_GT(pid, 0);
  EXPECT_FALSE(Alive(pid));
}

TEST_F(EngineProcessTest, ServeThatNeverAnswersFailsAtTheRunTimeoutWithTheProbeError) {
  const int port = FreeLoopbackPort();
  Resource web;
  web.name = "web";
  web.serve_cmd = Command::Shell("echo starting; exec sleep 30");
  Probe probe;
  probe.action = TcpSocketAction{.port = port};
  web.readiness_probe = probe;
  auto engine = Engine::Create(MakeProject({web, Shell("smoke", "true", {"web"})}), executor_,
                               {.timeout = absl::Milliseconds(400)});
  ASSERT_THAT(engine, IsOk());
  RunResult r = (*engine)->Ci();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "timed out after 400ms");
  EXPECT_EQ(r.Find("web")->status, ResourceStatus::kFailed);
  EXPECT_THAT(r.Find("web")->reason, HasSubstr("connection refused"));
  EXPECT_THAT(r.Find("web")->last_lines, ElementsAre("starting"));
  EXPECT_EQ(r.Find("smoke")->status, ResourceStatus::kBlocked);
}

TEST_F(EngineProcessTest, ServeThatExitsBeforeReadyFails) {
  Resource web;
  web.name = "web";
  web.serve_cmd = Command::Shell("echo 'bind: address already in use' >&2; exit 98");
  Probe probe;
  probe.action = TcpSocketAction{.port = FreeLoopbackPort()};
  web.readiness_probe = probe;
  auto engine = Engine::Create(MakeProject({web}), executor_, {});
  ASSERT_THAT(engine, IsOk());
  RunResult r = (*engine)->Ci();
  EXPECT_EQ(r.Find("web")->status, ResourceStatus::kFailed);
  EXPECT_EQ(r.Find("web")->reason, "serve_cmd exited before it was ready: exit 98");
  EXPECT_THAT(r.Find("web")->last_lines, ElementsAre("bind: address already in use"));
}

TEST_F(EngineProcessTest, FailingResourceKeepsItsLastLinesAndBlocksItsDependents) {
  auto engine = Engine::Create(
      MakeProject({Shell("build", "for i in $(seq 1 30); do echo line $i; done; exit 3"),
                   Shell("deploy", "echo never", {"build"}), Shell("lint", "echo lint ok")}),
      executor_, {});
  ASSERT_THAT(engine, IsOk());
  RunResult r = (*engine)->Ci();
  EXPECT_FALSE(r.ok);
  const ResourceResult* build = r.Find("build");
  EXPECT_EQ(build->status, ResourceStatus::kFailed);
  EXPECT_EQ(build->reason, "exit 3");
  ASSERT_EQ(build->last_lines.size(), 20u);
  EXPECT_EQ(build->last_lines.front(), "line 11");
  EXPECT_EQ(build->last_lines.back(), "line 30");
  EXPECT_EQ(r.Find("deploy")->status, ResourceStatus::kBlocked);
  EXPECT_EQ(r.Find("lint")->status, ResourceStatus::kSucceeded);
  const std::string summary = FormatSummary(r);
  EXPECT_THAT(summary, HasSubstr("build failed: exit 3\n"));
  EXPECT_THAT(summary, HasSubstr("        build │ line 30\n"));
}

TEST_F(EngineProcessTest, CommandTimeoutKillsTheWholeProcessGroup) {
  Resource slow = Shell("slow", "sleep 30 & echo $! > child.pid; wait");
  slow.timeout = absl::Milliseconds(300);
  auto engine = Engine::Create(MakeProject({slow}), executor_, {});
  ASSERT_THAT(engine, IsOk());
  RunResult r = (*engine)->Ci();
  EXPECT_EQ(r.Find("slow")->status, ResourceStatus::kFailed);
  EXPECT_EQ(r.Find("slow")->reason, "timed out after 300ms");
  const int child = ReadPid(dir_ / "child.pid");
  ASSERT_GT(child, 0);
  EXPECT_FALSE(Alive(child));
}

TEST_F(EngineProcessTest, RunTimeoutCancelsRunningCommands) {
  auto engine = Engine::Create(MakeProject({Shell("stuck", "echo $$ > stuck.pid; sleep 30")}),
                               executor_, {.timeout = absl::Milliseconds(300)});
  ASSERT_THAT(engine, IsOk());
  RunResult r = (*engine)->Ci();
  EXPECT_EQ(r.error, "timed out after 300ms");
  EXPECT_EQ(r.Find("stuck")->status, ResourceStatus::kCancelled);
  EXPECT_FALSE(Alive(ReadPid(dir_ / "stuck.pid")));
}

TEST_F(EngineProcessTest, RequestStopFromAnotherThreadEndsUpAndLeavesNoProcess) {
  Resource server;
  server.name = "server";
  server.serve_cmd =
      Command::Shell("echo $$ > server.pid; sleep 30 & echo $! > child.pid; wait");
  Probe probe;
  probe.action = ExecAction{.command = {"test", "-s", (dir_ / "child.pid").string()}};
  server.readiness_probe = probe;
  struct StopWhenReady : Observer {
    void OnResourceReady(const Resource&) override {
      stopper = std::thread([this] { engine->RequestStop(); });
    }
    Engine* engine = nullptr;
    std::thread stopper;
  } stop;
  auto engine = Engine::Create(MakeProject({server}), executor_, {.observers = {&stop}});
  ASSERT_THAT(engine, IsOk());
  stop.engine = engine->get();
  RunResult r = (*engine)->Up();
  stop.stopper.join();
  EXPECT_TRUE(r.ok) << FormatSummary(r);
  const int pid = ReadPid(dir_ / "server.pid");
  const int child = ReadPid(dir_ / "child.pid");
  ASSERT_GT(pid, 0);
  ASSERT_GT(child, 0);
  EXPECT_FALSE(Alive(pid));
  EXPECT_FALSE(Alive(child));
}

}  // namespace
}  // namespace fops
