// Which kind of failure a status is, as users meet it: one grouping of
// absl status codes for every front end. The Python bindings raise the
// fops.Error subclass of the class (ConfigError, PolicyError, ...); the
// `fops` command exits with its code (2 for a config error, 3 for a
// policy refusal, 1 otherwise; fops/cli/exit_code.h).
//
//   if (ErrorClassOf(status.code()) == ErrorClass::kPolicy) ...
#ifndef FOPS_BASE_ERROR_CLASS_H_
#define FOPS_BASE_ERROR_CLASS_H_

#include "absl/status/status.h"

namespace fops {

enum class ErrorClass {
  kConfig,       ///< bad input: kInvalidArgument, kNotFound, kAlreadyExists, kOutOfRange
  kPolicy,       ///< refused: kFailedPrecondition, kPermissionDenied
  kUnavailable,  ///< retryable: kUnavailable
  kTimeout,      ///< kDeadlineExceeded
  kExec,         ///< a run that went wrong: kAborted, kCancelled
  kOther,        ///< anything else
};

/// The class of `code`.
ErrorClass ErrorClassOf(absl::StatusCode code);

}  // namespace fops

#endif  // FOPS_BASE_ERROR_CLASS_H_
