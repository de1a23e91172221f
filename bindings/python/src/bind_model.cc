// Python shims for the model layer.
#include "bindings.h"

namespace fops::python {

void BindModel(pybind11::module_& m) { (void)m; }

}  // namespace fops::python
