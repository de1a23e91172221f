// What the engine tells the views: when each resource was queued and what it
// waited on (deps, a free slot, its inputs, its readiness probe), resources
// disabled and enabled in an `up` session, and that a ready server is probed
// every period (Tilt's 10 s by default) without a line per probe.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fops/base/status_matchers.h"
#include "fops/base/string_view.h"
#include "fops/engine/engine.h"
#include "fops/engine/prober.h"
#include "fops/engine/terminal_reporter.h"
#include "fops/exec/scripted_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Resource Local(std::string name, std::string cmd, std::vector<std::string> deps = {}) {
  Resource r;
  r.name = std::move(name);
  if (!cmd.empty()) r.cmd = Command::Shell(std::move(cmd));
  r.resource_deps = std::move(deps);
  return r;
}

Project MakeProject(std::vector<Resource> resources) {
  Project p;
  p.tiltfile = "/src/app/Tiltfile.py";
  p.root = "/src/app";
  p.resources = std::move(resources);
  return p;
}

// Each resource's events, as "queued", "waits deps: a", "started", ...
class WaitRecorder : public Observer {
 public:
  void OnResourceQueued(const Resource& r, std::string_view reason) override {
    Add(r, reason.empty() ? std::string("queued") : absl::StrCat("queued: ", ToAbsl(reason)));
  }
  void OnResourceWaiting(const Resource& r, ResourceWait wait, std::string_view detail) override {
    Add(r, absl::StrCat("waits ", ToAbsl(ResourceWaitName(wait)),
                        detail.empty() ? "" : absl::StrCat(": ", ToAbsl(detail))));
  }
  void OnResourceEnabled(const Resource& r, bool enabled) override {
    Add(r, enabled ? "enabled" : "disabled");
  }
  void OnResourceStarted(const Resource& r, std::string_view) override { Add(r, "started"); }
  void OnResourceReady(const Resource& r) override { Add(r, "ready"); }
  void OnResourceFinished(const Resource& r, const ResourceResult& result) override {
    Add(r, absl::StrCat("finished ", ToAbsl(ResourceStatusName(result.status)),
                        result.reason.empty() ? "" : absl::StrCat(": ", result.reason)));
  }
  std::vector<std::string> Of(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [who, what] : events) {
      if (who == name) out.push_back(what);
    }
    return out;
  }
  std::vector<std::pair<std::string, std::string>> events;

 private:
  void Add(const Resource& r, std::string what) { events.emplace_back(r.name, std::move(what)); }
};

TEST(EngineViewsTest, ReportsWhatEachResourceWaitsOnBeforeItStarts) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "build", .delay = absl::Seconds(2)});
  ex.AddRule({.pattern = "lint", .delay = absl::Seconds(1)});
  WaitRecorder rec;
  auto engine = Engine::Create(
      MakeProject({Local("build", "build"), Local("lint", "lint"), Local("test", "test", {"build"})}),
      ex, {.max_parallel = 1, .observers = {&rec}});
  ASSERT_THAT(engine, IsOk());
  RunResult r = (*engine)->Ci();
  ASSERT_TRUE(r.ok) << FormatSummary(r);
  // build heads the longest chain: it takes the one slot; lint waits for it.
  EXPECT_THAT(rec.Of("build"), ElementsAre("queued", "waits slot", "started", "finished succeeded"));
  EXPECT_THAT(rec.Of("lint"), ElementsAre("queued", "waits slot", "started", "finished succeeded"));
  EXPECT_THAT(rec.Of("test"), ElementsAre("queued", "waits deps: build", "waits slot", "started",
                                          "finished succeeded"));
}

TEST(EngineViewsTest, AServerWaitsForItsProbeAfterItsUpdate) {
  struct Passes : Prober {
    absl::Status Check(const Probe&) override { return absl::OkStatus(); }
  } prober;
  ScriptedExecutor ex;
  Resource api = Local("api", "make api");
  api.serve_cmd = Command::Argv({"./api"});
  Probe probe;
  probe.action = HttpGetAction{.port = 8080, .path = "/healthz"};
  api.readiness_probe = probe;
  WaitRecorder rec;
  auto engine = Engine::Create(MakeProject({api}), ex, {.prober = &prober, .observers = {&rec}});
  ASSERT_THAT(engine, IsOk());
  ASSERT_TRUE((*engine)->Ci().ok);
  EXPECT_THAT(rec.Of("api"), ElementsAre("queued", "waits slot", "started",
                                         "waits probe: http_get http://127.0.0.1:8080/healthz",
                                         "ready", "finished succeeded"));
}

// Probes until it is told to stop the session, counting attempts.
class CountingProber : public Prober {
 public:
  absl::Status Check(const Probe&) override {
    ++calls;
    return absl::OkStatus();
  }
  std::atomic<int> calls{0};
};

