#include "fops/engine/telemetry_observer.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "fops/base/string_view.h"
#include "fops/net/http_client.h"
#include "fops/telemetry/env_lookup.h"

namespace fops {
namespace {

bool ValueOn(const Resource& resource, const char* key) {
  const std::string value = resource.inputs.Value(key);
  return value == "true" || value == "1" || value == "yes" || value == "on";
}

int64_t Millis(absl::Duration d) { return absl::ToInt64Milliseconds(d); }

}  // namespace

std::string EventStatus(ResourceStatus status) {
  return absl::StrReplaceAll(ToAbsl(ResourceStatusName(status)), {{" ", "_"}});
}

std::string EventReason(ResourceStatus status, std::string_view detail) {
  if (status == ResourceStatus::kUpToDate || absl::StartsWith(ToAbsl(detail), "skipped")) {
    return "skipped";
  }
  if (absl::StartsWith(ToAbsl(detail), "rebuilt")) return "rebuilt";
  return "";
}

TelemetryObserver::TelemetryObserver(std::unique_ptr<EventPipeline> pipeline, RunFacts facts,
                                     const Clock& clock)
    : pipeline_(std::move(pipeline)), facts_(std::move(facts)), clock_(clock) {}

void TelemetryObserver::Emit(BuildEvent event) {
  if (event.timestamp == absl::UnixEpoch()) event.timestamp = clock_.Now();
  if (event.session_id.empty()) event.session_id = session_id_;
  if (event.runner.empty()) event.runner = facts_.runner;
  if (event.host.empty()) event.host = facts_.host;
  if (event.git_revision.empty()) event.git_revision = facts_.git_revision;
  if (event.mode.empty()) event.mode = facts_.mode;
  pipeline_->Emit(std::move(event));
}

BuildEvent TelemetryObserver::EventFor(EventName name, const Resource& resource) const {
  BuildEvent event;
  event.name = name;
  event.resource = resource.name;
  event.kind = resource.kind;
  event.target = resource.inputs.Value("target");
  event.stage = resource.inputs.Value("stage");
  if (resource.kind == "image") {
    event.image_ref = resource.inputs.produces;
    event.cache_scope = resource.inputs.Value("cache_scope");
  } else if (resource.kind == "helm") {
    event.release = resource.inputs.Value("release");
    event.release_namespace = resource.inputs.Value("namespace");
    event.image_ref = resource.inputs.Value("image");
  }
  return event;
}

void TelemetryObserver::OnRunStarted(const RunStart& run) {
  session_id_ = std::string(run.session_id);
  simulated_ = run.simulated;
  if (simulated_) return;
  BuildEvent event;
  event.name = EventName::kSessionStarted;
  Emit(std::move(event));
}

void TelemetryObserver::OnResourceStarted(const Resource& resource, std::string_view reason) {
  if (simulated_) return;
  BuildEvent event = EventFor(EventName::kResourceStarted, resource);
  event.status = "running";
  event.detail = std::string(reason);
  event.reason = EventReason(ResourceStatus::kRunning, reason);
  if (resource.kind == "image") {
    BuildEvent build = event;
    build.name = EventName::kBuildStarted;
    Emit(std::move(event));
    Emit(std::move(build));
    return;
  }
  Emit(std::move(event));
}

void TelemetryObserver::OnResourceFinished(const Resource& resource,
                                           const ResourceResult& result) {
  if (simulated_) return;
  BuildEvent event = EventFor(EventName::kResourceFinished, resource);
  event.status = EventStatus(result.status);
  event.duration_ms = Millis(result.duration);
  event.detail = result.reason;
  event.reason = EventReason(result.status, result.reason);
  const bool succeeded = result.status == ResourceStatus::kSucceeded;
  auto emit_as = [&](EventName name) {
    BuildEvent copy = event;
    copy.name = name;
    Emit(std::move(copy));
  };
  Emit(event);
  if (resource.kind == "image" && result.status != ResourceStatus::kNotRun &&
      result.status != ResourceStatus::kBlocked) {
    emit_as(EventName::kBuildFinished);
    if (succeeded) {
      if (ValueOn(resource, "cache_import")) emit_as(EventName::kCacheImported);
      if (ValueOn(resource, "cache_export")) emit_as(EventName::kCacheExported);
      if (!resource.inputs.produces.empty()) emit_as(EventName::kImagePushed);
    }
  } else if (resource.kind == "helm" && succeeded) {
    emit_as(EventName::kReleaseUpgraded);
  } else if (resource.kind == "smoke" && result.status != ResourceStatus::kNotRun) {
    emit_as(EventName::kSmokeFinished);
  }
}

void TelemetryObserver::OnReadinessChanged(const Resource& resource, bool ready,
                                           std::string_view reason) {
  if (simulated_) return;
  BuildEvent event =
      EventFor(ready ? EventName::kReadinessRegained : EventName::kReadinessLost, resource);
  event.detail = std::string(reason);
  Emit(std::move(event));
}

void TelemetryObserver::OnRunFinished(const RunResult& result) {
  if (simulated_) return;
  BuildEvent event;
  event.name = EventName::kSessionStopped;
  event.status = result.ok ? "succeeded" : "failed";
  event.duration_ms = Millis(result.duration);
  event.detail = result.error;
  Emit(std::move(event));
}

TelemetryReport TelemetryObserver::Finish(absl::Duration deadline) {
  return pipeline_->Finish(deadline);
}

std::unique_ptr<TelemetryObserver> TelemetryObserver::ForRepo(
    const TelemetryConfig& config, const std::filesystem::path& repo_dir,
    std::string_view runner, std::string_view mode) {
  RunFacts facts = RunFacts::Detect(repo_dir, ProcessEnv());
  if (!runner.empty()) facts.runner = std::string(runner);
  facts.mode = std::string(mode);
  return std::make_unique<TelemetryObserver>(config.NewPipeline(NewCurlHttpClient()),
                                             std::move(facts));
}

}  // namespace fops
