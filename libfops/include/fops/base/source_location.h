// Where a value was declared: a Tiltfile or YAML file and a line. Errors
// about a resource name the line that declared it ("Tiltfile.py:12: ...").
#ifndef FOPS_BASE_SOURCE_LOCATION_H_
#define FOPS_BASE_SOURCE_LOCATION_H_

#include <string>

namespace fops {

struct SourceLocation {
  std::string file;  ///< path as the user named it; empty when unknown
  int line = 0;      ///< 1-based; 0 when unknown
  int column = 0;    ///< 1-based; 0 when unknown

  /// "file:line" (or "file:line:column"), or "" when the file is unknown.
  std::string ToString() const;
  bool known() const { return !file.empty(); }
};

}  // namespace fops

#endif  // FOPS_BASE_SOURCE_LOCATION_H_
