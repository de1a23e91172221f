#include "fops/engine/telemetry_observer.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fops/base/status_matchers.h"
#include "fops/base/string_view.h"
#include "fops/engine/engine.h"
#include "fops/exec/dry_run_executor.h"
#include "fops/exec/process_executor.h"
#include "fops/exec/scripted_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/recording_event_sink.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::RecordingEventSink;
using ::testing::ElementsAre;
using ::testing::SizeIs;

struct Harness {
  std::shared_ptr<RecordingEventSink> sink = std::make_shared<RecordingEventSink>();
  ManualClock clock{absl::FromUnixSeconds(1714558272)};
  std::unique_ptr<TelemetryObserver> observer;

  Harness() {
    std::vector<std::unique_ptr<EventSink>> sinks;
    sinks.push_back(RecordingEventSink::NewSink(sink));
    PipelineOptions options;
    options.linger = absl::Milliseconds(5);
    RunFacts facts{.runner = "ci", .host = "build-3", .git_revision = std::string(40, 'a'),
                   .mode = "development"};
    observer = std::make_unique<TelemetryObserver>(
        std::make_unique<EventPipeline>(std::move(sinks), options), facts, clock);
  }

  std::vector<BuildEvent> Finish() {
    TelemetryReport report = observer->Finish(absl::Seconds(10));
    EXPECT_TRUE(report.complete());
    return sink->events();
  }
};

std::vector<std::string> Names(const std::vector<BuildEvent>& events) {
  std::vector<std::string> out;
  for (const BuildEvent& e : events) {
    out.push_back(absl::StrCat(ToAbsl(EventNameString(e.name)), e.resource.empty() ? "" : " ",
                               e.resource));
  }
  return out;
}

Resource ImageResource() {
  Resource r;
  r.name = "runtime";
  r.kind = "image";
  r.inputs.produces = "127.0.0.1:5000/fractalops/runtime:dev-1a2b3c";
  r.inputs.values = {{"target", "runtime"},
                     {"stage", "dev"},
                     {"cache_scope", "127.0.0.1:5001/fractalops/buildcache/dev/runtime"},
                     {"cache_import", "true"},
                     {"cache_export", "false"}};
  return r;
}

Resource HelmResource() {
  Resource r;
  r.name = "api";
  r.kind = "helm";
  r.inputs.values = {{"release", "fractalops-api-dev"},
                     {"namespace", "fractalops-dev"},
                     {"image", "ghcr.io/yamonco/fractalops/runtime:dev-1a2b3c"}};
  return r;
}

TEST(TelemetryObserverTest, ARunIsFramedBySessionEventsCarryingTheRunsFacts) {
  Harness h;
  h.observer->OnRunStarted({.session_id = "sess-1"});
  h.clock.Advance(absl::Seconds(2));
  RunResult result{.ok = true, .duration = absl::Milliseconds(2345)};
  h.observer->OnRunFinished(result);
  std::vector<BuildEvent> events = h.Finish();
  ASSERT_THAT(Names(events), ElementsAre("session.started", "session.stopped"));
  for (const BuildEvent& e : events) {
    EXPECT_EQ(e.session_id, "sess-1");
    EXPECT_EQ(e.runner, "ci");
    EXPECT_EQ(e.host, "build-3");
    EXPECT_EQ(e.git_revision, std::string(40, 'a'));
    EXPECT_EQ(e.mode, "development");
  }
  EXPECT_EQ(events[0].timestamp, absl::FromUnixSeconds(1714558272));
  EXPECT_EQ(events[1].timestamp, absl::FromUnixSeconds(1714558274));
  EXPECT_EQ(events[1].status, "succeeded");
  EXPECT_EQ(events[1].duration_ms, 2345);
}

