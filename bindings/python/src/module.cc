// The _fops extension module: thin shims over libfops. Each layer binds
// itself in its own bind_<layer>.cc; the readable API is the fops package.
#include <pybind11/pybind11.h>

#include "bindings.h"

PYBIND11_MODULE(_fops, m) {
  m.doc() = "libfops shims; use the fops package instead";
  fops::python::BindErrors(m);  // first: the others raise these
  fops::python::BindModel(m);
  fops::python::BindExec(m);
  fops::python::BindEngine(m);
  fops::python::BindPlane(m);
  fops::python::BindPolicy(m);
  fops::python::BindTelemetry(m);
  fops::python::BindCli(m);
  fops::python::BindWatch(m);
}
