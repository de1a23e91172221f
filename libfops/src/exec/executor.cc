#include "fops/exec/executor.h"

#include <string.h>

#include "absl/strings/str_cat.h"

namespace fops {
namespace {

// "SIGSEGV" for 11; "signal 99" for a number the C library has no name for.
std::string SignalName(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  if (abbrev == nullptr) return absl::StrCat("signal ", sig);
  return absl::StrCat("SIG", abbrev);
}

}  // namespace

std::string CommandResult::Describe() const {
  switch (kind) {
    case ExitKind::kExited:
      return absl::StrCat("exit ", exit_code);
    case ExitKind::kSignaled:
      return absl::StrCat("killed by ", SignalName(signal));
    case ExitKind::kTimedOut:
      return "timed out";
    case ExitKind::kStopped:
      return "stopped";
  }
  return "unknown";
}

}  // namespace fops
