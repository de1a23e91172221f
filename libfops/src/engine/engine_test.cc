#include "fops/engine/engine.h"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fops/base/status_matchers.h"
#include "fops/base/string_view.h"
#include "fops/engine/terminal_reporter.h"
#include "fops/exec/dry_run_executor.h"
#include "fops/exec/process_executor.h"
#include "fops/exec/scripted_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

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

// The scripts the executor was asked to run, in start order.
std::vector<std::string> Scripts(const ScriptedExecutor& ex) {
  std::vector<std::string> out;
  for (const CommandSpec& spec : ex.calls()) {
    out.push_back(spec.argv.size() == 3 && spec.argv[0] == "sh" ? spec.argv[2]
                                                                 : absl::StrJoin(spec.argv, " "));
  }
  return out;
}

// Records every event as a line, and how many updates ran at once.
class Recorder : public Observer {
 public:
  void OnRunStarted(const RunStart&) override { events.push_back("run started"); }
  void OnResourceStarted(const Resource& r, std::string_view reason) override {
    events.push_back(absl::StrCat("started ", r.name, reason.empty() ? "" : ": ",
                                  ToAbsl(reason)));
    running.insert(r.name);
    max_running = std::max(max_running, static_cast<int>(running.size()));
    if (!r.allow_parallel && running.size() > 1) exclusive_violated = true;
    for (const std::string& other : running) {
      if (other != r.name && exclusive.contains(other)) exclusive_violated = true;
    }
    if (!r.allow_parallel) exclusive.insert(r.name);
  }
  void OnCommandStarted(const Resource& r, const CommandSpec& spec) override {
    events.push_back(absl::StrCat("command ", r.name, spec.serve ? " (serve)" : ""));
  }
  void OnOutput(const Resource& r, Stream, std::string_view line) override {
    events.push_back(absl::StrCat("output ", r.name, ": ", ToAbsl(line)));
  }
  void OnResourceReady(const Resource& r) override { events.push_back("ready " + r.name); }
  void OnReadinessChanged(const Resource& r, bool ready, std::string_view reason) override {
    events.push_back(ready ? absl::StrCat("ready again ", r.name)
                           : absl::StrCat("not ready ", r.name, ": ", ToAbsl(reason)));
  }
  void OnResourceFinished(const Resource& r, const ResourceResult& result) override {
    events.push_back(absl::StrCat("finished ", r.name, " ",
                                  ToAbsl(ResourceStatusName(result.status))));
    running.erase(r.name);
    exclusive.erase(r.name);
  }
  void OnRunFinished(const RunResult& result) override {
    events.push_back(absl::StrCat("run finished", result.ok ? " ok" : " not ok"));
  }

  std::vector<std::string> events;
  absl::flat_hash_set<std::string> running;
  absl::flat_hash_set<std::string> exclusive;
  int max_running = 0;
  bool exclusive_violated = false;
};

RunResult RunCi(Project project, Executor& ex, EngineOptions options = {}) {
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(std::move(project), ex, std::move(options));
  EXPECT_THAT(engine, IsOk());
  if (!engine.ok()) return {};
  return (*engine)->Ci();
}

TEST(EngineTest, RunsDepsFirstAndReportsEachResource) {
  ScriptedExecutor ex;
  RunResult r = RunCi(MakeProject({Local("smoke", "curl /health", {"api"}),
                                   Local("api", "make api", {"db"}), Local("db", "make db")}),
                      ex);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(Scripts(ex), ElementsAre("make db", "make api", "curl /health"));
  ASSERT_EQ(r.resources.size(), 3u);
  EXPECT_EQ(r.resources[0].name, "smoke");  // declaration order
  for (const ResourceResult& res : r.resources) {
    EXPECT_EQ(res.status, ResourceStatus::kSucceeded) << res.name;
  }
}

TEST(EngineTest, CommandsRunInTheResourceDirWithItsEnvAndTimeout) {
  ScriptedExecutor ex;
  Resource a = Local("a", "make");
  a.dir = "sub";
  a.env = {{"MODE", "dev"}};
  a.timeout = absl::Seconds(30);
  Resource b = Local("b", "make");
  b.dir = "/abs";
  Resource c = Local("c", "make");
  RunResult r = RunCi(MakeProject({a, b, c}), ex);
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(ex.calls().size(), 3u);
  EXPECT_EQ(ex.calls()[0].dir, "/src/app/sub");
  EXPECT_EQ(ex.calls()[0].env.at("MODE"), "dev");
  EXPECT_EQ(ex.calls()[0].timeout, absl::Seconds(30));
  EXPECT_EQ(ex.calls()[0].resource, "a");
  EXPECT_EQ(ex.calls()[1].dir, "/abs");
  EXPECT_EQ(ex.calls()[2].dir, "/src/app");
}

TEST(EngineTest, LongestRemainingChainRunsFirstThenDeclarationOrder) {
  ScriptedExecutor ex;
  RunResult r = RunCi(MakeProject({Local("lint", "lint"), Local("smoke", "smoke", {"api"}),
                                   Local("api", "api", {"db"}), Local("db", "db")}),
                      ex, {.max_parallel = 1});
  ASSERT_TRUE(r.ok);
  // db heads the longest chain (3); after api, lint and smoke tie at 1 and
  // lint was declared first.
  EXPECT_THAT(Scripts(ex), ElementsAre("db", "api", "lint", "smoke"));
}

