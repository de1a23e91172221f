// Engine::Reload: a running `up` session takes a new project — added
// resources start, removed ones stop, changed ones restart, unchanged ones
// keep running — and refuses, changing nothing, what it cannot check.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fops/base/status_matchers.h"
#include "fops/base/string_view.h"
#include "fops/engine/engine.h"
#include "fops/engine/reload_plan.h"
#include "fops/exec/scripted_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Resource Serve(std::string name, std::string serve, std::vector<std::string> deps = {}) {
  Resource r;
  r.name = std::move(name);
  r.serve_cmd = Command::Shell(std::move(serve));
  r.resource_deps = std::move(deps);
  return r;
}

Resource Local(std::string name, std::string cmd, std::vector<std::string> deps = {}) {
  Resource r;
  r.name = std::move(name);
  r.cmd = Command::Shell(std::move(cmd));
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

std::vector<std::string> Scripts(const ScriptedExecutor& ex) {
  std::vector<std::string> out;
  for (const CommandSpec& spec : ex.calls()) out.push_back(spec.argv.back());
  return out;
}

class RefuseKubectlApply : public CommandPolicy {
 public:
  absl::Status Check(const CommandSpec& spec) const override {
    if (absl::StrContains(absl::StrJoin(spec.argv, " "), "kubectl apply")) {
      return absl::FailedPreconditionError("refused [kubectl-apply]: not the dev cluster");
    }
    return absl::OkStatus();
  }
};

// Reloads `next` once `ready_before` serve resources are ready, records
// what happens, and stops the session once `ready_after` more are ready
// after the reload (or right after a failed one).
class Reloader : public Observer {
 public:
  Reloader(Project next, int ready_before, int ready_after)
      : next_(std::move(next)), ready_before_(ready_before), ready_after_(ready_after) {}

  void OnResourceReady(const Resource& r) override {
    events.push_back("ready " + r.name);
    if (!reloaded_ && ++ready_ == ready_before_) {
      reloaded_ = true;
      plan = engine->Reload(next_);  // a refusal reaches OnReload, which stops
      return;
    }
    if (reloaded_ && applied_ && ++ready_after_reload_ == ready_after_) engine->RequestStop();
  }
  void OnResourceFinished(const Resource& r, const ResourceResult& result) override {
    events.push_back(absl::StrCat("finished ", r.name, " ", ToAbsl(ResourceStatusName(result.status))));
    if (reloaded_ && applied_ && ready_after_ == 0) engine->RequestStop();
  }
  void OnResourceQueued(const Resource& r, std::string_view reason) override {
    if (!reason.empty()) events.push_back(absl::StrCat("queued ", r.name, ": ", ToAbsl(reason)));
  }
  void OnReload(const Project& project, const ReloadEvent& event) override {
    running_at_reload = ex->running();
    names_at_reload.clear();
    for (const Resource& r : project.resources) names_at_reload.push_back(r.name);
    if (!event.error.empty()) {
      errors.push_back(event.error);
      engine->RequestStop();
      return;
    }
    applied_ = true;
    events.push_back(absl::StrCat("reloaded: ", absl::StrJoin(event.added, ","), " | ",
                                  absl::StrJoin(event.changed, ","), " | ",
                                  absl::StrJoin(event.removed, ",")));
  }

  Engine* engine = nullptr;
  const ScriptedExecutor* ex = nullptr;
  absl::StatusOr<ReloadPlan> plan = absl::UnknownError("not reloaded");
  std::vector<std::string> events;
  std::vector<std::string> errors;
  std::vector<std::string> names_at_reload;
  size_t running_at_reload = 0;

 private:
  Project next_;
  int ready_before_;
  int ready_after_;
  int ready_ = 0;
  int ready_after_reload_ = 0;
  bool reloaded_ = false;
  bool applied_ = false;
};

TEST(ReloadPlanTest, ComparesByNameAndDefinitionNotByLineOrLabels) {
  Resource api = Serve("api", "./api --port 8080");
  api.declared_at = {.file = "Tiltfile.py", .line = 3};
  Resource moved = api;
  moved.declared_at.line = 9;
  moved.labels = {"backend"};
  Resource changed = api;
  changed.serve_cmd = Command::Shell("./api --port 8081");
  EXPECT_TRUE(SameDefinition(api, moved));
  EXPECT_FALSE(SameDefinition(api, changed));

  ReloadPlan plan = PlanReload(MakeProject({api, Local("db", "make db"), Local("old", "true")}),
                               MakeProject({Local("new", "true"), changed, Local("db", "make db")}));
  EXPECT_THAT(plan.added, ElementsAre("new"));
  EXPECT_THAT(plan.changed, ElementsAre("api"));
  EXPECT_THAT(plan.unchanged, ElementsAre("db"));
  EXPECT_THAT(plan.removed, ElementsAre("old"));
  EXPECT_EQ(DescribeReload(plan), "added new; changed api; removed old");
  EXPECT_EQ(DescribeReload(PlanReload(MakeProject({api}), MakeProject({moved}))),
            "no resource changed");
}

TEST(EngineReloadTest, AddedStartRemovedStopChangedRestartUnchangedKeepRunning) {
  ScriptedExecutor ex;
  Project first = MakeProject({Serve("keep", "./keep"), Serve("gone", "./gone"),
                               Serve("change", "./change --v1")});
  Project second = MakeProject({Serve("keep", "./keep"), Serve("change", "./change --v2"),
                                Serve("added", "./added")});
  second.resources[0].declared_at = {.file = "Tiltfile.py", .line = 40};  // moved down: same
  Reloader reloader(second, /*ready_before=*/3, /*ready_after=*/2);
  reloader.ex = &ex;
  auto engine = Engine::Create(first, ex, {.observers = {&reloader}});
  ASSERT_THAT(engine, IsOk());
  reloader.engine = engine->get();
  RunResult r = (*engine)->Up();

  ASSERT_THAT(reloader.plan, IsOk());
  EXPECT_THAT(reloader.plan->added, ElementsAre("added"));
  EXPECT_THAT(reloader.plan->changed, ElementsAre("change"));
  EXPECT_THAT(reloader.plan->removed, ElementsAre("gone"));
  EXPECT_THAT(reloader.plan->unchanged, ElementsAre("keep"));
  // "keep" was started once and never again; the old "change" and "gone"
  // had stopped when the new project came in (only "keep" ran then).
  EXPECT_THAT(Scripts(ex), ElementsAre("./keep", "./gone", "./change --v1", "./change --v2",
                                       "./added"));
  EXPECT_EQ(reloader.running_at_reload, 1u);
  EXPECT_THAT(reloader.names_at_reload, ElementsAre("keep", "change", "added"));
  EXPECT_THAT(reloader.events, ::testing::Contains("reloaded: added | change | gone"));
  EXPECT_THAT(reloader.events, ::testing::Contains("queued change: reloaded: definition changed"));
  EXPECT_THAT(reloader.events, ::testing::Contains("queued added: reloaded: new resource"));
  EXPECT_TRUE(reloader.errors.empty());
  // The result is the new project's.
  ASSERT_EQ(r.resources.size(), 3u);
  EXPECT_EQ(r.resources[2].name, "added");
  EXPECT_EQ(r.Find("gone"), nullptr);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(ex.running(), 0u);
}

TEST(EngineReloadTest, AChangedDependencyRunsBeforeItsChangedDependent) {
  // An image rebuilt under a new tag and the release that deploys it: the
  // upgrade waits for the build.
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "build*", .delay = absl::Seconds(2)});
  Project first = MakeProject({Local("image", "build app:aaa"),
                               Local("release", "upgrade app:aaa", {"image"}),
                               Serve("web", "./web")});
  Project second = MakeProject({Local("image", "build app:bbb"),
                                Local("release", "upgrade app:bbb", {"image"}),
                                Serve("web", "./web")});
  Reloader reloader(second, /*ready_before=*/1, /*ready_after=*/99);  // `stop` stops
  reloader.ex = &ex;
  struct StopAfterRelease : Observer {
    void OnResourceFinished(const Resource& r, const ResourceResult&) override {
      if (r.name == "release") engine->RequestStop();
    }
    Engine* engine = nullptr;
    int seen = 0;
  } stop;
  auto engine = Engine::Create(first, ex, {.observers = {&reloader, &stop}});
  ASSERT_THAT(engine, IsOk());
  reloader.engine = stop.engine = engine->get();
  RunResult r = (*engine)->Up();
  ASSERT_THAT(reloader.plan, IsOk());
  EXPECT_THAT(reloader.plan->changed, ElementsAre("image", "release"));
  std::vector<std::string> scripts = Scripts(ex);
  // web came up first; the reload happened while the first build ran.
  ASSERT_GE(scripts.size(), 4u);
  EXPECT_EQ(std::count(scripts.begin(), scripts.end(), "./web"), 1);
  auto at = [&](const std::string& s) {
    return std::find(scripts.begin(), scripts.end(), s) - scripts.begin();
  };
  EXPECT_LT(at("build app:bbb"), at("upgrade app:bbb"));
  EXPECT_EQ(std::count(scripts.begin(), scripts.end(), "upgrade app:aaa"), 0)
      << absl::StrJoin(scripts, "\n");
  EXPECT_EQ(r.Find("release")->status, ResourceStatus::kSucceeded);
}

