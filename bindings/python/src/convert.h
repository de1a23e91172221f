// Conversions shared by the binding files. absl::Duration crosses into
// Python as float seconds (and accepts a float, an int or a
// datetime.timedelta), so `resource.timeout = 5` and
// `probe.period = timedelta(milliseconds=250)` both work. Every binding file
// that exposes a Duration must include this header, so the caster is the
// same in every translation unit. Also: FromKeywords, the keyword
// constructor of the value classes, and Text, the one way text that may
// not be UTF-8 (process output, reasons, answers from servers, error
// messages) becomes a Python str.
//
//   #include "convert.h"
//   cls.def_readwrite("timeout", &Resource::timeout);   // float seconds
//   cls.def_property_readonly("reason", [](const R& r) { return Text(r.reason); });
#ifndef FOPS_BINDINGS_PYTHON_CONVERT_H_
#define FOPS_BINDINGS_PYTHON_CONVERT_H_

#include <pybind11/pybind11.h>

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

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

/// `text` as a str: bytes that are not UTF-8 (a command printing binary, a
/// line cut in the middle of a character) become U+FFFD instead of raising
/// UnicodeDecodeError. Every std::string that can carry process output or
/// external text crosses into Python through this.
inline pybind11::str Text(std::string_view text) {
  PyObject* str = PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace");
  if (str == nullptr) throw pybind11::error_already_set();
  return pybind11::reinterpret_steal<pybind11::str>(str);
}

/// Text() of each line.
inline pybind11::list TextList(const std::vector<std::string>& lines) {
  pybind11::list out;
  for (const std::string& line : lines) out.append(Text(line));
  return out;
}

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
