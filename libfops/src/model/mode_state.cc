#include "fops/model/mode_state.h"

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fops/base/atomic_file.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"
#include "nlohmann/json.hpp"

namespace fops {
namespace {

constexpr char kTimeFormat[] = "%Y-%m-%dT%H:%M:%E*SZ";  // RFC 3339, UTC
constexpr char kShownTime[] = "%Y-%m-%d %H:%M:%S UTC";

constexpr std::array<std::pair<AppConfirmed, std::string_view>, 6> kConfirmedNames = {{
    {AppConfirmed::kSyncRequested, "sync requested"},
    {AppConfirmed::kSyncedHealthy, "Synced Healthy"},
    {AppConfirmed::kDegraded, "Degraded"},
    {AppConfirmed::kSyncFailed, "sync failed"},
    {AppConfirmed::kTimedOut, "timed out"},
    {AppConfirmed::kNotReached, "not reached"},
}};

absl::Status Corrupt(const std::filesystem::path& file, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(file.string(), ": ", ToAbsl(what),
                   " (delete the file to go back to development mode)"));
}

// Reads an optional string field of `object` into `out`; an error names
// `field` when it is there but not a string.
absl::Status OptionalString(const std::filesystem::path& file, const nlohmann::json& object,
                            const char* key, std::string_view field, std::string& out) {
  if (!object.contains(key)) return absl::OkStatus();
  if (!object[key].is_string()) {
    return Corrupt(file, absl::StrCat("field '", ToAbsl(field), "': expected a string"));
  }
  out = object[key].get<std::string>();
  return absl::OkStatus();
}

absl::Status ParseTimeField(const std::filesystem::path& file, std::string_view field,
                            const std::string& text, absl::Time& out) {
  std::string error;
  if (!absl::ParseTime(kTimeFormat, text, absl::UTCTimeZone(), &out, &error)) {
    return Corrupt(file, absl::StrCat("field '", ToAbsl(field),
                                      "': expected an RFC 3339 UTC time, got '", text, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<AppRecord> ParseAppRecord(const std::filesystem::path& file, const nlohmann::json& entry,
                                         size_t index) {
  const std::string where = absl::StrCat("apps[", index, "]");
  if (!entry.is_object()) return Corrupt(file, absl::StrCat("field '", where, "': expected an object"));
  AppRecord record;
  FOPS_RETURN_IF_ERROR(OptionalString(file, entry, "app", where + ".app", record.app));
  if (record.app.empty()) {
    return Corrupt(file, absl::StrCat("field '", where, ".app': expected an application name"));
  }
  std::string confirmed;
  FOPS_RETURN_IF_ERROR(OptionalString(file, entry, "confirmed", where + ".confirmed", confirmed));
  absl::StatusOr<AppConfirmed> parsed = ParseAppConfirmed(confirmed);
  if (!parsed.ok()) {
    return Corrupt(file, absl::StrCat("field '", where, ".confirmed': ", parsed.status().message()));
  }
  record.confirmed = *parsed;
  std::string at;
  FOPS_RETURN_IF_ERROR(OptionalString(file, entry, "at", where + ".at", at));
  if (!at.empty()) FOPS_RETURN_IF_ERROR(ParseTimeField(file, where + ".at", at, record.at));
  FOPS_RETURN_IF_ERROR(OptionalString(file, entry, "revision", where + ".revision", record.revision));
  FOPS_RETURN_IF_ERROR(OptionalString(file, entry, "detail", where + ".detail", record.detail));
  return record;
}

}  // namespace

std::string_view AppConfirmedName(AppConfirmed confirmed) {
  for (const auto& [value, name] : kConfirmedNames) {
    if (value == confirmed) return name;
  }
  return "unknown";
}

absl::StatusOr<AppConfirmed> ParseAppConfirmed(std::string_view name) {
  std::vector<std::string> names;
  for (const auto& [value, known] : kConfirmedNames) {
    if (known == name) return value;
    names.push_back(absl::StrCat("'", ToAbsl(known), "'"));
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown state '", ToAbsl(name), "' (expected ",
                                                 absl::StrJoin(names, ", "), ")"));
}

std::string AppRecord::Describe() const {
  std::string line(AppConfirmedName(confirmed));
  switch (confirmed) {
    case AppConfirmed::kSyncedHealthy:
      if (!revision.empty()) absl::StrAppend(&line, " at revision ", revision);
      return line;
    case AppConfirmed::kSyncRequested:
      if (at != absl::InfinitePast()) {
        absl::StrAppend(&line, " at ", absl::FormatTime(kShownTime, at, absl::UTCTimeZone()));
      }
      break;
    default:
      break;
  }
  if (!detail.empty()) {
    absl::StrAppend(&line, confirmed == AppConfirmed::kSyncRequested ? "; " : ": ", detail);
  }
  return line;
}

std::string ModeState::Describe() const {
  std::string line(ModeName(mode));
  if (!recorded()) return line + " (default: no mode recorded)";
  absl::StrAppend(&line, " (since ", absl::FormatTime(kShownTime, since, absl::UTCTimeZone()));
  if (!by.empty()) absl::StrAppend(&line, ", by ", by);
  if (!targets.empty()) absl::StrAppend(&line, ", targets ", absl::StrJoin(targets, " "));
  absl::StrAppend(&line, ")");
  if (!note.empty()) absl::StrAppend(&line, ": ", note);
  return line;
}

std::filesystem::path ModeStatePath(const std::filesystem::path& state_dir) {
  return state_dir / "mode.json";
}

absl::StatusOr<ModeState> LoadModeState(const std::filesystem::path& state_dir) {
  std::filesystem::path file = ModeStatePath(state_dir);
  absl::StatusOr<std::string> text = ReadFile(file);
  if (absl::IsNotFound(text.status())) return ModeState{};
  FOPS_RETURN_IF_ERROR(text.status());
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return Corrupt(file, "not a JSON object");
  ModeState state;
  if (!json.contains("mode") || !json["mode"].is_string()) {
    return Corrupt(file, "field 'mode': expected a string");
  }
  absl::StatusOr<Mode> mode = ParseMode(json["mode"].get<std::string>());
  if (!mode.ok()) return Corrupt(file, absl::StrCat("field 'mode': ", mode.status().message()));
  state.mode = *mode;
  std::string since;
  FOPS_RETURN_IF_ERROR(OptionalString(file, json, "since", "since", since));
  FOPS_RETURN_IF_ERROR(ParseTimeField(file, "since", since, state.since));
  if (json.contains("by") && json["by"].is_string()) state.by = json["by"].get<std::string>();
  if (json.contains("note") && json["note"].is_string()) state.note = json["note"].get<std::string>();
  if (json.contains("targets") && json["targets"].is_array()) {
    for (const nlohmann::json& target : json["targets"]) {
      if (!target.is_string()) return Corrupt(file, "field 'targets': expected strings");
      state.targets.push_back(target.get<std::string>());
    }
  }
  // Written before per-app records existed: no "apps", no apps.
  if (json.contains("apps")) {
    if (!json["apps"].is_array()) return Corrupt(file, "field 'apps': expected a list");
    for (size_t i = 0; i < json["apps"].size(); ++i) {
      FOPS_ASSIGN_OR_RETURN(AppRecord record, ParseAppRecord(file, json["apps"][i], i));
      state.apps.push_back(std::move(record));
    }
  }
  return state;
}

absl::Status SaveModeState(const std::filesystem::path& state_dir, const ModeState& state) {
  nlohmann::json json = {
      {"mode", std::string(ModeName(state.mode))},
      {"since", absl::FormatTime(kTimeFormat, state.since, absl::UTCTimeZone())},
      {"by", state.by},
      {"note", state.note},
      {"targets", state.targets},
  };
  if (!state.apps.empty()) {
    nlohmann::json apps = nlohmann::json::array();
    for (const AppRecord& record : state.apps) {
      nlohmann::json entry = {{"app", record.app},
                              {"confirmed", std::string(AppConfirmedName(record.confirmed))}};
      if (record.at != absl::InfinitePast()) {
        entry["at"] = absl::FormatTime(kTimeFormat, record.at, absl::UTCTimeZone());
      }
      if (!record.revision.empty()) entry["revision"] = record.revision;
      if (!record.detail.empty()) entry["detail"] = record.detail;
      apps.push_back(std::move(entry));
    }
    json["apps"] = std::move(apps);
  }
  // Details quote what servers answered, which need not be UTF-8: such
  // bytes become U+FFFD rather than an exception that loses the record.
  return Annotate(WriteFileAtomic(ModeStatePath(state_dir),
                                  json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                                      "\n"),
                  "recording the mode");
}

}  // namespace fops
