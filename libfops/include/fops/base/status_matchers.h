// GoogleTest matchers for absl::Status and absl::StatusOr, header only.
// Debian's abseil has no status matchers; tests check the specific error:
//
//   EXPECT_THAT(ImageRef::Parse("UPPER/x"),
//               StatusIs(absl::StatusCode::kInvalidArgument,
//                        HasSubstr("lowercase")));
//   EXPECT_THAT(graph.status(), IsOk());
#ifndef FOPS_BASE_STATUS_MATCHERS_H_
#define FOPS_BASE_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace fops::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + absl::StatusCodeToString(code) + " and a message that " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const absl::Status& status = ::fops::testing::GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = ::fops::testing::GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.ok();
}

}  // namespace fops::testing

#endif  // FOPS_BASE_STATUS_MATCHERS_H_
