// The guard (policy/guard.h) on any command, through its public API only.
// The first byte picks the mode and what the rest is: 'd', 's', 'p' (or
// anything else): a shell script in development, staging or deployment
// mode; 'D', 'S', 'P': an argv, one word per line. Scripts are never read
// from disk (inspect_scripts off), so a run depends on the input alone.
//
// Invariants:
//  - a verdict is OK or kFailedPrecondition naming a rule GuardRules() lists,
//    and never quotes the environment's secrets;
//  - what the guard refuses stays refused under every wrapper it documents
//    (sh/bash -c, env, sudo, nohup, timeout, exec, command, xargs, eval,
//    ssh, a line before it);
//  - a script the guard accepts runs no simple command whose canonical
//    form it refuses: each command of literal words is also allowed as
//    `env -- WORDS...` (leading assignments become env's), unless the script
//    legitimately exports variables (export, declare, typeset, local,
//    readonly, eval), which can make a later command allowed.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "fops/base/shell_quote.h"
#include "fops/policy/guard.h"
#include "fops/policy/shell_words.h"
#include "fuzz_check.h"

using fops::fuzz::Require;

namespace {

// A value under a secret-looking name in the command's environment.
constexpr char kSecret[] = "fuzz-Secret-Value-7d41";

const fops::Guard& GuardFor(char mode) {
  auto make = [](fops::Mode m) {
    fops::GuardConfig config{.mode = m, .inspect_scripts = false};
    config.staging_targets = {{.release = "fractalops-api", .namespace_name = "fractalops"}};
    return new fops::Guard(config);
  };
  static const fops::Guard* development = make(fops::Mode::kDevelopment);
  static const fops::Guard* staging = make(fops::Mode::kStaging);
  static const fops::Guard* deployment = make(fops::Mode::kDeployment);
  switch (mode) {
    case 's':
    case 'S':
      return *staging;
    case 'p':
    case 'P':
      return *deployment;
    default:
      return *development;
  }
}

void CheckVerdict(const absl::Status& status, std::string_view what) {
  if (status.ok()) return;
  Require(absl::IsFailedPrecondition(status), "a refusal is kFailedPrecondition",
          std::string(what) + ": " + status.ToString());
  const std::string rule = fops::GuardRuleOf(status);
  bool known = false;
  for (const fops::GuardRule& r : fops::GuardRules()) known = known || r.id == rule;
  Require(known, "a refusal names a rule GuardRules() lists", status.ToString());
  Require(!absl::StrContains(status.message(), kSecret), "a refusal never quotes a secret",
          status.ToString());
}

absl::Status Check(const fops::Guard& guard, std::vector<std::string> argv) {
  fops::CommandSpec spec{.argv = std::move(argv), .env = {{"FUZZ_API_TOKEN", kSecret}}};
  absl::Status status = guard.Check(spec);
  CheckVerdict(status, absl::StrJoin(spec.argv, " "));
  return status;
}

// What a refused argv must stay under the wrappers the guard reads through.
void CheckStaysRefused(const fops::Guard& guard, const std::vector<std::string>& argv,
                       std::string_view shown) {
  auto with = [&argv](std::vector<std::string> prefix) {
    prefix.insert(prefix.end(), argv.begin(), argv.end());
    return prefix;
  };
  const std::string line = fops::ShellJoin(argv);
  const std::vector<std::vector<std::string>> wrapped = {
      {"sh", "-c", line},
      {"bash", "-lc", line},
      {"eval", line},
      {"ssh", "host", line},
      with({"env", "--"}),
      with({"sudo", "--"}),
      with({"nohup", "--"}),
      with({"exec", "--"}),
      with({"command", "--"}),
      with({"timeout", "10"}),
      with({"xargs", "--"}),
  };
  for (const std::vector<std::string>& w : wrapped) {
    Require(!Check(guard, w).ok(), "a refused command stays refused under a wrapper",
            std::string(shown) + "  as  " + absl::StrJoin(w, " "));
  }
}

bool ExportsVariables(const std::vector<fops::ShellCommand>& commands) {
  static const std::set<std::string> kExporting = {"export", "declare", "typeset", "local",
                                                   "readonly", "eval"};
  for (const fops::ShellCommand& command : commands) {
    for (const fops::ShellWord& word : command.words) {
      if (fops::IsShellAssignment(word.text)) continue;
      if (kExporting.count(word.text)) return true;
      break;
    }
  }
  return false;
}

void CheckScript(const fops::Guard& guard, const std::string& script) {
  absl::Status status = Check(guard, {"sh", "-c", script});
  if (!status.ok()) {
    CheckStaysRefused(guard, {"sh", "-c", script}, script);
    Require(!Check(guard, {"sh", "-c", "true\n" + script}).ok(),
            "a refused script stays refused after a harmless line", script);
    return;
  }
  absl::StatusOr<std::vector<fops::ShellCommand>> commands = fops::SplitShell(script);
  if (!commands.ok() || ExportsVariables(*commands)) return;
  for (const fops::ShellCommand& command : *commands) {
    bool literal = true;
    bool only_assignments = true;
    for (const fops::ShellWord& word : command.words) {
      literal = literal && word.literal;
      only_assignments = only_assignments && fops::IsShellAssignment(word.text);
    }
    if (!literal || only_assignments) continue;
    std::vector<std::string> argv = {"env", "--"};
    for (const std::string& text : command.texts()) argv.push_back(text);
    absl::Status canonical = Check(guard, argv);
    Require(canonical.ok(),
            "a script the guard allows runs no command it refuses as argv",
            absl::StrCat(script, "\n    allowed, but ", absl::StrJoin(argv, " "), " -> ",
                         canonical.ToString()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char mode = static_cast<char>(data[0]);
  const fops::Guard& guard = GuardFor(mode);
  const std::string rest(fops::fuzz::Text(data + 1, size - 1));
  if (mode == 'D' || mode == 'S' || mode == 'P') {
    std::vector<std::string> argv = fops::fuzz::Split(rest, "\n");
    if (!Check(guard, argv).ok()) CheckStaysRefused(guard, argv, absl::StrJoin(argv, " "));
  } else {
    CheckScript(guard, rest);
  }
  return 0;
}
