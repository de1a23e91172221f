#include "fops/base/flag_value.h"

#include <string>

#include "absl/strings/ascii.h"
#include "fops/base/string_view.h"

namespace fops {

std::optional<bool> ParseFlag(std::string_view value) {
  const std::string text = absl::AsciiStrToLower(absl::StripAsciiWhitespace(ToAbsl(value)));
  if (text == "1" || text == "true" || text == "yes" || text == "on") return true;
  if (text == "0" || text == "false" || text == "no" || text == "off") return false;
  return std::nullopt;
}

}  // namespace fops
