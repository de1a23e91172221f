// Durations as people read them in Go tools (and Tilt): "250ms", "1.5s",
// "30m0s", "1h2m3s". Errors, reasons and the summary table use it so
// "timed out after 30m0s" reads the same everywhere.
//
//   DurationToString(absl::Minutes(30))        == "30m0s"
//   DurationToString(absl::Milliseconds(1500)) == "1.5s"
#ifndef FOPS_BASE_FORMAT_DURATION_H_
#define FOPS_BASE_FORMAT_DURATION_H_

#include <string>

#include "absl/time/time.h"

namespace fops {

/// Go's time.Duration.String(), rounded to the millisecond (microseconds
/// below one millisecond).
std::string DurationToString(absl::Duration d);

}  // namespace fops

#endif  // FOPS_BASE_FORMAT_DURATION_H_
