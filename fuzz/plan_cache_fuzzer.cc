// Plan-cache files (cli/plan_cache.h), the native command's first read.
// The first byte picks what the rest is:
//   'R': a request, one field per line (tiltfile, cwd, subcommand, then
//        args): PlanCachePath names a file for any request, whatever bytes
//        its fields hold (command-line arguments are not always UTF-8);
//   otherwise: a plan file's text. Invariants: LoadCachedPlan returns a
//        plan, kInvalidArgument naming the file, and never throws; a plan it
//        loads stores and loads back unchanged (store -> load -> store
//        writes the same bytes).
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "fops/base/atomic_file.h"
#include "fops/cli/plan_cache.h"
#include "fuzz_check.h"

using fops::fuzz::Require;

namespace {

std::filesystem::path WorkDir() {
  static const std::filesystem::path dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "plan-cache-fuzz.XXXXXX").string();
    std::filesystem::path made = mkdtemp(pattern.data());
    return made;
  }();
  return dir;
}

void CheckRequest(std::string_view text) {
  std::vector<std::string> fields = fops::fuzz::Split(text, "\n");
  fields.resize(std::max<size_t>(fields.size(), 3));
  fops::PlanRequest request{.tiltfile = "/fuzz/" + fields[0], .cwd = fields[1],
                            .subcommand = fields[2]};
  request.args.assign(fields.begin() + 3, fields.end());
  request.resources = request.args;
  const std::filesystem::path path = fops::PlanCachePath(request);
  Require(path.filename().string().size() == 32 + 5, "the plan file is named by a digest",
          path.string());
}

void CheckFile(std::string_view text) {
  const std::filesystem::path file = WorkDir() / "plan.json";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  absl::StatusOr<fops::CachedPlan> plan = fops::LoadCachedPlan(file);
  if (!plan.ok()) {
    Require(absl::IsInvalidArgument(plan.status()) &&
                absl::StartsWith(plan.status().message(), file.string()),
            "an unusable plan is kInvalidArgument naming the file", plan.status().ToString());
    return;
  }
  const std::filesystem::path stored = WorkDir() / "stored.json";
  Require(fops::StoreCachedPlan(stored, *plan).ok(), "a plan that loads stores");
  absl::StatusOr<std::string> first = fops::ReadFile(stored);
  absl::StatusOr<fops::CachedPlan> again = fops::LoadCachedPlan(stored);
  Require(again.ok(), "a stored plan loads", again.status().ToString());
  Require(again->request == plan->request && again->inputs == plan->inputs &&
              again->load_stdout == plan->load_stdout && again->load_stderr == plan->load_stderr &&
              again->selection == plan->selection,
          "a stored plan loads as it was");
  Require(fops::StoreCachedPlan(stored, *again).ok(), "a reloaded plan stores");
  absl::StatusOr<std::string> second = fops::ReadFile(stored);
  Require(first.ok() && second.ok() && *first == *second, "store -> load -> store is the identity");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 0 && data[0] == 'R') {
    CheckRequest(fops::fuzz::Text(data + 1, size - 1));
  } else {
    CheckFile(fops::fuzz::Text(data, size));
  }
  return 0;
}