TEST(EngineTest, NeverRunsMoreThanMaxParallelAtOnce) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "build *", .delay = absl::Seconds(1)});
  std::vector<Resource> rs;
  for (int i = 0; i < 10; ++i) rs.push_back(Local(absl::StrCat("r", i), absl::StrCat("build ", i)));
  Recorder rec;
  RunResult r = RunCi(MakeProject(rs), ex, {.max_parallel = 3, .observers = {&rec}});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(rec.max_running, 3);
  // Ten one-second builds three at a time take four rounds of virtual time.
  EXPECT_EQ(r.duration, absl::Seconds(4));
}

TEST(EngineTest, MaxParallelDefaultsToTheProjectSetting) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "*", .delay = absl::Seconds(1)});
  Project p = MakeProject({Local("a", "a"), Local("b", "b"), Local("c", "c"), Local("d", "d")});
  p.settings.max_parallel_updates = 2;
  Recorder rec;
  ASSERT_TRUE(RunCi(p, ex, {.observers = {&rec}}).ok);
  EXPECT_EQ(rec.max_running, 2);

  p.settings.max_parallel_updates = 0;
  EXPECT_THAT(Engine::Create(p, ex, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("max_parallel_updates must be at least 1, got 0")));
}

TEST(EngineTest, DefaultIsThreeAtOnce) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "*", .delay = absl::Seconds(1)});
  std::vector<Resource> rs;
  for (int i = 0; i < 5; ++i) rs.push_back(Local(absl::StrCat("r", i), "x"));
  Recorder rec;
  ASSERT_TRUE(RunCi(MakeProject(rs), ex, {.observers = {&rec}}).ok);
  EXPECT_EQ(rec.max_running, 3);
}

TEST(EngineTest, AllowParallelFalseRunsAlone) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "*", .delay = absl::Seconds(1)});
  Resource migrate = Local("migrate", "migrate");
  migrate.allow_parallel = false;
  Recorder rec;
  RunResult r = RunCi(MakeProject({Local("a", "a"), migrate, Local("b", "b"), Local("c", "c")}),
                      ex, {.max_parallel = 4, .observers = {&rec}});
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(rec.exclusive_violated);
  // a runs, migrate waits for it (and keeps b and c from jumping ahead),
  // runs alone, then b and c run together.
  EXPECT_THAT(Scripts(ex), ElementsAre("a", "migrate", "b", "c"));
  EXPECT_EQ(rec.max_running, 2);
  EXPECT_EQ(r.duration, absl::Seconds(3));
}

TEST(EngineTest, FailureBlocksDependentsButNotIndependentBranches) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "make db",
              .exit_code = 2,
              .output = {"compiling", "db.c:3: error: expected ';'"}});
  RunResult r = RunCi(MakeProject({Local("db", "make db"), Local("api", "make api", {"db"}),
                                   Local("smoke", "smoke", {"api"}), Local("lint", "lint")}),
                      ex);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "");
  const ResourceResult* db = r.Find("db");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->status, ResourceStatus::kFailed);
  EXPECT_EQ(db->reason, "exit 2");
  EXPECT_THAT(db->last_lines, ElementsAre("compiling", "db.c:3: error: expected ';'"));
  EXPECT_EQ(r.Find("api")->status, ResourceStatus::kBlocked);
  EXPECT_EQ(r.Find("api")->reason, "dependency 'db' failed");
  EXPECT_EQ(r.Find("smoke")->status, ResourceStatus::kBlocked);
  EXPECT_EQ(r.Find("smoke")->reason, "dependency 'api' blocked ('db' failed)");
  EXPECT_EQ(r.Find("lint")->status, ResourceStatus::kSucceeded);
  EXPECT_THAT(Scripts(ex), ElementsAre("make db", "lint"));
}

TEST(EngineTest, KeepsOnlyTheLastTwentyLinesOfAFailure) {
  ScriptedExecutor ex;
  std::vector<std::string> lines;
  for (int i = 1; i <= 50; ++i) lines.push_back(absl::StrCat("line ", i));
  ex.AddRule({.pattern = "*", .exit_code = 1, .output = lines});
  RunResult r = RunCi(MakeProject({Local("a", "a")}), ex);
  const ResourceResult* a = r.Find("a");
  ASSERT_EQ(a->last_lines.size(), 20u);
  EXPECT_EQ(a->last_lines.front(), "line 31");
  EXPECT_EQ(a->last_lines.back(), "line 50");
}

TEST(EngineTest, ThenCmdsRunInOrderAndAFailingStepIsNamed) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "push *", .exit_code = 1});
  Resource image = Local("image", "build");
  image.then_cmds = {Command::Argv({"tag", "x"}), Command::Argv({"push", "x"}),
                     Command::Argv({"never"})};
  RunResult r = RunCi(MakeProject({image}), ex);
  EXPECT_THAT(Scripts(ex), ElementsAre("build", "tag x", "push x"));
  EXPECT_EQ(r.Find("image")->status, ResourceStatus::kFailed);
  EXPECT_EQ(r.Find("image")->reason, "push x: exit 1");
}

