// Python shims for the telemetry layer.
#include "bindings.h"

namespace fops::python {

void BindTelemetry(pybind11::module_& m) { (void)m; }

}  // namespace fops::python
