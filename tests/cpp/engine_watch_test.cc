// `up` with a real inotify watcher: a change under a resource's deps (and
// not ignored) re-runs its update and restarts its server; other resources
// stay as they are.
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fops/base/status_matchers.h"
#include "fops/base/string_view.h"
#include "fops/engine/engine.h"
#include "fops/exec/scripted_executor.h"
#include "fops/exec/wakeup.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::fops::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Up() until the test's observer stops it. If the change it waits for were
// never seen, Up() would wait forever: a watchdog stops it after a (real)
// minute so the test fails instead of hanging.
RunResult UpWithWatchdog(Engine& engine) {
  Wakeup done;
  std::thread watchdog([&] {
    if (!done.WaitUntil(absl::Now() + absl::Minutes(1))) engine.RequestStop();
  });
  RunResult result = engine.Up();
  done.Notify();
  watchdog.join();
  return result;
}

class EngineWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "src");
    std::filesystem::create_directories(dir_ / "docs");
    std::ofstream(dir_ / "src" / "app.py") << "print('v1')\n";
  }
  TempDir temp_{"fops-watch"};
  const std::filesystem::path& dir_ = temp_.path();
};

TEST_F(EngineWatchTest, ChangedDepRerunsTheUpdateAndRestartsTheServer) {
  Resource api;
  api.name = "api";
  api.cmd = Command::Shell("make api");
  api.serve_cmd = Command::Argv({"./api"});
  api.deps = {"src"};
  api.ignore = {"**/*.pyc"};
  Resource docs;
  docs.name = "docs";
  docs.cmd = Command::Shell("make docs");
  docs.deps = {"docs"};
  Project project;
  project.root = dir_.string();
  project.resources = {api, docs};

  struct EditThenStop : Observer {
    void OnResourceStarted(const Resource& r, std::string_view reason) override {
      starts.push_back(absl::StrCat(r.name, ": ", ToAbsl(reason)));
    }
    void OnResourceReady(const Resource&) override {
      if (++ready == 1) {
        // An ignored file and a real edit, as an editor and a compiler would.
        std::ofstream(dir / "src" / "app.cpython-311.pyc") << "bytecode";
        std::ofstream(dir / "src" / "app.py") << "print('v2')\n";
      } else {
        engine->RequestStop();
      }
    }
    std::filesystem::path dir;
    Engine* engine = nullptr;
    int ready = 0;
    std::vector<std::string> starts;
  } edit;
  edit.dir = dir_;
  ScriptedExecutor ex;
  auto engine = Engine::Create(project, ex, {.observers = {&edit}});
  ASSERT_THAT(engine, IsOk());
  edit.engine = engine->get();
  RunResult r = UpWithWatchdog(**engine);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.error, "");
  std::vector<std::string> calls;
  for (const CommandSpec& spec : ex.calls()) calls.push_back(spec.argv.back());
  EXPECT_THAT(calls, ElementsAre("make api", "make docs", "./api", "make api", "./api"));
  EXPECT_THAT(edit.starts, ElementsAre("api: ", "docs: ", "api: rebuilt: src/app.py changed"));
  EXPECT_EQ(ex.running(), 0u);
}

// Tilt watches an auto resource once it has run, however it was started:
// an auto_init=False resource first run by a trigger then re-runs on edits.
TEST_F(EngineWatchTest, AResourceFirstRunByATriggerIsWatchedAfterwards) {
  Resource api;
  api.name = "api";
  api.cmd = Command::Shell("make api");
  Resource docs;
  docs.name = "docs";
  docs.cmd = Command::Shell("make docs");
  docs.deps = {"docs"};
  docs.auto_init = false;
  Project project;
  project.root = dir_.string();
  project.resources = {api, docs};

  struct TriggerThenEdit : Observer {
    void OnResourceStarted(const Resource& r, std::string_view reason) override {
      starts.push_back(absl::StrCat(r.name, ": ", ToAbsl(reason)));
    }
    void OnResourceFinished(const Resource& r, const ResourceResult&) override {
      if (r.name == "api") {
        EXPECT_THAT(engine->Trigger("docs"), IsOk());
      } else if (++docs_runs == 1) {
        std::ofstream(dir / "docs" / "index.md") << "# v2\n";
      } else {
        engine->RequestStop();
      }
    }
    std::filesystem::path dir;
    Engine* engine = nullptr;
    int docs_runs = 0;
    std::vector<std::string> starts;
  } observer;
  observer.dir = dir_;
  ScriptedExecutor ex;
  auto engine = Engine::Create(project, ex, {.observers = {&observer}});
  ASSERT_THAT(engine, IsOk());
  observer.engine = engine->get();
  UpWithWatchdog(**engine);
  EXPECT_THAT(observer.starts,
              ElementsAre("api: ", "docs: triggered", "docs: rebuilt: docs/index.md changed"));
}

TEST_F(EngineWatchTest, BadIgnorePatternIsALoadErrorWithItsLine) {
  Resource api;
  api.name = "api";
  api.cmd = Command::Shell("make api");
  api.deps = {"src"};
  api.ignore = {"!"};
  api.declared_at = {.file = "Tiltfile.py", .line = 9};
  Project project;
  project.root = dir_.string();
  project.resources = {api};
  ScriptedExecutor ex;
  EXPECT_THAT(Engine::Create(project, ex, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("Tiltfile.py:9: resource 'api': ignore: ")));
}

}  // namespace
}  // namespace fops