TEST(EngineTest, PerCommandTimeoutFailsTheResource) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "sleep *", .delay = absl::Minutes(1)});
  Resource slow = Local("slow", "sleep 60");
  slow.timeout = absl::Seconds(5);
  RunResult r = RunCi(MakeProject({slow, Local("after", "true", {"slow"})}), ex);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.Find("slow")->status, ResourceStatus::kFailed);
  EXPECT_EQ(r.Find("slow")->reason, "timed out after 5s");
  EXPECT_EQ(r.Find("slow")->duration, absl::Seconds(5));
  EXPECT_EQ(r.Find("after")->status, ResourceStatus::kBlocked);
}

TEST(EngineTest, RunTimeoutCancelsWhatRunsAndWhatWaits) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "forever", .delay = absl::Hours(1)});
  Project p = MakeProject({Local("quick", "true"), Local("stuck", "forever"),
                           Local("next", "true", {"stuck"})});
  p.settings.ci_timeout = absl::Minutes(30);
  RunResult r = RunCi(p, ex);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "timed out after 30m0s");
  EXPECT_EQ(r.duration, absl::Minutes(30));
  EXPECT_EQ(r.Find("quick")->status, ResourceStatus::kSucceeded);
  EXPECT_EQ(r.Find("stuck")->status, ResourceStatus::kCancelled);
  EXPECT_EQ(r.Find("stuck")->reason, "timed out after 30m0s");
  EXPECT_EQ(r.Find("next")->status, ResourceStatus::kCancelled);
  EXPECT_EQ(r.Find("next")->reason, "not started: timed out after 30m0s");
  EXPECT_EQ(ex.running(), 0u);

  // The option overrides the project's setting.
  ScriptedExecutor ex2;
  ex2.AddRule({.pattern = "forever", .delay = absl::Hours(1)});
  EXPECT_EQ(RunCi(p, ex2, {.timeout = absl::Seconds(90)}).error, "timed out after 1m30s");
}

class RefuseKubectlSetImage : public CommandPolicy {
 public:
  absl::Status Check(const CommandSpec& spec) const override {
    if (spec.argv.size() == 3 && absl::StrContains(spec.argv[2], "kubectl set image")) {
      return absl::FailedPreconditionError(
          "refused: `kubectl set image` mutates an Argo-owned workload; use helm_release");
    }
    return absl::OkStatus();
  }
};

TEST(EngineTest, PolicyRefusalStopsTheRunBeforeAnythingRuns) {
  // Every refused command of the selection is named, with the Tiltfile line
  // of its resource and the command; nothing starts, not even "fine".
  ScriptedExecutor ex;
  RefuseKubectlSetImage policy;
  Resource oops = Local("oops", "kubectl set image deploy/api api=x");
  oops.declared_at = {.file = "Tiltfile.py", .line = 7};
  Resource then = Local("then", "make");
  then.then_cmds = {Command::Shell("kubectl set image deploy/web web=y")};
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(MakeProject({oops, Local("after", "true", {"oops"}), Local("fine", "make"), then}),
                     ex, {.policy = &policy});
  EXPECT_THAT(engine,
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::AllOf(
                           HasSubstr("Tiltfile.py:7: resource 'oops': refused: `kubectl set image` "
                                     "mutates an Argo-owned workload; use helm_release [command: sh "
                                     "-c 'kubectl set image deploy/api api=x']"),
                           HasSubstr("\nresource 'then': refused: "),
                           HasSubstr("kubectl set image deploy/web web=y"))));
  EXPECT_TRUE(ex.calls().empty());
  // What is not selected is not judged.
  absl::StatusOr<std::unique_ptr<Engine>> fine =
      Engine::Create(MakeProject({oops, Local("fine", "make")}), ex,
                     {.selection = {"fine"}, .policy = &policy});
  ASSERT_THAT(fine, IsOk());
  EXPECT_TRUE((*fine)->Ci().ok);
  EXPECT_THAT(Scripts(ex), ElementsAre("make"));
}

TEST(EngineTest, ExecReadinessProbesPassTheGuardBeforeAnythingRuns) {
  // The development guard (the default policy) refuses a probe that would
  // restart a workload, naming the Tiltfile line; nothing starts.
  Resource serve = Local("web", "make web");
  serve.serve_cmd = Command::Argv({"./web"});
  Probe probe;
  probe.action = ExecAction{.command = {"kubectl", "rollout", "restart", "deploy/api"}};
  serve.readiness_probe = probe;
  serve.declared_at = {.file = "Tiltfile.py", .line = 9};
  ScriptedExecutor ex;
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(MakeProject({serve}), ex, {});
  EXPECT_THAT(engine, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("Tiltfile.py:9: resource 'web': readiness_probe: ")));
  EXPECT_TRUE(ex.calls().empty());
}

