// Delivers Build Plane Events to their sinks without ever slowing a build:
// Emit() only appends to a bounded queue (when it is full the newest event
// is dropped and counted), and one background sender thread batches the
// events, redacts them and sends each batch to every sink, retrying only
// transient answers (429, 502, 503, 504, transport failures) with
// exponential backoff and jitter, honouring Retry-After. Finish() flushes
// within a deadline and reports, per sink, how many events were delivered,
// dropped and failed; in strict mode any loss is an error naming the sink
// and what it answered.
//
//   EventPipeline pipeline(std::move(sinks), {.strict = false});
//   pipeline.Emit(event);                       // from the engine's thread
//   TelemetryReport report = pipeline.Finish(absl::Seconds(5));
//   for (const std::string& line : report.SummaryLines()) std::cerr << line << "\n";
//   FOPS_RETURN_IF_ERROR(report.StrictStatus());
#ifndef FOPS_TELEMETRY_EVENT_PIPELINE_H_
#define FOPS_TELEMETRY_EVENT_PIPELINE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "fops/base/redact.h"
#include "fops/telemetry/build_event.h"
#include "fops/telemetry/event_sink.h"

namespace fops {

/// When and how often a batch is tried again after a transient answer.
struct RetryPolicy {
  int max_attempts = 5;  ///< attempts per batch, the first included
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(5);
  absl::Duration max_retry_after = absl::Seconds(60);  ///< a longer Retry-After is capped

  /// The wait after `failed_attempts` (>= 1) failures: initial_backoff *
  /// 2^(failed_attempts-1), capped at max_backoff, scaled by a jitter factor
  /// in [0.5, 1] taken from `jitter01` in [0, 1]; a server's Retry-After
  /// replaces it (capped at max_retry_after).
  absl::Duration NextDelay(int failed_attempts, std::optional<absl::Duration> retry_after,
                           double jitter01) const;
};

struct PipelineOptions {
  size_t queue_capacity = 10000;  ///< events waiting, per pipeline and per sink
  size_t batch_size = 500;        ///< events per request at most
  /// How long a partial batch waits for company before it is sent.
  absl::Duration linger = absl::Milliseconds(200);
  RetryPolicy retry;
  bool strict = false;  ///< FRACTALOPS_BUILD_EVENTS_STRICT: a loss fails the run
  Redactor redactor;    ///< applied to every event before any sink sees it
};

/// What happened to the events of one sink.
struct SinkReport {
  std::string sink;         ///< "otlp", "clickhouse", "jsonl"
  std::string destination;  ///< URL or path, no credentials
  int64_t delivered = 0;    ///< accepted by the sink
  int64_t dropped = 0;      ///< never sent: queue full, or still queued at the deadline
  int64_t failed = 0;       ///< sent and refused, or retries exhausted
  int64_t retries = 0;      ///< attempts beyond the first
  /// The last failure as the sink answered it, redacted ("HTTP 503: busy").
  std::string last_error;
};

/// The outcome of a run's telemetry.
struct TelemetryReport {
  bool strict = false;
  int64_t emitted = 0;  ///< events handed to Emit()
  std::vector<SinkReport> sinks;

  /// True when every sink delivered every event.
  bool complete() const;
  /// One line per sink: "telemetry: otlp http://h:4318/v1/logs: 12 delivered,
  /// 0 dropped, 0 failed" (+ " (last error: ...)").
  std::vector<std::string> SummaryLines() const;
  /// What the fops command prints after a run: SummaryLines() without the
  /// line of a JSON lines sink that got every event (the default sink;
  /// its line would say only that all went well).
  std::vector<std::string> EndOfRunLines() const;
  /// OK unless strict and incomplete; then kUnavailable naming each sink
  /// that lost events, its counts and its last answer.
  absl::Status StrictStatus() const;
};

/// Emit() is thread-safe and never blocks on I/O; Finish() and Snapshot()
/// may be called from any thread.
class EventPipeline {
 public:
  /// Starts the sender thread.
  EventPipeline(std::vector<std::unique_ptr<EventSink>> sinks, PipelineOptions options);
  /// Finishes with a zero deadline if Finish() was not called: queued
  /// events are counted as dropped.
  ~EventPipeline();
  EventPipeline(const EventPipeline&) = delete;
  EventPipeline& operator=(const EventPipeline&) = delete;

  /// Queues `event` for every sink; after Finish() it is dropped (counted).
  void Emit(BuildEvent event);

  /// Sends what is queued, waits until every sink has answered or
  /// `deadline` has passed, stops the sender and reports. Later calls
  /// return the same report.
  TelemetryReport Finish(absl::Duration deadline);

  /// The counts so far (the sender keeps running).
  TelemetryReport Snapshot() const;

  /// The number of sinks; 0 means Emit() only counts.
  size_t sink_count() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fops

#endif  // FOPS_TELEMETRY_EVENT_PIPELINE_H_
