#include "fops/watch/ignore_matcher.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace fops {

absl::StatusOr<IgnoreMatcher> IgnoreMatcher::Create(const std::filesystem::path& root,
                                                    const std::vector<std::string>& patterns) {
  IgnoreMatcher matcher;
  matcher.root_ = root.lexically_normal();
  std::vector<std::string> relative;
  relative.reserve(patterns.size());
  for (const std::string& original : patterns) {
    absl::string_view text = absl::StripAsciiWhitespace(original);
    if (text.empty() || absl::StartsWith(text, "#")) continue;
    bool exception = absl::ConsumePrefix(&text, "!");
    text = absl::StripLeadingAsciiWhitespace(text);
    if (text.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ignore pattern \"", original, "\": nothing after '!'"));
    }
    std::filesystem::path pattern{std::string(text)};
    if (pattern.is_absolute()) {
      std::filesystem::path rel = pattern.lexically_normal().lexically_relative(matcher.root_);
      if (rel.empty() || *rel.begin() == "..") {
        return absl::InvalidArgumentError(absl::StrCat(
            "ignore pattern \"", original, "\": outside the project root ", root.string()));
      }
      relative.push_back(absl::StrCat(exception ? "!" : "", rel.generic_string()));
      continue;
    }
    relative.push_back(absl::StrCat(exception ? "!" : "", text));
  }
  absl::StatusOr<IgnorePatterns> compiled = IgnorePatterns::Compile(relative);
  if (!compiled.ok()) return compiled.status();
  matcher.patterns_ = *std::move(compiled);
  return matcher;
}

std::string IgnoreMatcher::Relative(const std::filesystem::path& path) const {
  std::filesystem::path rel = path.lexically_normal().lexically_relative(root_);
  if (rel.empty() || rel == "." || *rel.begin() == "..") return "";
  return rel.generic_string();
}

bool IgnoreMatcher::Matches(const std::filesystem::path& path) const {
  if (patterns_.empty()) return false;
  std::string rel = Relative(path);
  return !rel.empty() && patterns_.Excluded(rel);
}

bool IgnoreMatcher::CanSkipDirectory(const std::filesystem::path& dir) const {
  std::string rel = Relative(dir);
  return !rel.empty() && patterns_.CanSkipDirectory(rel);
}

}  // namespace fops
