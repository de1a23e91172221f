#include "fops/base/format_duration.h"

#include "gtest/gtest.h"

namespace fops {
namespace {

TEST(DurationToStringTest, ReadsLikeGo) {
  EXPECT_EQ(DurationToString(absl::ZeroDuration()), "0s");
  EXPECT_EQ(DurationToString(absl::Microseconds(250)), "250µs");
  EXPECT_EQ(DurationToString(absl::Milliseconds(250)), "250ms");
  EXPECT_EQ(DurationToString(absl::Seconds(5)), "5s");
  EXPECT_EQ(DurationToString(absl::Milliseconds(1500)), "1.5s");
  EXPECT_EQ(DurationToString(absl::Milliseconds(12345)), "12.345s");
  EXPECT_EQ(DurationToString(absl::Minutes(30)), "30m0s");
  EXPECT_EQ(DurationToString(absl::Seconds(90)), "1m30s");
  EXPECT_EQ(DurationToString(absl::Hours(1) + absl::Seconds(3)), "1h0m3s");
  EXPECT_EQ(DurationToString(-absl::Seconds(2)), "-2s");
}

}  // namespace
}  // namespace fops
