#include "fops/base/source_location.h"

#include "absl/strings/str_cat.h"

namespace fops {

std::string SourceLocation::ToString() const {
  if (file.empty()) return "";
  if (line <= 0) return file;
  if (column <= 0) return absl::StrCat(file, ":", line);
  return absl::StrCat(file, ":", line, ":", column);
}

}  // namespace fops
