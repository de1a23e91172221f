#include "fops/watch/ignore_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "fops/watch/ignore_matcher.h"

namespace fops {

absl::StatusOr<std::vector<std::string>> ReadIgnoreFile(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::vector<std::string>{};
  std::ifstream in(file);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat(file.string(), ": cannot read: ", std::strerror(errno)));
  }
  std::vector<std::string> patterns;
  std::string line;
  const std::filesystem::path dir = file.parent_path();
  for (int number = 1; std::getline(in, line); ++number) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || absl::StartsWith(text, "#")) continue;
    // Checked alone, so the error names its line.
    absl::StatusOr<IgnoreMatcher> one = IgnoreMatcher::Create(dir, {std::string(text)});
    if (!one.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file.string(), ":", number, ": ", one.status().message()));
    }
    patterns.emplace_back(text);
  }
  return patterns;
}

}  // namespace fops
