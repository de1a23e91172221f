#include "fops/base/errno_text.h"

#include <cstring>

#include "absl/strings/ascii.h"

namespace fops {

std::string ErrnoText(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = absl::ascii_tolower(static_cast<unsigned char>(text[0]));
  return text;
}

}  // namespace fops
