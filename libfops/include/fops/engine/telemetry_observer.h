// The bridge from the engine to Build Plane telemetry: an Observer that
// turns what the engine does into BuildEvents and hands them to an
// EventPipeline. Every resource gives resource.started / resource.finished;
// typed resources add their own events, read from the Resource itself:
//
//   kind "image": build.started, build.finished, and on success
//     cache.imported / cache.exported (when its cache import / export is
//     on) and image.pushed (when it publishes a reference);
//   kind "helm":  release.upgraded when an upgrade succeeded;
//   kind "smoke": smoke.finished;
//   serve resources that lose readiness after it: readiness.lost, and
//     readiness.regained when they pass their probe again;
//   the run:      session.started, session.stopped.
//
// A simulated run (RunStart::simulated: dry-run, scripted, a test's
// executor) emits nothing: no event may say that something was built,
// pushed or upgraded when nothing ran.
//
// Image and release facts come from `inputs.produces` (the image
// reference) and `inputs.values` (keys target, stage, cache_scope,
// cache_import, cache_export, release, namespace) — the contract the typed
// resources fill in (docs/telemetry.md, "Where the fields come from").
// Each callback only builds an event and queues it: nothing waits on I/O.
//
//   auto observer = std::make_unique<TelemetryObserver>(
//       config.NewPipeline(NewCurlHttpClient()), RunFacts::Detect(root, ProcessEnv()));
//   options.observers.push_back(observer.get());
//   ... engine->Ci() ...
//   TelemetryReport report = observer->Finish(config.flush_timeout);
#ifndef FOPS_ENGINE_TELEMETRY_OBSERVER_H_
#define FOPS_ENGINE_TELEMETRY_OBSERVER_H_

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "fops/base/clock.h"
#include "fops/engine/observer.h"
#include "fops/telemetry/build_event.h"
#include "fops/telemetry/event_pipeline.h"
#include "fops/telemetry/run_facts.h"
#include "fops/telemetry/telemetry_config.h"

namespace fops {

/// Engine callbacks come from the engine's thread; Emit() and Finish() may
/// be called from any thread.
class TelemetryObserver : public Observer {
 public:
  /// Owns `pipeline`; `clock` stamps events (not owned; must outlive this).
  TelemetryObserver(std::unique_ptr<EventPipeline> pipeline, RunFacts facts,
                    const Clock& clock = Clock::Real());

  /// The observer a run of the repo at `repo_dir` uses: `config`'s sinks
  /// over libcurl, facts detected there (RunFacts::Detect), with `runner`
  /// ("ci"/"local"; "" keeps the detected one) and `mode`.
  static std::unique_ptr<TelemetryObserver> ForRepo(const TelemetryConfig& config,
                                                    const std::filesystem::path& repo_dir,
                                                    std::string_view runner,
                                                    std::string_view mode);

  /// session.started (nothing for a simulated run, nor afterwards).
  void OnRunStarted(const RunStart& run) override;
  /// resource.started, and build.started for an image.
  void OnResourceStarted(const Resource& resource, std::string_view reason) override;
  /// resource.finished and the kind's own events (see above).
  void OnResourceFinished(const Resource& resource, const ResourceResult& result) override;
  /// readiness.lost (detail: the probe failure) / readiness.regained.
  void OnReadinessChanged(const Resource& resource, bool ready, std::string_view reason) override;
  /// session.stopped.
  void OnRunFinished(const RunResult& result) override;

  /// Queues `event` with the run's facts filled in where it left them
  /// empty (session id, runner, host, git revision, mode, timestamp): for
  /// events the engine does not see, such as mode.changed.
  void Emit(BuildEvent event);

  /// Flushes within `deadline` and reports (see EventPipeline::Finish).
  TelemetryReport Finish(absl::Duration deadline);

  /// The run's facts.
  const RunFacts& facts() const { return facts_; }
  /// The session id of the current run ("" before OnRunStarted).
  const std::string& session_id() const { return session_id_; }

 private:
  BuildEvent EventFor(EventName name, const Resource& resource) const;

  std::unique_ptr<EventPipeline> pipeline_;
  RunFacts facts_;
  const Clock& clock_;
  std::string session_id_;  // written by the engine thread before any resource event
  bool simulated_ = false;  // the engine's run is simulated: its callbacks emit nothing
};

/// "succeeded", "up_to_date", "not_run", ...: a ResourceStatus as an event status.
std::string EventStatus(ResourceStatus status);

/// "rebuilt" / "skipped" from the engine's reason text and status, else "".
std::string EventReason(ResourceStatus status, std::string_view detail);

}  // namespace fops

#endif  // FOPS_ENGINE_TELEMETRY_OBSERVER_H_
