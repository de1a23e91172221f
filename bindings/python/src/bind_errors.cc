// The one mapping from absl::Status to Python exceptions. The exception
// classes are defined in Python (fops/errors.py) so users read them there;
// C++ looks them up by name when it raises.
#include <string>

#include "bindings.h"

namespace fops::python {
namespace py = pybind11;

namespace {

const char* ExceptionName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kOutOfRange:
      return "ConfigError";
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kPermissionDenied:
      return "PolicyError";
    case absl::StatusCode::kUnavailable:
      return "UnavailableError";
    case absl::StatusCode::kDeadlineExceeded:
      return "TimeoutError";
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kCancelled:
      return "ExecError";
    default:
      return "Error";
  }
}

}  // namespace

void ThrowStatus(const absl::Status& status) {
  py::object errors = py::module_::import("fops.errors");
  py::object cls = errors.attr(ExceptionName(status.code()));
  py::object exc = cls(std::string(status.message()));
  exc.attr("code") = std::string(absl::StatusCodeToString(status.code()));
  PyErr_SetObject(cls.ptr(), exc.ptr());
  throw py::error_already_set();
}

void BindErrors(py::module_& m) {
  // Lets Python code and tests raise through the same mapping.
  m.def("_raise_status", [](int code, const std::string& message) {
    ThrowStatus(absl::Status(static_cast<absl::StatusCode>(code), message));
  });
}

}  // namespace fops::python