TEST(EngineViewsTest, AReadyServerIsProbedEveryTenSecondsByDefaultAndNothingIsPrintedPerProbe) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "smoke", .delay = absl::Seconds(60)});
  Resource api = Local("api", "");
  api.serve_cmd = Command::Argv({"./api"});
  Probe probe;  // Tilt's defaults: period 10 s
  probe.action = HttpGetAction{.port = 8080, .path = "/healthz"};
  api.readiness_probe = probe;
  EXPECT_EQ(probe.period, absl::Seconds(10));
  CountingProber prober;
  char* text = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  ASSERT_NE(out, nullptr);
  {
    TerminalReporter reporter(out);
    auto engine = Engine::Create(MakeProject({api, Local("smoke", "smoke", {"api"})}), ex,
                                 {.prober = &prober, .observers = {&reporter}});
    ASSERT_THAT(engine, IsOk());
    ASSERT_TRUE((*engine)->Ci().ok);
  }
  std::fclose(out);
  const std::string printed(text, size);
  std::free(text);
  // Ready at the first attempt, then one attempt per 10 s while smoke runs
  // its 60 s: not one a second.
  EXPECT_GE(prober.calls.load(), 5);
  EXPECT_LE(prober.calls.load(), 8);
  int api_lines = 0;
  for (size_t at = printed.find("api │"); at != std::string::npos; at = printed.find("api │", at + 1)) {
    ++api_lines;
  }
  EXPECT_EQ(api_lines, 3) << printed;  // starting, ready, succeeded: no line per probe
}

// Runs Up() on its own thread and stops it at the end of the test.
class UpSession {
 public:
  explicit UpSession(Engine& engine) : engine_(engine) {
    thread_ = std::thread([this] { result = engine_.Up(); });
  }
  ~UpSession() {
    if (!thread_.joinable()) return;
    engine_.RequestStop();
    thread_.join();
  }
  /// Waits for the session to end by itself (an observer stops it).
  void Join() { thread_.join(); }
  RunResult result;

 private:
  Engine& engine_;
  std::thread thread_;
};

// Calls `f` until it answers something other than "no session yet".
absl::Status WhenInSession(const std::function<absl::Status()>& f) {
  absl::Status s;
  do {
    s = f();
  } while (s.code() == absl::StatusCode::kFailedPrecondition &&
           absl::StrContains(s.message(), "no `fops up` session"));
  return s;
}

TEST(EngineViewsTest, ADisabledResourceIsNotTriggeredUntilItIsEnabledAgain) {
  ScriptedExecutor ex;
  Resource seed = Local("seed", "seed db", {"fixtures"});
  seed.trigger_mode = TriggerMode::kManual;
  Resource fixtures = Local("fixtures", "load fixtures");
  fixtures.auto_init = false;
  struct StopAfterSeed : WaitRecorder {
    void OnResourceFinished(const Resource& r, const ResourceResult& result) override {
      WaitRecorder::OnResourceFinished(r, result);
      if (r.name == "seed") engine->RequestStop();
    }
    Engine* engine = nullptr;
  } rec;
  auto engine = Engine::Create(MakeProject({Local("api", "make api"), seed, fixtures}), ex,
                               {.observers = {&rec}});
  ASSERT_THAT(engine, IsOk());
  rec.engine = engine->get();
  EXPECT_THAT((*engine)->SetEnabled("seed", false),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "cannot disable 'seed': no `fops up` session is running"));
  EXPECT_THAT((*engine)->SetEnabled("sed", false),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("unknown resource 'sed'")));
  UpSession up(**engine);
  ASSERT_THAT(WhenInSession([&] { return (*engine)->SetEnabled("fixtures", false); }), IsOk());
  EXPECT_THAT((*engine)->Trigger("seed"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "cannot trigger 'seed': it needs 'fixtures', which is disabled"));
  ASSERT_THAT((*engine)->SetEnabled("seed", false), IsOk());
  EXPECT_THAT((*engine)->Trigger("seed"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "cannot trigger 'seed': it is disabled; enable it first"));
  ASSERT_THAT((*engine)->SetEnabled("seed", true), IsOk());
  ASSERT_THAT((*engine)->SetEnabled("fixtures", true), IsOk());
  ASSERT_THAT((*engine)->Trigger("seed"), IsOk());
  up.Join();  // the observer stops the session once seed has run
  EXPECT_EQ(up.result.Find("seed")->status, ResourceStatus::kSucceeded);
  EXPECT_THAT(ex.calls().back().argv.back(), "seed db");
  EXPECT_THAT(rec.Of("seed"), ::testing::Contains("disabled"));
  EXPECT_THAT(rec.Of("seed"), ::testing::Contains("enabled"));
}

}  // namespace
}  // namespace fops
