// Python shims for the plane layer.
#include "bindings.h"

namespace fops::python {

void BindPlane(pybind11::module_& m) { (void)m; }

}  // namespace fops::python
