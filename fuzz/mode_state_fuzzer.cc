// The mode store (model/mode_state.h): `<state dir>/mode.json` with any
// content. Invariants: LoadModeState returns a state or kInvalidArgument
// naming the file, and never throws; a state it loads saves and loads back
// equal; Describe() works on whatever loaded.
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "fops/model/mode_state.h"
#include "fuzz_check.h"

using fops::fuzz::Require;

namespace {

std::filesystem::path WorkDir() {
  static const std::filesystem::path dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "mode-state-fuzz.XXXXXX").string();
    std::filesystem::path made = mkdtemp(pattern.data());
    std::filesystem::create_directories(made / "read");
    std::filesystem::create_directories(made / "saved");
    return made;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::filesystem::path read = WorkDir() / "read";
  {
    std::ofstream out(fops::ModeStatePath(read), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  absl::StatusOr<fops::ModeState> state = fops::LoadModeState(read);
  if (!state.ok()) {
    Require(absl::IsInvalidArgument(state.status()) &&
                absl::StartsWith(state.status().message(), fops::ModeStatePath(read).string()),
            "an unreadable mode.json is kInvalidArgument naming the file",
            state.status().ToString());
    return 0;
  }
  (void)state->Describe();
  for (const fops::AppRecord& app : state->apps) (void)app.Describe();
  const std::filesystem::path saved = WorkDir() / "saved";
  absl::Status save = fops::SaveModeState(saved, *state);
  Require(save.ok(), "a state that loads saves", save.ToString());
  absl::StatusOr<fops::ModeState> again = fops::LoadModeState(saved);
  Require(again.ok(), "a saved state loads", again.status().ToString());
  Require(*again == *state, "save -> load is the identity", state->Describe() + " vs " +
                                                              again->Describe());
  return 0;
}
