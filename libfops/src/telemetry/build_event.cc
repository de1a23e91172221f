#include "fops/telemetry/build_event.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

struct NameEntry {
  EventName name;
  std::string_view text;
};

// The one table of names; AllEventNames() and the doc test read it.
constexpr std::array<NameEntry, 14> kNames = {{
    {EventName::kSessionStarted, "session.started"},
    {EventName::kResourceStarted, "resource.started"},
    {EventName::kResourceFinished, "resource.finished"},
    {EventName::kBuildStarted, "build.started"},
    {EventName::kBuildFinished, "build.finished"},
    {EventName::kCacheImported, "cache.imported"},
    {EventName::kCacheExported, "cache.exported"},
    {EventName::kImagePushed, "image.pushed"},
    {EventName::kReleaseUpgraded, "release.upgraded"},
    {EventName::kSmokeFinished, "smoke.finished"},
    {EventName::kReadinessLost, "readiness.lost"},
    {EventName::kReadinessRegained, "readiness.regained"},
    {EventName::kModeChanged, "mode.changed"},
    {EventName::kSessionStopped, "session.stopped"},
}};

constexpr std::array<EventName, kNames.size()> MakeAllNames() {
  std::array<EventName, kNames.size()> out{};
  for (size_t i = 0; i < kNames.size(); ++i) out[i] = kNames[i].name;
  return out;
}
constexpr std::array<EventName, kNames.size()> kAllNames = MakeAllNames();

// ToJson()'s keys, in its order.
constexpr std::array<std::string_view, 19> kFieldNames = {
    "event",       "timestamp", "session_id", "resource", "kind",         "target", "stage",
    "mode",        "image_ref", "cache_scope", "status",  "duration_ms",  "reason", "detail",
    "git_revision", "runner",   "host",       "release",  "namespace"};

}  // namespace

std::span<const EventName> AllEventNames() { return kAllNames; }

std::string_view EventNameString(EventName name) {
  for (const NameEntry& entry : kNames) {
    if (entry.name == name) return entry.text;
  }
  return "unknown";
}

absl::StatusOr<EventName> ParseEventName(std::string_view text) {
  for (const NameEntry& entry : kNames) {
    if (entry.text == text) return entry.name;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown build event name '", ToAbsl(text),
                   "'; the names are listed in docs/telemetry.md"));
}

nlohmann::ordered_json BuildEvent::ToJson() const {
  nlohmann::ordered_json row = nlohmann::ordered_json::object();
  row["event"] = std::string(EventNameString(name));
  row["timestamp"] =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", timestamp, absl::UTCTimeZone());
  row["session_id"] = session_id;
  row["resource"] = resource;
  row["kind"] = kind;
  row["target"] = target;
  row["stage"] = stage;
  row["mode"] = mode;
  row["image_ref"] = image_ref;
  row["cache_scope"] = cache_scope;
  row["status"] = status;
  row["duration_ms"] = duration_ms;
  row["reason"] = reason;
  row["detail"] = detail;
  row["git_revision"] = git_revision;
  row["runner"] = runner;
  row["host"] = host;
  row["release"] = release;
  row["namespace"] = release_namespace;
  return row;
}

BuildEvent BuildEvent::Redacted(const Redactor& redactor) const {
  BuildEvent out = *this;
  for (std::string* field :
       {&out.session_id, &out.resource, &out.kind, &out.target, &out.stage, &out.mode,
        &out.image_ref, &out.cache_scope, &out.status, &out.reason, &out.detail,
        &out.git_revision, &out.runner, &out.host, &out.release, &out.release_namespace}) {
    if (!field->empty()) *field = redactor.Redact(*field);
  }
  return out;
}

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string DumpJson(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::span<const std::string_view> BuildEventFieldNames() {
  return kFieldNames;
}

}  // namespace fops
