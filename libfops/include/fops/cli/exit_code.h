// The `fops` command's exit codes, one table for the Python command and the
// native one: 0 success; 1 a resource failed, the run timed out or another
// error; 2 bad usage or a bad Tiltfile; 3 refused by policy (guard or mode);
// 128+N stopped by signal N.
#ifndef FOPS_CLI_EXIT_CODE_H_
#define FOPS_CLI_EXIT_CODE_H_

#include "absl/status/status.h"

namespace fops {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitConfig = 2;
inline constexpr int kExitPolicy = 3;

/// The exit code for `status`, by its ErrorClass (fops/base/error_class.h),
/// the same class that picks the fops.Error subclass the Python command
/// maps: config 2, policy 3, any other error 1.
int ExitCodeFor(const absl::Status& status);

}  // namespace fops

#endif  // FOPS_CLI_EXIT_CODE_H_
