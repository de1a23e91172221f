// Python shims for the engine layer.
#include "bindings.h"

namespace fops::python {

void BindEngine(pybind11::module_& m) { (void)m; }

}  // namespace fops::python
