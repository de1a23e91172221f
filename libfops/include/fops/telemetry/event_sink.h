// Where Build Plane Events go: an EventSink delivers one batch and says how
// it went. The EventPipeline owns the queue, the retries and the counts;
// a sink only renders the batch in its wire format and sends it once.
// HTTP sinks classify the answer with AnswerFromHttp(), so every sink
// retries the same answers (429, 502, 503, 504 and transport failures).
//
//   class MySink : public EventSink {
//     std::string_view name() const override { return "mine"; }
//     SinkAnswer Send(std::span<const BuildEvent> batch, absl::Time deadline) override;
//   };
#ifndef FOPS_TELEMETRY_EVENT_SINK_H_
#define FOPS_TELEMETRY_EVENT_SINK_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fops/base/redact.h"
#include "fops/net/http_client.h"
#include "fops/telemetry/build_event.h"

namespace fops {

/// How one delivery attempt ended.
struct SinkAnswer {
  enum class Kind {
    kDelivered,  ///< the sink accepted the batch
    kRetry,      ///< a transient answer: try the same batch again later
    kRejected,   ///< a permanent answer: retrying would not help
  };
  Kind kind = Kind::kDelivered;
  int http_status = 0;  ///< the HTTP status, 0 when there was no HTTP answer
  /// What the sink answered, redacted: "HTTP 503: overloaded", "connection
  /// refused". Empty when delivered.
  std::string message;
  std::optional<absl::Duration> retry_after;  ///< the sink's Retry-After, if any
  /// Records of a delivered batch the receiver still refused (OTLP
  /// partial success); counted as failed.
  int64_t rejected_records = 0;

  /// An accepted batch.
  static SinkAnswer Delivered() { return {}; }
};

/// One destination of events. Send() is called from the pipeline's sender
/// thread only, one call at a time; it must return by `deadline`.
class EventSink {
 public:
  virtual ~EventSink() = default;
  /// Short name used in summaries and errors: "otlp", "clickhouse", "jsonl".
  virtual std::string_view name() const = 0;
  /// Where it delivers, without credentials: a URL or a file path.
  virtual std::string destination() const = 0;
  /// Delivers `batch` once (no retries: the pipeline retries).
  virtual SinkAnswer Send(std::span<const BuildEvent> batch, absl::Time deadline) = 0;
};

/// The retry classification shared by HTTP sinks: 2xx delivered; 429, 502,
/// 503, 504 and transport failures (kUnavailable, kDeadlineExceeded) retried,
/// with Retry-After (seconds or an HTTP-date) honoured; anything else rejected. The
/// message holds the status and the first 200 bytes of the body, redacted.
SinkAnswer AnswerFromHttp(const absl::StatusOr<HttpResponse>& response,
                          const Redactor& redactor);

/// A 2xx answer whose body is not what the sink's protocol answers (a web
/// page from a proxy, or another server on the port): rejected, since
/// nothing says the events arrived. `expected` names what should have
/// come ("an OTLP response"); the message quotes the body's start, redacted.
SinkAnswer NotTheProtocol(const HttpResponse& response, std::string_view expected,
                          const Redactor& redactor);

/// A Retry-After value as the delay it asks for: delay-seconds ("120") or
/// an HTTP-date ("Fri, 27 Nov 2026 08:49:37 GMT", RFC 9110's IMF-fixdate),
/// counted from `now` (a date already past is no delay). nullopt for
/// anything else, so the pipeline's own backoff applies.
std::optional<absl::Duration> ParseRetryAfter(std::string_view value, absl::Time now);

/// The request timeout for an attempt that must end by `deadline`: the
/// smaller of `configured` and the time left (at least 1 ms).
absl::Duration AttemptTimeout(absl::Duration configured, absl::Time deadline, absl::Time now);

}  // namespace fops

#endif  // FOPS_TELEMETRY_EVENT_SINK_H_
