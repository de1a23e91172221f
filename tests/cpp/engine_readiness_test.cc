// Readiness after ready, with a real server: a Python HTTP server whose
// /healthz answers 500 once a marker file exists. Under `ci` the app dying
// under its smoke test fails the run and the summary says why; under `up`
// the loss and the recovery are printed and the session keeps serving.

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "fops/base/status_matchers.h"
#include "fops/engine/engine.h"
#include "fops/engine/terminal_reporter.h"
#include "fops/exec/process_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/captured_output.h"
#include "support/tcp_listener.h"
#include "support/project_in.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

using ::fops::testing::CapturedOutput;
using ::fops::testing::FreeLoopbackPort;
using ::fops::testing::IsOk;
using ::fops::testing::TempDir;
using ::testing::HasSubstr;

class EngineReadinessTest : public ::testing::Test {
 protected:
  // The app and its smoke test, shared with tests/python/test_readiness.py.
  static std::string Fixture(const char* name) {
    return absl::StrCat(FOPS_SOURCE_DIR, "/tests/python/fixtures/", name);
  }

  Project MakeProject(std::vector<Resource> resources) {
    return testing::ProjectIn(dir_, std::move(resources));
  }

  Resource Web() {
    Resource web;
    web.name = "web";
    web.serve_cmd = Command::Argv({"python3", Fixture("health_server.py"), std::to_string(port_)});
    Probe probe;
    probe.action = HttpGetAction{.port = port_, .path = "/healthz"};
    probe.period = absl::Milliseconds(100);
    probe.failure_threshold = 3;
    web.readiness_probe = probe;
    return web;
  }

  std::string NotReady() const {
    return absl::StrCat("not ready: http_get http://127.0.0.1:", port_,
                        "/healthz failed 3 times: HTTP 500");
  }

  TempDir temp_{"fops-readiness"};
  const std::filesystem::path& dir_ = temp_.path();
  const int port_ = FreeLoopbackPort();
  ProcessExecutor executor_{ProcessExecutorOptions{.kill_grace = absl::Milliseconds(500)}};
};

TEST_F(EngineReadinessTest, CiFailsWhenTheAppStopsAnsweringUnderItsSmokeTest) {
  Resource smoke;
  smoke.name = "smoke";
  smoke.cmd = Command::Argv({"python3", Fixture("make_app_sick.py"), std::to_string(port_)});
  smoke.resource_deps = {"web"};
  CapturedOutput out;
  TerminalReporter reporter(out.file());
  auto engine = Engine::Create(MakeProject({Web(), smoke}), executor_,
                               {.timeout = absl::Seconds(60), .observers = {&reporter}});
  ASSERT_THAT(engine, IsOk());
  RunResult r = (*engine)->Ci();
  const std::string printed = out.text();
  EXPECT_FALSE(r.ok) << printed;
  EXPECT_EQ(r.Find("web")->status, ResourceStatus::kFailed);
  EXPECT_EQ(r.Find("web")->reason, NotReady());
  // fops stopped the sick server, which is how the smoke test saw it go.
  EXPECT_EQ(r.Find("smoke")->status, ResourceStatus::kSucceeded) << printed;
  EXPECT_THAT(printed, HasSubstr("          web │ ✔ ready\n"));
  EXPECT_THAT(printed, HasSubstr(absl::StrCat("          web │ ✘ ", NotReady(), "\n")));
  EXPECT_THAT(printed, HasSubstr("        smoke │ app gone\n"));
  EXPECT_THAT(printed, HasSubstr(absl::StrCat("web failed: ", NotReady(), "\n")));
  EXPECT_THAT(printed, HasSubstr("— FAILED"));
}

// Makes the server sick once it is ready, well again once it lost
// readiness, and ends the session when it is ready again.
class SickThenWell : public Observer {
 public:
  explicit SickThenWell(std::filesystem::path marker) : marker_(std::move(marker)) {}
  void OnResourceReady(const Resource&) override { std::ofstream(marker_) << "sick\n"; }
  void OnReadinessChanged(const Resource&, bool ready, std::string_view) override {
    if (!ready) {
      std::filesystem::remove(marker_);
    } else {
      engine->RequestStop();
    }
  }
  Engine* engine = nullptr;

 private:
  std::filesystem::path marker_;
};

TEST_F(EngineReadinessTest, UpPrintsTheLossAndTheRecoveryAndKeepsServing) {
  CapturedOutput out;
  TerminalReporter reporter(out.file());
  SickThenWell sick(dir_ / "sick");
  auto engine = Engine::Create(MakeProject({Web()}), executor_,
                               {.timeout = absl::Seconds(60), .observers = {&reporter, &sick}});
  ASSERT_THAT(engine, IsOk());
  sick.engine = engine->get();
  RunResult r = (*engine)->Up();
  const std::string printed = out.text();
  EXPECT_TRUE(r.ok) << printed;
  EXPECT_EQ(r.Find("web")->status, ResourceStatus::kSucceeded);
  const size_t ready = printed.find("          web │ ✔ ready\n");
  const size_t lost = printed.find(absl::StrCat("          web │ ✘ ", NotReady(), "\n"));
  const size_t again = printed.find("          web │ ✔ ready again\n");
  ASSERT_NE(ready, std::string::npos) << printed;
  ASSERT_NE(lost, std::string::npos) << printed;
  ASSERT_NE(again, std::string::npos) << printed;
  EXPECT_LT(ready, lost);
  EXPECT_LT(lost, again);
  // One server process all along: losing readiness restarts nothing.
  size_t serving = 0;
  for (size_t at = 0; (at = printed.find("web │ serving", at)) != std::string::npos; ++at) ++serving;
  EXPECT_EQ(serving, 1u);
}

}  // namespace
}  // namespace fops
