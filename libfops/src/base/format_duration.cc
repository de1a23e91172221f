#include "fops/base/format_duration.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace fops {

std::string DurationToString(absl::Duration d) {
  if (d < absl::ZeroDuration()) return absl::StrCat("-", DurationToString(-d));
  if (d == absl::InfiniteDuration()) return "inf";
  if (d == absl::ZeroDuration()) return "0s";
  if (d < absl::Milliseconds(1)) return absl::StrCat(absl::ToInt64Microseconds(d), "µs");
  const int64_t ms = absl::ToInt64Milliseconds(absl::Floor(d + absl::Microseconds(500), absl::Milliseconds(1)));
  if (ms < 1000) return absl::StrCat(ms, "ms");
  const int64_t hours = ms / 3600000, minutes = ms / 60000 % 60, millis = ms % 60000;
  std::string seconds = absl::StrCat(millis / 1000);
  if (millis % 1000 != 0) {
    std::string fraction = absl::StrFormat("%03d", millis % 1000);
    while (fraction.back() == '0') fraction.pop_back();
    absl::StrAppend(&seconds, ".", fraction);
  }
  if (hours > 0) return absl::StrCat(hours, "h", minutes, "m", seconds, "s");
  if (minutes > 0) return absl::StrCat(minutes, "m", seconds, "s");
  return absl::StrCat(seconds, "s");
}

}  // namespace fops
