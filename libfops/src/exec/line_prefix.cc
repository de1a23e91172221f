#include "fops/exec/line_prefix.h"

#include "absl/strings/str_cat.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

// Columns a UTF-8 name takes on a terminal, counting one per code point, so
// a non-ASCII resource name lines up with ASCII ones.
int DisplayWidth(std::string_view text) {
  int width = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++width;  // skip continuation bytes
  }
  return width;
}

}  // namespace

std::string PrefixLine(std::string_view resource, std::string_view line) {
  int pad = kPrefixWidth - DisplayWidth(resource);
  std::string out;
  out.reserve((pad > 0 ? pad : 0) + resource.size() + 5 + line.size());
  if (pad > 0) out.append(static_cast<size_t>(pad), ' ');
  absl::StrAppend(&out, ToAbsl(resource), " \u2502 ", ToAbsl(line));
  return out;
}

}  // namespace fops
