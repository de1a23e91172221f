// Declarations shared by the binding files: one Bind function per layer and
// the single mapping from absl::Status to Python exceptions.
#ifndef FOPS_BINDINGS_PYTHON_BINDINGS_H_
#define FOPS_BINDINGS_PYTHON_BINDINGS_H_

#include <pybind11/pybind11.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fops/base/redact.h"

namespace fops::python {

void BindErrors(pybind11::module_& m);
void BindModel(pybind11::module_& m);
void BindExec(pybind11::module_& m);
void BindEngine(pybind11::module_& m);
void BindPlane(pybind11::module_& m);
void BindPolicy(pybind11::module_& m);
void BindTelemetry(pybind11::module_& m);
void BindCli(pybind11::module_& m);
void BindWatch(pybind11::module_& m);

/// Raises the fops.Error subclass for `status` (ConfigError for
/// kInvalidArgument/kNotFound, PolicyError for kFailedPrecondition, ...),
/// its message masked with `secrets` (Text: never a UnicodeDecodeError).
[[noreturn]] void ThrowStatus(const absl::Status& status, const Redactor& secrets);

/// ThrowStatus with the environment's secrets (Redactor::FromEnvironment).
[[noreturn]] void ThrowStatus(const absl::Status& status);

/// Returns normally for OK; raises otherwise.
inline void RaiseIfError(const absl::Status& status) {
  if (!status.ok()) ThrowStatus(status);
}

/// The value, or raises.
template <typename T>
T ValueOrRaise(absl::StatusOr<T> status_or) {
  if (!status_or.ok()) ThrowStatus(status_or.status());
  return *std::move(status_or);
}

}  // namespace fops::python

#endif  // FOPS_BINDINGS_PYTHON_BINDINGS_H_
