#include "fops/base/error_class.h"

namespace fops {

ErrorClass ErrorClassOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kOutOfRange:
      return ErrorClass::kConfig;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kPermissionDenied:
      return ErrorClass::kPolicy;
    case absl::StatusCode::kUnavailable:
      return ErrorClass::kUnavailable;
    case absl::StatusCode::kDeadlineExceeded:
      return ErrorClass::kTimeout;
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kCancelled:
      return ErrorClass::kExec;
    default:
      return ErrorClass::kOther;
  }
}

}  // namespace fops
