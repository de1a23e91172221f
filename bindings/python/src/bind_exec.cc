// Python shims for the exec layer.
#include "bindings.h"

namespace fops::python {

void BindExec(pybind11::module_& m) { (void)m; }

}  // namespace fops::python
