// The HTTP statuses a smoke accepts: one code (200), a list (200,204), a
// class ("2xx"), a range ("200-299"), or any mix of them, written the way
// people say them on a command line or in a Tiltfile. A smoke that expects
// "2xx" passes on 204 and fails on 301 (fops does not follow redirects: a
// route that answers 302 is checked as 302).
//
//   FOPS_ASSIGN_OR_RETURN(ExpectedStatus expected, ExpectedStatus::Parse("2xx,304"));
//   expected.Matches(204);     // true
//   expected.ToString();       // "2xx,304"
#ifndef FOPS_NET_EXPECTED_STATUS_H_
#define FOPS_NET_EXPECTED_STATUS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace fops {

class ExpectedStatus {
 public:
  /// Accepts 200.
  ExpectedStatus() : ExpectedStatus(200) {}
  /// Accepts exactly `code`.
  explicit ExpectedStatus(int code);

  /// Comma-separated codes (100-599), classes ("2xx") and inclusive ranges
  /// ("200-299"); spaces around items are ignored. kInvalidArgument naming
  /// the item that is none of these.
  static absl::StatusOr<ExpectedStatus> Parse(std::string_view text);

  /// True when `status` is one of the accepted ones.
  bool Matches(int status) const;
  /// As written by Parse's caller, normalised: "200", "2xx", "200,204", "200-204".
  std::string ToString() const;

 private:
  std::vector<std::pair<int, int>> ranges_;  // inclusive
};

}  // namespace fops

#endif  // FOPS_NET_EXPECTED_STATUS_H_