// Checks and records run on the engine's worker threads in real runs.
class FakeGate : public UpdateGate {
 public:
  absl::StatusOr<GateDecision> Check(const Resource& r) override {
    std::lock_guard<std::mutex> lock(mu);
    checked.push_back(r.name);
    if (r.name == "cached") return GateDecision{.run = false, .reason = "skipped: unchanged since dev-1a2b"};
    return GateDecision{.run = true, .reason = "rebuilt: Dockerfile changed"};
  }
  absl::Status Record(const Resource& r) override {
    std::lock_guard<std::mutex> lock(mu);
    recorded.push_back(r.name);
    return record_error;
  }
  std::mutex mu;
  std::vector<std::string> checked, recorded;
  absl::Status record_error = absl::OkStatus();
};

TEST(EngineTest, GateSkipsUnchangedRunsChangedAndRecordsSuccesses) {
  auto typed = [](std::string name, std::string cmd, std::vector<std::string> deps = {}) {
    Resource r = Local(std::move(name), std::move(cmd), std::move(deps));
    r.inputs.paths = {"Dockerfile"};
    return r;
  };
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "build broken", .exit_code = 1});
  FakeGate gate;
  Recorder rec;
  RunResult r = RunCi(MakeProject({typed("cached", "build cached"), typed("changed", "build changed"),
                                   typed("broken", "build broken"), Local("plain", "make"),
                                   Local("deploy", "helm", {"cached"})}),
                      ex, {.gate = &gate, .observers = {&rec}});
  EXPECT_THAT(gate.checked, ElementsAre("cached", "changed", "broken"));  // not "plain"
  EXPECT_THAT(gate.recorded, IsEmpty());  // a scripted run records nothing
  EXPECT_THAT(Scripts(ex), ElementsAre("build changed", "build broken", "make", "helm"));
  EXPECT_EQ(r.Find("cached")->status, ResourceStatus::kUpToDate);
  EXPECT_EQ(r.Find("cached")->reason, "skipped: unchanged since dev-1a2b");
  EXPECT_EQ(r.Find("deploy")->status, ResourceStatus::kSucceeded);  // up to date unblocks
  EXPECT_EQ(r.Find("changed")->reason, "rebuilt: Dockerfile changed");
  EXPECT_THAT(rec.events, ::testing::Contains("started changed: rebuilt: Dockerfile changed"));

  // --force: the gate is not asked, everything runs (and is recorded).
  ScriptedExecutor ex2;
  FakeGate gate2;
  RunResult forced = RunCi(MakeProject({typed("cached", "build cached")}), ex2,
                           {.gate = &gate2, .force = true});
  EXPECT_THAT(gate2.checked, IsEmpty());
  EXPECT_THAT(gate2.recorded, IsEmpty());
  EXPECT_EQ(forced.Find("cached")->status, ResourceStatus::kSucceeded);
}

TEST(EngineTest, OnlyARealRunRecordsAndOnlyItsSuccesses) {
  auto typed = [](std::string name, std::string cmd) {
    Resource r = Local(std::move(name), std::move(cmd));
    r.inputs.paths = {"Dockerfile"};
    return r;
  };
  Project project = MakeProject({typed("cached", "true"), typed("changed", "true"),
                                 typed("broken", "false"), Local("plain", "true")});
  project.root = "/";
  ProcessExecutor real;
  FakeGate gate;
  RunResult r = RunCi(project, real, {.gate = &gate});
  EXPECT_THAT(gate.checked, ::testing::UnorderedElementsAre("cached", "changed", "broken"));
  EXPECT_THAT(gate.recorded, ElementsAre("changed"));
  EXPECT_EQ(r.Find("cached")->status, ResourceStatus::kUpToDate);
  EXPECT_EQ(r.Find("changed")->status, ResourceStatus::kSucceeded);

  // A record that cannot be made (the registry does not confirm the push)
  // is shown and keeps the success; the next run will update again.
  FakeGate refusing;
  refusing.record_error = absl::FailedPreconditionError("the registry does not show x:dev-1");
  Recorder rec;
  RunResult again = RunCi(project, real, {.gate = &refusing, .observers = {&rec}});
  EXPECT_EQ(again.Find("changed")->status, ResourceStatus::kSucceeded);
  EXPECT_THAT(rec.events,
              ::testing::Contains(HasSubstr("fops: not recorded, so the next run updates it "
                                            "again: the registry does not show x:dev-1")));

  // The same project through a scripted executor: nothing is recorded.
  ScriptedExecutor scripted;
  FakeGate untouched;
  RunCi(project, scripted, {.gate = &untouched});
  EXPECT_THAT(untouched.recorded, IsEmpty());
}

TEST(EngineTest, ManualAndAutoInitFalseResourcesAreNotRunOrWaitedFor) {
  ScriptedExecutor ex;
  Resource manual = Local("e2e", "playwright test");
  manual.trigger_mode = TriggerMode::kManual;
  Resource optional = Local("worker", "make worker");
  optional.auto_init = false;
  Resource needed = Local("codegen", "make gen");
  needed.auto_init = false;  // but an auto resource depends on it: it runs
  RunResult r = RunCi(MakeProject({manual, optional, needed, Local("api", "make api", {"codegen"})}),
                      ex);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.Find("e2e")->status, ResourceStatus::kNotRun);
  EXPECT_EQ(r.Find("worker")->status, ResourceStatus::kNotRun);
  EXPECT_EQ(r.Find("codegen")->status, ResourceStatus::kSucceeded);
  EXPECT_THAT(Scripts(ex), ElementsAre("make gen", "make api"));
}

