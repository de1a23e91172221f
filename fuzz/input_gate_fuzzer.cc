// The skip-if-unchanged gate's state files (engine/input_gate.h): what
// InputGate::Check reads from `<state dir>/images/<name>.json` and its
// `.files.json`. The input is the state file's text, optionally followed by
// a line "--files--" and the file list's text; "@DIGEST@" in either is
// replaced by the digest the resource's inputs really have, so the fuzzer
// reaches the branches that trust a matching record.
//
// Invariants: Check never throws or fails on a damaged record (a record is
// fops' own cache: at worst the update runs); its decision always has a
// reason, and it skips only with a reason that says "skipped".
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "fops/base/atomic_file.h"
#include "fops/engine/input_gate.h"
#include "fuzz_check.h"
#include "nlohmann/json.hpp"

using fops::fuzz::Require;

namespace {

struct Setup {
  std::filesystem::path state_dir;
  fops::Resource resource;
  std::string digest;  // of the resource's inputs
};

const Setup& TheSetup() {
  static const Setup* setup = [] {
    auto* s = new Setup;
    std::string pattern = (std::filesystem::temp_directory_path() / "input-gate-fuzz.XXXXXX").string();
    const std::filesystem::path root = mkdtemp(pattern.data());
    std::filesystem::create_directories(root / "src");
    std::ofstream(root / "src" / "main.py") << "print('hi')\n";
    std::ofstream(root / "src" / "util.py") << "X = 1\n";
    s->state_dir = root / ".fops";
    s->resource.name = "api";
    s->resource.kind = "image";
    s->resource.dir = root.string();
    s->resource.inputs.paths = {"src"};
    s->resource.inputs.values = {{"build_arg.VERSION", "1"}, {"platform", "linux/amd64"}};
    fops::InputGate gate(s->state_dir);
    gate.set_racy_window(absl::ZeroDuration());
    Require(gate.Check(s->resource).ok() && gate.Record(s->resource).ok(), "the setup records");
    absl::StatusOr<std::string> text = fops::ReadFile(gate.StatePath(s->resource));
    Require(text.ok(), "the setup's record is there");
    s->digest = nlohmann::json::parse(*text).at("digest").get<std::string>();
    return s;
  }();
  return *setup;
}

void Write(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Setup& setup = TheSetup();
  const std::string text =
      absl::StrReplaceAll(std::string(fops::fuzz::Text(data, size)), {{"@DIGEST@", setup.digest}});
  const size_t split = text.find("\n--files--\n");
  fops::InputGate gate(setup.state_dir);
  gate.set_racy_window(absl::ZeroDuration());
  const std::filesystem::path state = gate.StatePath(setup.resource);
  Write(state, text.substr(0, split));
  std::filesystem::path files = state;
  files.replace_extension(".files.json");
  Write(files, split == std::string::npos ? "" : std::string_view(text).substr(split + 11));

  absl::StatusOr<fops::GateDecision> decision = gate.Check(setup.resource);
  Require(decision.ok(), "a damaged record never fails the check", decision.status().ToString());
  Require(!decision->reason.empty(), "a decision has a reason");
  if (!decision->run) {
    Require(absl::StartsWith(decision->reason, "skipped"), "a skip says so", decision->reason);
  }
  return 0;
}
