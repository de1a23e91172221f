// Tilt's log prefix: the resource name right-aligned to 13 columns, then
// " │ ", then the line. Longer names are shown whole.
//
//   PrefixLine("api", "listening")  ==  "          api │ listening"
#ifndef FOPS_EXEC_LINE_PREFIX_H_
#define FOPS_EXEC_LINE_PREFIX_H_

#include <string>
#include <string_view>

namespace fops {

inline constexpr int kPrefixWidth = 13;

/// The line with the resource's prefix.
std::string PrefixLine(std::string_view resource, std::string_view line);

}  // namespace fops

#endif  // FOPS_EXEC_LINE_PREFIX_H_