TEST(EngineTest, SelectionRunsTheNamedResourcesAndTheirDepsOnly) {
  ScriptedExecutor ex;
  Resource manual = Local("e2e", "playwright test", {"api"});
  manual.trigger_mode = TriggerMode::kManual;
  Project p = MakeProject({Local("db", "db"), Local("api", "api", {"db"}), Local("portal", "portal"),
                           manual});
  RunResult r = RunCi(p, ex, {.selection = {"e2e"}});
  EXPECT_TRUE(r.ok);
  EXPECT_THAT(Scripts(ex), ElementsAre("db", "api", "playwright test"));
  EXPECT_EQ(r.Find("portal")->status, ResourceStatus::kNotRun);

  EXPECT_THAT(Engine::Create(p, ex, {.selection = {"apii"}}),
              StatusIs(absl::StatusCode::kNotFound,
                       "selecting resources: unknown resource 'apii' (did you mean 'api'?)"));
}

TEST(EngineTest, InvalidGraphRunsNothing) {
  ScriptedExecutor ex;
  Resource a = Local("a", "a", {"b"});
  a.declared_at = {.file = "Tiltfile.py", .line = 3};
  Resource b = Local("b", "b", {"a"});
  EXPECT_THAT(Engine::Create(MakeProject({a, b}), ex, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "Tiltfile.py:3: dependency cycle: a -> b -> a"));
  EXPECT_THAT(ex.calls(), IsEmpty());
}

TEST(EngineTest, ObserversSeeEveryEventInOrder) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "make db", .output = {"db built"}});
  ex.AddRule({.pattern = "./api", .output = {"listening"}, .serve_until_stopped = true});
  Resource api = Local("api", "make api", {"db"});
  api.serve_cmd = Command::Argv({"./api"});
  Recorder rec;
  RunResult r = RunCi(MakeProject({Local("db", "make db"), api, Local("smoke", "curl", {"api"})}),
                      ex, {.observers = {&rec}});
  ASSERT_TRUE(r.ok);
  EXPECT_THAT(rec.events, ElementsAre("run started",                                  //
                                      "started db", "command db", "output db: db built",  //
                                      "finished db succeeded",                         //
                                      "started api", "command api",                    //
                                      "command api (serve)", "ready api",              //
                                      "finished api succeeded",                        //
                                      "started smoke", "command smoke",                //
                                      "output api: listening",                         //
                                      "finished smoke succeeded",                      //
                                      "run finished ok"));
  // The serve process was stopped when ci ended.
  EXPECT_EQ(ex.running(), 0u);
}

TEST(EngineTest, ServeProcessThatDiesFailsItsResource) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "./api", .exit_code = 1, .output = {"panic: bind: address in use"}});
  ex.AddRule({.pattern = "slow", .delay = absl::Seconds(1)});
  Resource api = Local("api", "");
  api.serve_cmd = Command::Argv({"./api"});
  RunResult r = RunCi(MakeProject({api, Local("smoke", "slow", {"api"})}), ex);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.Find("api")->status, ResourceStatus::kFailed);
  EXPECT_EQ(r.Find("api")->reason, "serve_cmd exited: exit 1");
  EXPECT_THAT(r.Find("api")->last_lines, ElementsAre("panic: bind: address in use"));
}

TEST(EngineTest, RequestStopCancelsTheRun) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "long", .delay = absl::Minutes(5)});
  std::unique_ptr<Engine> engine;
  // Stops the engine as soon as "long" starts, as a SIGINT handler would.
  class StopOnStart : public Observer {
   public:
    explicit StopOnStart(std::unique_ptr<Engine>& e) : engine_(e) {}
    void OnResourceStarted(const Resource& r, std::string_view) override {
      if (r.name == "long") engine_->RequestStop();
    }
    std::unique_ptr<Engine>& engine_;
  } stopper(engine);
  auto created = Engine::Create(MakeProject({Local("long", "long"), Local("after", "x", {"long"})}),
                                ex, {.observers = {&stopper}});
  ASSERT_THAT(created, IsOk());
  engine = std::move(*created);
  RunResult r = engine->Ci();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "interrupted");
  EXPECT_EQ(r.Find("long")->status, ResourceStatus::kCancelled);
  EXPECT_EQ(r.Find("long")->reason, "interrupted");
  EXPECT_EQ(r.Find("after")->status, ResourceStatus::kCancelled);
  EXPECT_EQ(ex.running(), 0u);
}

