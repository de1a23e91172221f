#include "fops/telemetry/event_sink.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

constexpr size_t kBodyExcerpt = 200;

// The start of a body, on one line, for an error message.
std::string Excerpt(std::string_view body) {
  std::string out(body.substr(0, kBodyExcerpt));
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  out = std::string(absl::StripAsciiWhitespace(out));
  if (body.size() > kBodyExcerpt) out += "...";
  return out;
}

bool IsRetryableStatus(int status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

}  // namespace

std::optional<absl::Duration> ParseRetryAfter(std::string_view value, absl::Time now) {
  absl::string_view text = absl::StripAsciiWhitespace(ToAbsl(value));
  int64_t seconds = 0;
  if (absl::SimpleAtoi(text, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  absl::Time when;
  std::string error;
  if (!absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", text, absl::UTCTimeZone(), &when, &error)) {
    return std::nullopt;
  }
  return std::max(absl::ZeroDuration(), when - now);
}

SinkAnswer AnswerFromHttp(const absl::StatusOr<HttpResponse>& response,
                          const Redactor& redactor) {
  SinkAnswer answer;
  if (!response.ok()) {
    const absl::StatusCode code = response.status().code();
    const bool transient = code == absl::StatusCode::kUnavailable ||
                           code == absl::StatusCode::kDeadlineExceeded;
    answer.kind = transient ? SinkAnswer::Kind::kRetry : SinkAnswer::Kind::kRejected;
    answer.message = redactor.Redact(ToStd(response.status().message()));
    return answer;
  }
  answer.http_status = response->status;
  if (response->status >= 200 && response->status < 300) return answer;
  answer.kind = IsRetryableStatus(response->status) ? SinkAnswer::Kind::kRetry
                                                    : SinkAnswer::Kind::kRejected;
  if (std::optional<std::string> value = response->header("retry-after")) {
    answer.retry_after = ParseRetryAfter(*value, absl::Now());
  }
  std::string excerpt = Excerpt(response->body);
  answer.message = redactor.Redact(
      excerpt.empty() ? absl::StrCat("HTTP ", response->status)
                      : absl::StrCat("HTTP ", response->status, ": ", excerpt));
  return answer;
}

SinkAnswer NotTheProtocol(const HttpResponse& response, std::string_view expected,
                          const Redactor& redactor) {
  SinkAnswer answer;
  answer.kind = SinkAnswer::Kind::kRejected;
  answer.http_status = response.status;
  answer.message = redactor.Redact(absl::StrCat("HTTP ", response.status,
                                                ", but the answer is not ", ToAbsl(expected),
                                                ": ", Excerpt(response.body)));
  return answer;
}

absl::Duration AttemptTimeout(absl::Duration configured, absl::Time deadline, absl::Time now) {
  return std::max(absl::Milliseconds(1), std::min(configured, deadline - now));
}

}  // namespace fops
