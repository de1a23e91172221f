#include "fops/telemetry/event_sink.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

absl::Time At(const char* text) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, text, &t, &error)) << error;
  return t;
}

TEST(RetryAfterTest, DelaySecondsAndHttpDatesBothCount) {
  const absl::Time now = At("2026-11-27T08:47:37Z");
  EXPECT_EQ(ParseRetryAfter("120", now), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfter("Fri, 27 Nov 2026 08:49:37 GMT", now), absl::Minutes(2));
  // A date already past asks for no wait.
  EXPECT_EQ(ParseRetryAfter("Fri, 27 Nov 2026 08:00:00 GMT", now), absl::ZeroDuration());
}

TEST(RetryAfterTest, AnythingElseLeavesTheBackoffToThePipeline) {
  const absl::Time now = At("2026-11-27T08:47:37Z");
  EXPECT_EQ(ParseRetryAfter("-5", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("2026-11-27T08:49:37Z", now), std::nullopt);
}

TEST(RetryAfterTest, AnswersCarryTheServersDelay) {
  HttpResponse busy{.status = 429, .headers = {{"retry-after", "7"}}, .body = "slow down"};
  SinkAnswer answer = AnswerFromHttp(busy, Redactor());
  EXPECT_EQ(answer.kind, SinkAnswer::Kind::kRetry);
  EXPECT_EQ(answer.retry_after, absl::Seconds(7));

  HttpResponse dated{.status = 503,
                     .headers = {{"retry-after", absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT",
                                                                 absl::Now() + absl::Minutes(10),
                                                                 absl::UTCTimeZone())}}};
  answer = AnswerFromHttp(dated, Redactor());
  ASSERT_TRUE(answer.retry_after.has_value());
  EXPECT_GT(*answer.retry_after, absl::Minutes(9));
  EXPECT_LE(*answer.retry_after, absl::Minutes(10));
}

}  // namespace
}  // namespace fops