TEST(EngineTest, UpKeepsServingUntilStoppedFromAnotherThread) {
  ScriptedExecutor ex;
  Resource api = Local("api", "make api");
  api.serve_cmd = Command::Argv({"./api"});
  struct StopLater : Observer {
    void OnResourceReady(const Resource&) override {
      serving_at_ready = ex->running();
      // From another thread, as `fops up` does on SIGINT.
      stopper = std::thread([this] {
        stop_sent = true;
        engine->RequestStop();
      });
    }
    void OnRunFinished(const RunResult&) override { finished_after_stop = stop_sent.load(); }
    Engine* engine = nullptr;
    const ScriptedExecutor* ex = nullptr;
    size_t serving_at_ready = 0;
    std::atomic<bool> stop_sent{false};
    bool finished_after_stop = false;
    std::thread stopper;
  } stop;
  stop.ex = &ex;
  auto engine = Engine::Create(MakeProject({api}), ex, {.observers = {&stop}});
  ASSERT_THAT(engine, IsOk());
  stop.engine = engine->get();
  RunResult r = (*engine)->Up();
  stop.stopper.join();
  EXPECT_TRUE(stop.finished_after_stop);
  EXPECT_EQ(stop.serving_at_ready, 1u);
  // Stopping a session that came up is how `up` ends: not an error.
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.Find("api")->status, ResourceStatus::kSucceeded);
  EXPECT_EQ(ex.running(), 0u);
}

TEST(EngineTest, TenThousandIndependentResources) {
  ScriptedExecutor ex;
  std::vector<Resource> rs;
  for (int i = 0; i < 10000; ++i) rs.push_back(Local(absl::StrCat("r", i), "true"));
  RunResult r = RunCi(MakeProject(rs), ex, {.max_parallel = 8});
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(ex.calls().size(), 10000u);
}

TEST(EngineTest, DryRunRecordsEveryCommandInDependencyOrder) {
  DryRunExecutor dry;
  Resource api = Local("api", "make api", {"db"});
  api.serve_cmd = Command::Argv({"./api", "--port", "8080"});
  api.readiness_probe = Probe{};
  RunResult r = RunCi(MakeProject({api, Local("db", "make db")}), dry);
  EXPECT_TRUE(r.ok);
  ASSERT_EQ(dry.recorded().size(), 3u);
  EXPECT_EQ(dry.recorded()[0].argv[2], "make db");
  EXPECT_EQ(dry.recorded()[1].argv[2], "make api");
  EXPECT_THAT(dry.recorded()[2].argv, ElementsAre("./api", "--port", "8080"));
  EXPECT_TRUE(dry.recorded()[2].serve);
}

// A prober that answers from a script, one answer per attempt ('+' passes,
// '-' fails with "HTTP 500"); past the end it repeats the last answer.
class ScriptedProber : public Prober {
 public:
  explicit ScriptedProber(std::string answers) : answers_(std::move(answers)) {}
  absl::Status Check(const Probe&) override {
    const size_t n = calls_.fetch_add(1);
    const char answer = answers_[std::min(n, answers_.size() - 1)];
    return answer == '+' ? absl::OkStatus() : absl::UnavailableError("HTTP 500");
  }
  size_t calls() const { return calls_.load(); }

 private:
  std::string answers_;
  std::atomic<size_t> calls_{0};
};

std::vector<std::string> rec_events_for(std::string_view name,
                                        const std::vector<std::string>& events) {
  std::vector<std::string> out;
  for (const std::string& e : events) {
    if (absl::StartsWith(e, absl::StrCat("started ", ToAbsl(name))) ||
        absl::StartsWith(e, absl::StrCat("finished ", ToAbsl(name)))) {
      out.push_back(e);
    }
  }
  return out;
}

Resource ProbedServer(std::string name, int failure_threshold = 3, int success_threshold = 1) {
  Resource r = Local(std::move(name), "");
  r.serve_cmd = Command::Argv({"./" + r.name});
  Probe probe;
  probe.action = HttpGetAction{.port = 8080, .path = "/healthz"};
  probe.period = absl::Seconds(1);
  probe.failure_threshold = failure_threshold;
  probe.success_threshold = success_threshold;
  r.readiness_probe = probe;
  return r;
}

TEST(EngineTest, ServeThatStopsAnsweringAfterReadyFailsTheCiRunAndBlocksWhatWaits) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "smoke", .output = {"smoke ok"}, .delay = absl::Seconds(10)});
  ex.AddRule({.pattern = "slow", .delay = absl::Seconds(20)});
  ScriptedProber prober("+---");  // ready, then three failures in a row
  Recorder rec;
  RunResult r = RunCi(MakeProject({ProbedServer("api"), Local("smoke", "smoke", {"api"}),
                                   Local("slow", "slow"), Local("e2e", "e2e", {"api", "slow"})}),
                      ex, {.prober = &prober, .observers = {&rec}});
  EXPECT_FALSE(r.ok);
  const std::string why = "not ready: http_get http://127.0.0.1:8080/healthz failed 3 times: HTTP 500";
  EXPECT_EQ(r.Find("api")->status, ResourceStatus::kFailed);
  EXPECT_EQ(r.Find("api")->reason, why);
  // What already ran against it finishes on its own terms; what had not
  // started is blocked.
  EXPECT_EQ(r.Find("smoke")->status, ResourceStatus::kSucceeded);
  EXPECT_EQ(r.Find("e2e")->status, ResourceStatus::kBlocked);
  EXPECT_EQ(r.Find("e2e")->reason, "dependency 'api' failed");
  EXPECT_EQ(prober.calls(), 4u);
  EXPECT_THAT(Scripts(ex), ElementsAre("./api", "slow", "smoke"));
  std::vector<std::string> api_events;
  for (const std::string& e : rec.events) {
    if (absl::StrContains(e, " api")) api_events.push_back(e);
  }
  EXPECT_THAT(api_events, ElementsAre("started api", "command api (serve)", "ready api", "finished api succeeded",
                                      "not ready api: " + why, "finished api failed"));
  EXPECT_EQ(ex.running(), 0u);
}