TEST(TelemetryObserverTest, AnImageBuildGivesBuildCacheAndPushEvents) {
  Harness h;
  Resource image = ImageResource();
  h.observer->OnRunStarted({.session_id = "s"});
  h.observer->OnResourceStarted(image, "rebuilt: Dockerfile changed");
  h.observer->OnResourceFinished(
      image, ResourceResult{.name = "runtime", .status = ResourceStatus::kSucceeded,
                            .duration = absl::Milliseconds(1500),
                            .reason = "rebuilt: Dockerfile changed"});
  std::vector<BuildEvent> events = h.Finish();
  EXPECT_THAT(Names(events),
              ElementsAre("session.started", "resource.started runtime", "build.started runtime",
                          "resource.finished runtime", "build.finished runtime",
                          "cache.imported runtime", "image.pushed runtime"));
  const BuildEvent& pushed = events.back();
  EXPECT_EQ(pushed.image_ref, "127.0.0.1:5000/fractalops/runtime:dev-1a2b3c");
  EXPECT_EQ(pushed.target, "runtime");
  EXPECT_EQ(pushed.stage, "dev");
  EXPECT_EQ(pushed.cache_scope, "127.0.0.1:5001/fractalops/buildcache/dev/runtime");
  EXPECT_EQ(pushed.kind, "image");
  const BuildEvent& finished = events[4];
  EXPECT_EQ(finished.status, "succeeded");
  EXPECT_EQ(finished.duration_ms, 1500);
  EXPECT_EQ(finished.reason, "rebuilt");
  EXPECT_EQ(finished.detail, "rebuilt: Dockerfile changed");
}

TEST(TelemetryObserverTest, ASkippedImageIsASkippedBuildWithoutAPush) {
  Harness h;
  h.observer->OnResourceFinished(
      ImageResource(), ResourceResult{.name = "runtime", .status = ResourceStatus::kUpToDate,
                                      .reason = "skipped: unchanged since dev-1a2b3c"});
  std::vector<BuildEvent> events = h.Finish();
  ASSERT_THAT(Names(events), ElementsAre("resource.finished runtime", "build.finished runtime"));
  EXPECT_EQ(events[1].status, "up_to_date");
  EXPECT_EQ(events[1].reason, "skipped");
}

TEST(TelemetryObserverTest, AFailedImageBuildPushesNothing) {
  Harness h;
  h.observer->OnResourceFinished(
      ImageResource(),
      ResourceResult{.name = "runtime", .status = ResourceStatus::kFailed, .reason = "exit 1"});
  std::vector<BuildEvent> events = h.Finish();
  ASSERT_THAT(Names(events), ElementsAre("resource.finished runtime", "build.finished runtime"));
  EXPECT_EQ(events[1].status, "failed");
  EXPECT_EQ(events[1].detail, "exit 1");
  EXPECT_EQ(events[1].reason, "");
}

TEST(TelemetryObserverTest, HelmUpgradesAndSmokes) {
  Harness h;
  Resource smoke;
  smoke.name = "routes";
  smoke.kind = "smoke";
  h.observer->OnResourceFinished(
      HelmResource(), ResourceResult{.name = "api", .status = ResourceStatus::kSucceeded});
  h.observer->OnResourceFinished(
      HelmResource(), ResourceResult{.name = "api", .status = ResourceStatus::kUpToDate});
  h.observer->OnResourceFinished(
      smoke, ResourceResult{.name = "routes", .status = ResourceStatus::kFailed,
                            .reason = "GET / -> 502"});
  std::vector<BuildEvent> events = h.Finish();
  ASSERT_THAT(Names(events),
              ElementsAre("resource.finished api", "release.upgraded api",
                          "resource.finished api", "resource.finished routes",
                          "smoke.finished routes"));
  EXPECT_EQ(events[1].release, "fractalops-api-dev");
  EXPECT_EQ(events[1].release_namespace, "fractalops-dev");
  EXPECT_EQ(events[1].image_ref, "ghcr.io/yamonco/fractalops/runtime:dev-1a2b3c");
  EXPECT_EQ(events[4].status, "failed");
  EXPECT_EQ(events[4].detail, "GET / -> 502");
}

TEST(TelemetryObserverTest, EmitFillsTheRunsFactsForEventsTheEngineDoesNotSee) {
  Harness h;
  h.observer->OnRunStarted({.session_id = "s-9"});
  BuildEvent changed;
  changed.name = EventName::kModeChanged;
  changed.mode = "staging";
  h.observer->Emit(changed);
  std::vector<BuildEvent> events = h.Finish();
  ASSERT_THAT(events, SizeIs(2));
  EXPECT_EQ(events[1].mode, "staging");  // kept
  EXPECT_EQ(events[1].session_id, "s-9");
  EXPECT_EQ(events[1].host, "build-3");
}