TEST(EngineReloadTest, ARefusedReloadAppliesNothingAndSaysWhy) {
  ScriptedExecutor ex;
  RefuseKubectlApply policy;
  Project first = MakeProject({Serve("keep", "./keep")});
  Resource deploy = Local("deploy", "kubectl apply -f k8s/");
  deploy.declared_at = {.file = "Tiltfile.py", .line = 7};
  Project second = MakeProject({Serve("keep", "./keep --changed"), Serve("more", "./more"), deploy});
  Reloader reloader(second, /*ready_before=*/1, /*ready_after=*/0);
  reloader.ex = &ex;
  auto engine = Engine::Create(first, ex, {.policy = &policy, .observers = {&reloader}});
  ASSERT_THAT(engine, IsOk());
  reloader.engine = engine->get();
  (*engine)->Up();
  EXPECT_THAT(reloader.plan,
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("reload refused, nothing of it applied"),
                             HasSubstr("Tiltfile.py:7: resource 'deploy': refused [kubectl-apply]"),
                             HasSubstr("kubectl apply -f k8s/"))));
  ASSERT_EQ(reloader.errors.size(), 1u);
  EXPECT_THAT(reloader.errors[0], HasSubstr("Tiltfile.py:7"));
  EXPECT_THAT(reloader.names_at_reload, ElementsAre("keep"));  // the old project goes on
  EXPECT_THAT(Scripts(ex), ElementsAre("./keep"));
}

