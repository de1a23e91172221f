// The binding functions of the modes work, called from BindPolicy() so the
// module's layer list (bindings.h, module.cc) stays as it is: the guard
// (bind_policy.cc), Helm releases (bind_helm.cc), modes and transitions
// (bind_modes.cc).
#ifndef FOPS_BINDINGS_PYTHON_POLICY_BINDINGS_H_
#define FOPS_BINDINGS_PYTHON_POLICY_BINDINGS_H_

#include <pybind11/pybind11.h>

namespace fops::python {

void BindHelm(pybind11::module_& m);
void BindModes(pybind11::module_& m);

}  // namespace fops::python

#endif  // FOPS_BINDINGS_PYTHON_POLICY_BINDINGS_H_
