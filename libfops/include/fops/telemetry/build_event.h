// A Build Plane Event: one typed record of something the dev loop did — a
// session started, an image was built and pushed, a Helm release upgraded.
// The set of event names is closed: EventName is the single source, and
// docs/telemetry.md lists exactly these names (a test checks it), so a new
// name is added to the enum and to the document together, never ad hoc.
// Every sink (OTLP logs, ClickHouse, JSON lines) renders the same fields.
//
//   BuildEvent e;
//   e.name = EventName::kImagePushed;
//   e.timestamp = absl::Now();
//   e.resource = "runtime";
//   e.image_ref = "ghcr.io/yamonco/fractalops/runtime:dev-1a2b3c";
//   nlohmann::ordered_json row = e.ToJson();  // {"event":"image.pushed",...}
#ifndef FOPS_TELEMETRY_BUILD_EVENT_H_
#define FOPS_TELEMETRY_BUILD_EVENT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fops/base/redact.h"
#include "nlohmann/json.hpp"

namespace fops {

/// The closed vocabulary of Build Plane Events (docs/telemetry.md).
enum class EventName {
  kSessionStarted,    ///< "session.started": a run (fops ci / up) began
  kResourceStarted,   ///< "resource.started": a resource's update began
  kResourceFinished,  ///< "resource.finished": it reached a final status
  kBuildStarted,      ///< "build.started": an image build began
  kBuildFinished,     ///< "build.finished": an image build ended (or was skipped)
  kCacheImported,     ///< "cache.imported": a build read its remote cache scope
  kCacheExported,     ///< "cache.exported": a build wrote its remote cache scope
  kImagePushed,       ///< "image.pushed": an image reached the final registry
  kReleaseUpgraded,   ///< "release.upgraded": a dev Helm release was upgraded
  kSmokeFinished,     ///< "smoke.finished": a smoke check ended
  kReadinessLost,     ///< "readiness.lost": a ready serve resource failed its probe repeatedly
  kReadinessRegained, ///< "readiness.regained": ...and then passed it again
  kModeChanged,       ///< "mode.changed": the repo's mode changed
  kSessionStopped,    ///< "session.stopped": the run ended
};

/// Every EventName, in declaration order.
std::span<const EventName> AllEventNames();

/// The dotted wire name: "session.started", ...
std::string_view EventNameString(EventName name);

/// The EventName for a wire name; kInvalidArgument names the unknown one.
absl::StatusOr<EventName> ParseEventName(std::string_view text);

/// The fields every event carries; empty strings and zero durations mean
/// "does not apply" (a session.started has no image reference).
struct BuildEvent {
  EventName name = EventName::kSessionStarted;
  absl::Time timestamp = absl::UnixEpoch();  ///< when it happened (UTC)
  std::string session_id;    ///< unique per run; joins a run's events
  std::string resource;      ///< the resource's name
  std::string kind;          ///< the resource's kind: local, image, helm, smoke, ...
  std::string target;        ///< build-plane target: runtime, portal, ...
  std::string stage;         ///< build-plane stage: dev, staging
  std::string mode;          ///< development, staging, deployment
  std::string image_ref;     ///< the image reference built or pushed
  std::string cache_scope;   ///< the remote cache scope reference
  std::string status;        ///< succeeded, failed, up_to_date, ... (resource status names)
  int64_t duration_ms = 0;   ///< how long it took; 0 for instants
  std::string reason;        ///< "rebuilt" or "skipped" for gated updates, else ""
  std::string detail;        ///< the engine's why: "rebuilt: src/app.py changed", "exit 2"
  std::string git_revision;  ///< HEAD of the repo (best effort)
  std::string runner;        ///< "local" or "ci"
  std::string host;          ///< the machine's host name
  std::string release;       ///< Helm release name (release.upgraded)
  std::string release_namespace;  ///< its Kubernetes namespace ("namespace" on the wire)

  /// The event as one flat JSON object (the JSON lines row), keys in
  /// BuildEventFieldNames() order: "event", "timestamp" (RFC 3339,
  /// milliseconds, UTC) and every field above.
  nlohmann::ordered_json ToJson() const;

  /// A copy with every text field passed through `redactor`.
  BuildEvent Redacted(const Redactor& redactor) const;

  friend bool operator==(const BuildEvent&, const BuildEvent&) = default;
};

/// `value` as compact JSON; invalid UTF-8 (from command output) becomes
/// U+FFFD instead of an exception.
std::string DumpJson(const nlohmann::json& value);
/// The same for an ordered (insertion-order) JSON value.
std::string DumpJson(const nlohmann::ordered_json& value);

/// The field names of ToJson(), in order: "event", "timestamp", then the
/// rest. docs/telemetry.md documents each.
std::span<const std::string_view> BuildEventFieldNames();

}  // namespace fops

#endif  // FOPS_TELEMETRY_BUILD_EVENT_H_
