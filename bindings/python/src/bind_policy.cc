// Python shims for the policy layer.
#include "bindings.h"

namespace fops::python {

void BindPolicy(pybind11::module_& m) { (void)m; }

}  // namespace fops::python
