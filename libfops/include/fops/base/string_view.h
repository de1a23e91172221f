// Debian's abseil 20220623 is built with its own absl::string_view (and
// absl::optional, absl::variant), not the std ones, and the two do not
// convert implicitly. fops' own APIs take std::string_view; ToAbsl() is the
// one bridge when calling absl string functions with one.
//
//   absl::StrCat(ToAbsl(name), ": ", ToAbsl(message));
#ifndef FOPS_BASE_STRING_VIEW_H_
#define FOPS_BASE_STRING_VIEW_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace fops {

/// The same characters as an absl::string_view.
inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }

/// The same characters as a std::string_view.
inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace fops

#endif  // FOPS_BASE_STRING_VIEW_H_