TEST(EngineTest, OnlyConsecutiveProbeFailuresCostReadiness) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "smoke", .delay = absl::Seconds(10)});
  ScriptedProber prober("+--+--+--+--+");  // never three failures in a row
  Recorder rec;
  RunResult r = RunCi(MakeProject({ProbedServer("api"), Local("smoke", "smoke", {"api"})}), ex,
                      {.prober = &prober, .observers = {&rec}});
  EXPECT_TRUE(r.ok) << FormatSummary(r);
  EXPECT_GE(prober.calls(), 10u);  // probed every period while smoke ran
  for (const std::string& e : rec.events) EXPECT_THAT(e, ::testing::Not(HasSubstr("not ready")));
}

TEST(EngineTest, UpReportsLostAndRegainedReadinessAndKeepsTheServerRunning) {
  ScriptedExecutor ex;
  // Two passes: ready (success_threshold 2); two failures (below the
  // threshold of 3); a pass; three failures: lost; one pass, a failure,
  // two passes: ready again.
  ScriptedProber prober("++--+---+-++");
  struct StopWhenReadyAgain : Recorder {
    void OnReadinessChanged(const Resource& r, bool ready, std::string_view reason) override {
      Recorder::OnReadinessChanged(r, ready, reason);
      if (ready) engine->RequestStop();
    }
    Engine* engine = nullptr;
  } rec;
  auto engine = Engine::Create(MakeProject({ProbedServer("api", 3, 2)}), ex,
                               {.prober = &prober, .observers = {&rec}});
  ASSERT_THAT(engine, IsOk());
  rec.engine = engine->get();
  RunResult r = (*engine)->Up();
  EXPECT_TRUE(r.ok) << FormatSummary(r);
  EXPECT_EQ(r.Find("api")->status, ResourceStatus::kSucceeded);
  EXPECT_THAT(rec.events,
              ElementsAre("run started", "started api", "command api (serve)", "ready api",
                          "finished api succeeded",
                          "not ready api: not ready: http_get http://127.0.0.1:8080/healthz "
                          "failed 3 times: HTTP 500",
                          "ready again api", "run finished ok"));
  EXPECT_EQ(prober.calls(), 12u);
  EXPECT_EQ(ex.calls().size(), 1u);  // the server was never restarted
}

// Calls Trigger() from observer callbacks: on `when` (or `what`) finishing,
// triggers `what` (`times` triggers in all), and stops the session once
// `what` has finished that many updates.
struct Triggerer : Recorder {
  Triggerer(std::string when, std::string what, int times)
      : when(std::move(when)), what(std::move(what)), times(times), stop_after(times) {}
  void OnResourceFinished(const Resource& r, const ResourceResult& result) override {
    Recorder::OnResourceFinished(r, result);
    if (r.name == what && ++finished == stop_after) {
      engine->RequestStop();
      return;
    }
    if ((r.name == when || r.name == what) && sent < times) {
      ++sent;
      statuses.push_back(engine->Trigger(what));
    }
  }
  Engine* engine = nullptr;
  std::string when, what;
  int times, sent = 0, finished = 0, stop_after;
  std::vector<absl::Status> statuses;
};

Resource Manual(std::string name, std::string cmd, std::vector<std::string> deps = {}) {
  Resource r = Local(std::move(name), std::move(cmd), std::move(deps));
  r.trigger_mode = TriggerMode::kManual;
  return r;
}

TEST(EngineTest, TriggerRunsAManualResourceOncePerTrigger) {
  ScriptedExecutor ex;
  Triggerer t("api", "fill", 2);
  auto engine = Engine::Create(MakeProject({Local("api", "make api"), Manual("fill", "fill db")}),
                               ex, {.observers = {&t}});
  ASSERT_THAT(engine, IsOk());
  t.engine = engine->get();
  RunResult r = (*engine)->Up();
  EXPECT_TRUE(r.ok) << FormatSummary(r);
  for (const absl::Status& s : t.statuses) EXPECT_THAT(s, IsOk());
  EXPECT_THAT(Scripts(ex), ElementsAre("make api", "fill db", "fill db"));
  EXPECT_EQ(r.Find("fill")->status, ResourceStatus::kSucceeded);
  EXPECT_THAT(rec_events_for("fill", t.events), ElementsAre("started fill: triggered",
                                                            "finished fill succeeded",
                                                            "started fill: triggered",
                                                            "finished fill succeeded"));
}

