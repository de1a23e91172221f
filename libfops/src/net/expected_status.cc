#include "fops/net/expected_status.h"


#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

constexpr int kLowest = 100;
constexpr int kHighest = 599;

// A three-digit status code in 100..599; -1 otherwise.
int Code(absl::string_view text) {
  if (text.size() != 3) return -1;
  int value = 0;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return -1;
    value = value * 10 + (c - '0');
  }
  return value >= kLowest && value <= kHighest ? value : -1;
}

}  // namespace

ExpectedStatus::ExpectedStatus(int code) : ranges_{{code, code}} {}

absl::StatusOr<ExpectedStatus> ExpectedStatus::Parse(std::string_view text) {
  ExpectedStatus expected;
  expected.ranges_.clear();
  for (absl::string_view raw : absl::StrSplit(ToAbsl(text), ',')) {
    absl::string_view item = absl::StripAsciiWhitespace(raw);
    const std::string lower = absl::AsciiStrToLower(item);
    if (lower.size() == 3 && lower[1] == 'x' && lower[2] == 'x' && lower[0] >= '1' &&
        lower[0] <= '5') {
      const int base = (lower[0] - '0') * 100;
      expected.ranges_.emplace_back(base, base + 99);
      continue;
    }
    if (int code = Code(item); code > 0) {
      expected.ranges_.emplace_back(code, code);
      continue;
    }
    std::vector<absl::string_view> ends = absl::StrSplit(item, '-');
    if (ends.size() == 2) {
      const int low = Code(absl::StripAsciiWhitespace(ends[0]));
      const int high = Code(absl::StripAsciiWhitespace(ends[1]));
      if (low > 0 && high >= low) {
        expected.ranges_.emplace_back(low, high);
        continue;
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("expected status: ", item.empty() ? "an empty item" : absl::StrCat("'", item, "'"),
                     " is not a status code (100-599), a class like 2xx, or a range like "
                     "200-299"));
  }
  return expected;
}

bool ExpectedStatus::Matches(int status) const {
  for (const auto& [low, high] : ranges_) {
    if (status >= low && status <= high) return true;
  }
  return false;
}

std::string ExpectedStatus::ToString() const {
  return absl::StrJoin(ranges_, ",", [](std::string* out, const std::pair<int, int>& r) {
    if (r.first == r.second) {
      absl::StrAppend(out, r.first);
    } else if (r.first % 100 == 0 && r.second == r.first + 99) {
      absl::StrAppend(out, r.first / 100, "xx");
    } else {
      absl::StrAppend(out, r.first, "-", r.second);
    }
  });
}

}  // namespace fops