TEST(EngineReloadTest, ABadGraphAppliesNothing) {
  ScriptedExecutor ex;
  Project first = MakeProject({Serve("keep", "./keep")});
  Project second = MakeProject({Serve("keep", "./keep"), Local("x", "true", {"nope"})});
  Reloader reloader(second, /*ready_before=*/1, /*ready_after=*/0);
  reloader.ex = &ex;
  auto engine = Engine::Create(first, ex, {.observers = {&reloader}});
  ASSERT_THAT(engine, IsOk());
  reloader.engine = engine->get();
  (*engine)->Up();
  EXPECT_THAT(reloader.plan, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nope")));
  ASSERT_EQ(reloader.errors.size(), 1u);
  EXPECT_THAT(reloader.errors[0], HasSubstr("nope"));
  EXPECT_THAT(Scripts(ex), ElementsAre("./keep"));
}

TEST(EngineReloadTest, ALoadErrorReachesObserversAndChangesNothing) {
  ScriptedExecutor ex;
  struct FailOnce : Observer {
    void OnResourceReady(const Resource&) override {
      engine->ReloadFailed("Tiltfile.py:3: SyntaxError: invalid syntax");
    }
    void OnReload(const Project& project, const ReloadEvent& event) override {
      error = event.error;
      names = project.resources.size();
      engine->RequestStop();
    }
    Engine* engine = nullptr;
    std::string error;
    size_t names = 0;
  } fail;
  auto engine = Engine::Create(MakeProject({Serve("keep", "./keep")}), ex, {.observers = {&fail}});
  ASSERT_THAT(engine, IsOk());
  fail.engine = engine->get();
  RunResult r = (*engine)->Up();
  EXPECT_EQ(fail.error, "Tiltfile.py:3: SyntaxError: invalid syntax");
  EXPECT_EQ(fail.names, 1u);
  EXPECT_EQ(r.Find("keep")->status, ResourceStatus::kSucceeded);
}

TEST(EngineReloadTest, ReloadNeedsARunningSession) {
  ScriptedExecutor ex;
  auto engine = Engine::Create(MakeProject({Serve("keep", "./keep")}), ex, {});
  ASSERT_THAT(engine, IsOk());
  EXPECT_THAT((*engine)->Reload(MakeProject({})),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no `fops up` session")));
  EXPECT_THAT((*engine)->ResourceNames(), ElementsAre("keep"));
}

}  // namespace
}  // namespace fops