TEST(EngineTest, ARefusedTriggerRunsNothingOfIt) {
  // A manual resource is judged when it is triggered, with its deps: a
  // refusal comes back to the caller and nothing of it starts.
  struct TriggerOnce : Observer {
    void OnResourceFinished(const Resource& r, const ResourceResult&) override {
      if (r.name != "api") return;
      status = engine->Trigger("deploy");
      engine->RequestStop();
    }
    Engine* engine = nullptr;
    absl::Status status;
  } trigger;
  ScriptedExecutor ex;
  RefuseKubectlSetImage policy;
  Resource deploy = Manual("deploy", "kubectl set image deploy/api api=x", {"prep"});
  deploy.declared_at = {.file = "Tiltfile.py", .line = 12};
  auto engine = Engine::Create(
      MakeProject({Local("api", "make api"), Manual("prep", "make prep"), deploy}), ex,
      {.policy = &policy, .observers = {&trigger}});
  ASSERT_THAT(engine, IsOk());
  trigger.engine = engine->get();
  (*engine)->Up();
  EXPECT_THAT(trigger.status,
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::AllOf(HasSubstr("cannot trigger 'deploy'"),
                                        HasSubstr("Tiltfile.py:12: resource 'deploy': refused"))));
  EXPECT_THAT(Scripts(ex), ElementsAre("make api"));
}

TEST(EngineTest, TriggerFromAnotherThreadWakesAnIdleSession) {
  ScriptedExecutor ex;
  struct StopAfterFill : Recorder {
    void OnResourceFinished(const Resource& r, const ResourceResult& result) override {
      Recorder::OnResourceFinished(r, result);
      if (r.name == "fill") engine->RequestStop();
    }
    Engine* engine = nullptr;
  } rec;
  auto engine = Engine::Create(MakeProject({Local("api", "make api"), Manual("fill", "fill db")}),
                               ex, {.observers = {&rec}});
  ASSERT_THAT(engine, IsOk());
  rec.engine = engine->get();
  // Before Up() there is no session to trigger in.
  EXPECT_THAT((*engine)->Trigger("fill"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("cannot trigger 'fill': no `fops up` session is running")));
  std::thread client([&] {
    // Up() sits idle once api is done; keep asking until it is in session.
    while ((*engine)->Trigger("fill").code() == absl::StatusCode::kFailedPrecondition) {
      std::this_thread::yield();
    }
  });
  RunResult r = (*engine)->Up();
  client.join();
  EXPECT_TRUE(r.ok) << FormatSummary(r);
  EXPECT_THAT(Scripts(ex), ElementsAre("make api", "fill db"));
  EXPECT_THAT((*engine)->Trigger("fill"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no `fops up` session")));
}

TEST(EngineTest, TriggerOfAnUnknownNameNamesTheDefinedOnes) {
  ScriptedExecutor ex;
  auto engine = Engine::Create(MakeProject({Local("api", "make api"), Manual("fill", "fill db")}),
                               ex, {});
  ASSERT_THAT(engine, IsOk());
  EXPECT_THAT((*engine)->Trigger("fil"),
              StatusIs(absl::StatusCode::kNotFound,
                       "unknown resource 'fil' (did you mean 'fill'?); defined: api, fill"));
}

TEST(EngineTest, TriggerRunsDepsThatHaveNotSucceededFirstAndOnlyThose) {
  ScriptedExecutor ex;
  Triggerer t("db", "migrate", 2);
  auto engine = Engine::Create(
      MakeProject({Local("db", "make db"), Manual("fixtures", "load fixtures", {"db"}),
                   Manual("migrate", "migrate", {"fixtures"})}),
      ex, {.observers = {&t}});
  ASSERT_THAT(engine, IsOk());
  t.engine = engine->get();
  RunResult r = (*engine)->Up();
  EXPECT_TRUE(r.ok) << FormatSummary(r);
  // db had succeeded: not run again; fixtures had not run: first, once.
  EXPECT_THAT(Scripts(ex), ElementsAre("make db", "load fixtures", "migrate", "migrate"));
  EXPECT_THAT(rec_events_for("fixtures", t.events),
              ElementsAre("started fixtures: triggered: needed by 'migrate'",
                          "finished fixtures succeeded"));
}

TEST(EngineTest, TriggerDuringAnUpdateQueuesExactlyOneMore) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "build", .delay = absl::Seconds(5)});
  struct TriggerWhileRunning : Recorder {
    void OnResourceStarted(const Resource& r, std::string_view reason) override {
      Recorder::OnResourceStarted(r, reason);
      if (++starts == 1) {
        for (int i = 0; i < 3; ++i) statuses.push_back(engine->Trigger("build"));
      }
    }
    void OnResourceFinished(const Resource& r, const ResourceResult& result) override {
      Recorder::OnResourceFinished(r, result);
      if (++finishes == 2) engine->RequestStop();
    }
    Engine* engine = nullptr;
    int starts = 0, finishes = 0;
    std::vector<absl::Status> statuses;
  } rec;
  auto engine = Engine::Create(MakeProject({Local("build", "build")}), ex, {.observers = {&rec}});
  ASSERT_THAT(engine, IsOk());
  rec.engine = engine->get();
  RunResult r = (*engine)->Up();
  EXPECT_TRUE(r.ok) << FormatSummary(r);
  for (const absl::Status& s : rec.statuses) EXPECT_THAT(s, IsOk());
  EXPECT_THAT(Scripts(ex), ElementsAre("build", "build"));
  EXPECT_THAT(rec_events_for("build", rec.events),
              ElementsAre("started build", "finished build succeeded", "started build: triggered",
                          "finished build succeeded"));
}

}  // namespace
}  // namespace fops
