// Conversions shared by the binding files. absl::Duration crosses into
// Python as float seconds (and accepts a float, an int or a
// datetime.timedelta), so `resource.timeout = 5` and
// `probe.period = timedelta(milliseconds=250)` both work. Every binding file
// that exposes a Duration must include this header, so the caster is the
// same in every translation unit. Also: FromKeywords, the keyword
// constructor of the value classes.
//
//   #include "convert.h"
//   cls.def_readwrite("timeout", &Resource::timeout);   // float seconds
#ifndef FOPS_BINDINGS_PYTHON_CONVERT_H_
#define FOPS_BINDINGS_PYTHON_CONVERT_H_

#include <pybind11/pybind11.h>

#include <cmath>
#include <limits>
#include <string>

#include "absl/time/time.h"

namespace pybind11::detail {

template <>
struct type_caster<absl::Duration> {
 public:
  PYBIND11_TYPE_CASTER(absl::Duration, const_name("float"));

  bool load(handle src, bool convert) {
    if (!src) return false;
    double seconds = 0;
    if (PyFloat_Check(src.ptr()) || PyLong_Check(src.ptr())) {
      if (PyBool_Check(src.ptr())) return false;
      seconds = PyFloat_AsDouble(src.ptr());
      if (seconds == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        return false;
      }
    } else if (convert && hasattr(src, "total_seconds")) {
      object total = src.attr("total_seconds")();
      seconds = total.cast<double>();
    } else {
      return false;
    }
    if (std::isnan(seconds)) return false;
    if (std::isinf(seconds)) {
      value = seconds > 0 ? absl::InfiniteDuration() : -absl::InfiniteDuration();
    } else {
      value = absl::Seconds(seconds);
    }
    return true;
  }

  static handle cast(absl::Duration src, return_value_policy, handle) {
    if (src == absl::InfiniteDuration()) {
      return PyFloat_FromDouble(std::numeric_limits<double>::infinity());
    }
    return PyFloat_FromDouble(absl::ToDoubleSeconds(src));
  }
};

}  // namespace pybind11::detail

namespace fops::python {

/// A keyword constructor for value classes: each keyword is set through
/// its property (so converting setters apply); an unknown one is a
/// TypeError, as Python reports it for functions.
template <typename T>
T FromKeywords(const char* type_name, const pybind11::kwargs& kwargs) {
  pybind11::object object = pybind11::cast(T());
  for (auto [key, value] : kwargs) {
    std::string name = pybind11::str(key);
    if (name.empty() || name[0] == '_' || !pybind11::hasattr(object, name.c_str())) {
      throw pybind11::type_error(std::string(type_name) +
                                 "() got an unexpected keyword argument '" + name + "'");
    }
    pybind11::setattr(object, name.c_str(), value);
  }
  return object.template cast<T>();
}

}  // namespace fops::python

#endif  // FOPS_BINDINGS_PYTHON_CONVERT_H_
