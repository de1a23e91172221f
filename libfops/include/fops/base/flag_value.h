// How fops reads an on/off setting from an environment variable, in every
// layer: "1", "true", "yes", "on" are on; "0", "false", "no", "off" are
// off (any case, surrounding blanks ignored); anything else is neither, and
// the caller keeps its default.
//
//   if (ParseFlag(getenv_or_empty("FOPS_DIRECT_EXEC")) == false) ...
#ifndef FOPS_BASE_FLAG_VALUE_H_
#define FOPS_BASE_FLAG_VALUE_H_

#include <optional>
#include <string_view>

namespace fops {

/// true (on), false (off), or nullopt for any other text.
std::optional<bool> ParseFlag(std::string_view value);

}  // namespace fops

#endif  // FOPS_BASE_FLAG_VALUE_H_
