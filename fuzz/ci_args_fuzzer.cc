// The native command's reading of `fops ci ...` (cli/ci_args.h). The input
// is the arguments after "ci", one per line.
//
// Invariants:
//  - an accepted command line has a file, no negative or zero limits, and
//    RESOURCE names that are not options;
//  - written back in its canonical spelling (--file=F --max-parallel=N
//    --timeout=S --force RESOURCE... -- ARGS) it reads as the same CiArgs.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "fops/cli/ci_args.h"
#include "fuzz_check.h"

using fops::fuzz::Require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> argv = fops::fuzz::Split(fops::fuzz::Text(data, size), "\n");
  argv.insert(argv.begin(), "ci");
  std::optional<fops::CiArgs> args = fops::ParseCiArgs(argv);
  if (!args) return 0;
  const std::string shown = absl::StrJoin(argv, " ");
  Require(!args->file.empty(), "a file is named", shown);
  Require(args->max_parallel >= 0, "--max-parallel is positive when given", shown);
  Require(args->timeout >= absl::ZeroDuration(), "--timeout is positive when given", shown);
  for (const std::string& resource : args->resources) {
    Require(resource.empty() || resource[0] != '-', "a RESOURCE is not an option", shown);
  }

  std::vector<std::string> canonical = {"ci", "--file=" + args->file};
  if (args->max_parallel > 0) canonical.push_back(absl::StrCat("--max-parallel=", args->max_parallel));
  if (args->timeout > absl::ZeroDuration() && args->timeout < absl::InfiniteDuration()) {
    canonical.push_back(
        absl::StrFormat("--timeout=%dns", absl::ToInt64Nanoseconds(args->timeout)));
  }
  if (args->force) canonical.push_back("--force");
  canonical.insert(canonical.end(), args->resources.begin(), args->resources.end());
  canonical.push_back("--");
  canonical.insert(canonical.end(), args->tiltfile_args.begin(), args->tiltfile_args.end());
  if (args->timeout > absl::Hours(1000000)) return 0;  // beyond what nanoseconds spell
  std::optional<fops::CiArgs> again = fops::ParseCiArgs(canonical);
  const std::string canonical_shown = absl::StrJoin(canonical, " ");
  Require(again.has_value(), "the canonical spelling is accepted", shown + "  =>  " + canonical_shown);
  Require(again->file == args->file && again->max_parallel == args->max_parallel &&
              again->force == args->force && again->resources == args->resources &&
              again->tiltfile_args == args->tiltfile_args &&
              // A count of nanoseconds goes through a double: exact to 2^53.
              absl::AbsDuration(again->timeout - args->timeout) <=
                  absl::Nanoseconds(1) + args->timeout / 1e12,
          "the canonical spelling reads as the same arguments", shown + "  =>  " + canonical_shown);
  return 0;
}