TEST(TelemetryObserverTest, StatusAndReasonWords) {
  EXPECT_EQ(EventStatus(ResourceStatus::kUpToDate), "up_to_date");
  EXPECT_EQ(EventStatus(ResourceStatus::kNotRun), "not_run");
  EXPECT_EQ(EventStatus(ResourceStatus::kSucceeded), "succeeded");
  EXPECT_EQ(EventReason(ResourceStatus::kSucceeded, "rebuilt: no previous build"), "rebuilt");
  EXPECT_EQ(EventReason(ResourceStatus::kUpToDate, ""), "skipped");
  EXPECT_EQ(EventReason(ResourceStatus::kFailed, "exit 2"), "");
}

// An image build, a local resource after it, and one that fails: real
// commands standing in for the builder.
Project ThreeResources() {
  Resource build = ImageResource();
  build.cmd = Command::Shell("true");
  Resource app;
  app.name = "app";
  app.cmd = Command::Shell("true");
  app.resource_deps = {"runtime"};
  Resource broken;
  broken.name = "broken";
  broken.cmd = Command::Shell("exit 3");
  Project project;
  project.root = "/";
  project.resources = {build, app, broken};
  return project;
}

TEST(TelemetryObserverTest, ARealEngineRunProducesTheFullSequence) {
  Harness h;
  ProcessExecutor executor;
  EngineOptions options;
  options.observers = {h.observer.get()};
  options.max_parallel = 1;
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(ThreeResources(), executor, options);
  ASSERT_THAT(engine.status(), IsOk());
  RunResult result = (*engine)->Ci();
  EXPECT_FALSE(result.ok);
  std::vector<BuildEvent> events = h.Finish();
  std::vector<std::string> names = Names(events);
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "session.started");
  EXPECT_EQ(names.back(), "session.stopped");
  EXPECT_EQ(events.back().status, "failed");
  // Each resource started and finished once; the image also built and pushed.
  for (const char* expected :
       {"resource.started runtime", "build.started runtime", "resource.finished runtime",
        "build.finished runtime", "image.pushed runtime", "resource.started app",
        "resource.finished app", "resource.started broken", "resource.finished broken"}) {
    EXPECT_EQ(std::count(names.begin(), names.end(), expected), 1) << expected;
  }
  for (const BuildEvent& e : events) {
    EXPECT_EQ(e.session_id, events.front().session_id);
    if (e.name == EventName::kResourceFinished && e.resource == "broken") {
      EXPECT_EQ(e.status, "failed");
    }
  }
}

TEST(TelemetryObserverTest, ASimulatedRunEmitsNothing) {
  // Nothing of a scripted or dry run happened: no event may say otherwise.
  for (int dry = 0; dry < 2; ++dry) {
    Harness h;
    ScriptedExecutor scripted;
    DryRunExecutor dry_run;
    Executor& executor = dry ? static_cast<Executor&>(dry_run) : scripted;
    EngineOptions options;
    options.observers = {h.observer.get()};
    absl::StatusOr<std::unique_ptr<Engine>> engine =
        Engine::Create(ThreeResources(), executor, options);
    ASSERT_THAT(engine.status(), IsOk());
    (*engine)->Ci();
    EXPECT_THAT(Names(h.Finish()), ::testing::IsEmpty());
  }
  // Events the caller emits itself still go out (a mode change is real).
  Harness h;
  h.observer->OnRunStarted({.session_id = "s", .simulated = true});
  h.observer->Emit(BuildEvent{.name = EventName::kModeChanged});
  EXPECT_THAT(Names(h.Finish()), ElementsAre("mode.changed"));
}

TEST(TelemetryObserverTest, LostAndRegainedReadinessAreEventsWithTheProbeFailure) {
  Harness h;
  Resource api;
  api.name = "api";
  api.kind = "local";
  h.observer->OnRunStarted({.session_id = "s1"});
  h.observer->OnReadinessChanged(api, false, "not ready: tcp_socket 127.0.0.1:8080 failed 3 times: "
                                             "127.0.0.1:8080: connection refused");
  h.observer->OnReadinessChanged(api, true, "");
  std::vector<BuildEvent> events = h.Finish();
  EXPECT_THAT(Names(events),
              ElementsAre("session.started", "readiness.lost api", "readiness.regained api"));
  EXPECT_EQ(events[1].kind, "local");
  EXPECT_EQ(events[1].detail,
            "not ready: tcp_socket 127.0.0.1:8080 failed 3 times: 127.0.0.1:8080: connection refused");
  EXPECT_EQ(events[2].detail, "");
  EXPECT_EQ(events[2].session_id, "s1");
}

}  // namespace
}  // namespace fops
