#include "fops/model/mode_state.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fops/base/atomic_file.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"
#include "nlohmann/json.hpp"

namespace fops {
namespace {

constexpr char kTimeFormat[] = "%Y-%m-%dT%H:%M:%E*SZ";  // RFC 3339, UTC

absl::Status Corrupt(const std::filesystem::path& file, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(file.string(), ": ", ToAbsl(what),
                   " (delete the file to go back to development mode)"));
}

}  // namespace

std::string ModeState::Describe() const {
  std::string line(ModeName(mode));
  if (!recorded()) return line + " (default: no mode recorded)";
  absl::StrAppend(&line, " (since ",
                  absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", since, absl::UTCTimeZone()));
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
  std::string since = json.value("since", "");
  std::string error;
  if (!absl::ParseTime(kTimeFormat, since, absl::UTCTimeZone(), &state.since, &error)) {
    return Corrupt(file, absl::StrCat("field 'since': expected an RFC 3339 UTC time, got '",
                                      since, "'"));
  }
  if (json.contains("by") && json["by"].is_string()) state.by = json["by"].get<std::string>();
  if (json.contains("note") && json["note"].is_string()) state.note = json["note"].get<std::string>();
  if (json.contains("targets") && json["targets"].is_array()) {
    for (const nlohmann::json& target : json["targets"]) {
      if (!target.is_string()) return Corrupt(file, "field 'targets': expected strings");
      state.targets.push_back(target.get<std::string>());
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
  return Annotate(WriteFileAtomic(ModeStatePath(state_dir), json.dump(2) + "\n"),
                  "recording the mode");
}

}  // namespace fops
