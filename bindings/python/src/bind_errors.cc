// The one mapping from absl::Status to Python exceptions. The exception
// classes are defined in Python (fops/errors.py) so users read them there;
// C++ looks them up by name when it raises. Every message is masked with
// the secrets known here, once, on its way out.
#include <string>

#include "bindings.h"
#include "convert.h"
#include "fops/base/error_class.h"

namespace fops::python {
namespace py = pybind11;

namespace {

const char* ExceptionName(absl::StatusCode code) {
  switch (ErrorClassOf(code)) {
    case ErrorClass::kConfig:
      return "ConfigError";
    case ErrorClass::kPolicy:
      return "PolicyError";
    case ErrorClass::kUnavailable:
      return "UnavailableError";
    case ErrorClass::kTimeout:
      return "TimeoutError";
    case ErrorClass::kExec:
      return "ExecError";
    case ErrorClass::kOther:
      break;
  }
  return "Error";
}

}  // namespace

void ThrowStatus(const absl::Status& status, const Redactor& secrets) {
  py::object errors = py::module_::import("fops.errors");
  py::object cls = errors.attr(ExceptionName(status.code()));
  py::object exc = cls(Text(secrets.Redact(std::string(status.message()))));
  exc.attr("code") = std::string(absl::StatusCodeToString(status.code()));
  PyErr_SetObject(cls.ptr(), exc.ptr());
  throw py::error_already_set();
}

void ThrowStatus(const absl::Status& status) { ThrowStatus(status, Redactor::FromEnvironment()); }

void BindErrors(py::module_& m) {
  // Lets Python code and tests raise through the same mapping.
  m.def("_raise_status", [](int code, const std::string& message) {
    ThrowStatus(absl::Status(static_cast<absl::StatusCode>(code), message));
  });
}

}  // namespace fops::python
