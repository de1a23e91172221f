#include "fops/net/expected_status.h"

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ExpectedStatusTest, DefaultAcceptsOnly200) {
  ExpectedStatus expected;
  EXPECT_TRUE(expected.Matches(200));
  EXPECT_FALSE(expected.Matches(201));
  EXPECT_EQ(expected.ToString(), "200");
}

TEST(ExpectedStatusTest, ReadsCodesClassesAndRanges) {
  absl::StatusOr<ExpectedStatus> expected = ExpectedStatus::Parse(" 2XX, 304 ,401-403");
  ASSERT_THAT(expected, IsOk());
  for (int ok : {200, 204, 299, 304, 401, 402, 403}) EXPECT_TRUE(expected->Matches(ok)) << ok;
  for (int bad : {199, 300, 301, 400, 404, 500}) EXPECT_FALSE(expected->Matches(bad)) << bad;
  EXPECT_EQ(expected->ToString(), "2xx,304,401-403");
}

TEST(ExpectedStatusTest, RefusesWhatIsNotAStatusNamingTheItem) {
  EXPECT_THAT(ExpectedStatus::Parse("200,ok"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'ok' is not a status code")));
  EXPECT_THAT(ExpectedStatus::Parse("600"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'600'")));
  EXPECT_THAT(ExpectedStatus::Parse("6xx"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'6xx'")));
  EXPECT_THAT(ExpectedStatus::Parse("299-200"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'299-200'")));
  EXPECT_THAT(ExpectedStatus::Parse("200,"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("an empty item")));
}

}  // namespace
}  // namespace fops
