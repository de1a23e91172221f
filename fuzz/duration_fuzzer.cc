// Durations: the command line's reader (ParseDurationArg, cli/ci_args.h)
// and the printer every message uses (DurationToString,
// base/format_duration.h).
//
// Invariants:
//  - what ParseDurationArg accepts, fops.durations.parse (Python) accepts
//    too (the native command must not read what Python would refuse): seconds
//    of ASCII digits and one '.', or number+unit pairs (ns us µs ms s m h);
//  - accepted durations are >= 0;
//  - DurationToString's text reads back (ParseDurationArg) as the same
//    duration, to the millisecond it rounds to (microsecond below 1 ms).
#include <cstdint>
#include <regex>
#include <string>

#include "absl/time/time.h"
#include "fops/base/format_duration.h"
#include "fops/cli/ci_args.h"
#include "fuzz_check.h"

using fops::fuzz::Require;

namespace {

// fops/durations.py: float(text) for these plain forms, else the regex
// (\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h) repeated over the whole text.
bool PythonAccepts(const std::string& text) {
  static const std::regex number(R"(^([0-9]+\.?[0-9]*|\.[0-9]+)$)");
  static const std::regex units(
      "^(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\xC2\xB5s|ms|s|m|h))+$");
  return std::regex_match(text, number) || std::regex_match(text, units);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256) return 0;  // the regexes above recurse per character
  const std::string text(fops::fuzz::Text(data, size));
  std::optional<absl::Duration> parsed = fops::ParseDurationArg(text);
  if (!parsed) return 0;
  Require(PythonAccepts(text), "the native reader accepts only what Python accepts", text);
  Require(*parsed >= absl::ZeroDuration(), "a duration is never negative", text);
  if (*parsed == absl::InfiniteDuration() || *parsed > absl::Hours(1000000)) return 0;

  const std::string printed = fops::DurationToString(*parsed);
  std::optional<absl::Duration> back = fops::ParseDurationArg(printed);
  Require(back.has_value(), "DurationToString's text reads back", text + " -> " + printed);
  const absl::Duration expected =
      *parsed < absl::Milliseconds(1)
          ? absl::Trunc(*parsed, absl::Microseconds(1))
          : absl::Floor(*parsed + absl::Microseconds(500), absl::Milliseconds(1));
  Require(absl::AbsDuration(*back - expected) < absl::Microseconds(1),
          "DurationToString's text is the duration, rounded",
          text + " -> " + printed + " -> " + absl::FormatDuration(*back) + " (expected " +
              absl::FormatDuration(expected) + ")");
  return 0;
}
