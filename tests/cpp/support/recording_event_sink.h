// An EventSink for tests: records every batch it is given and answers from
// a script (delivered when the script is empty). It can hold Send() until
// released, to fill the pipeline's queue while the sender is busy.
//
//   auto sink = std::make_shared<RecordingEventSink>();
//   sink->Script({RetryAnswer("HTTP 503"), SinkAnswer::Delivered()});
//   sinks.push_back(RecordingEventSink::NewSink(sink, "otlp"));
//   EXPECT_EQ(sink->events().size(), 3);
#ifndef FOPS_TESTS_CPP_SUPPORT_RECORDING_EVENT_SINK_H_
#define FOPS_TESTS_CPP_SUPPORT_RECORDING_EVENT_SINK_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "fops/telemetry/event_sink.h"

namespace fops::testing {

/// Thread-safe.
class RecordingEventSink {
 public:
  /// Answers, in order, for the next Send() calls.
  void Script(std::vector<SinkAnswer> answers);
  /// Makes Send() wait until Release() (or its deadline).
  void Hold();
  /// Lets held and future Send() calls proceed.
  void Release();
  /// Every batch received, in order.
  std::vector<std::vector<BuildEvent>> batches() const;
  /// Every event received, in order (retried batches repeat).
  std::vector<BuildEvent> events() const;
  /// When each Send() was called.
  std::vector<absl::Time> call_times() const;
  /// Blocks until `count` Send() calls happened or `timeout`; true if so.
  bool WaitForCalls(size_t count, absl::Duration timeout) const;

  /// A sink for a pipeline that forwards to `recorder` and keeps it alive
  /// (a pipeline may detach a sender stuck in Send()).
  static std::unique_ptr<EventSink> NewSink(std::shared_ptr<RecordingEventSink> recorder,
                                            std::string name = "recording");

  SinkAnswer Send(std::span<const BuildEvent> batch, absl::Time deadline);

 private:
  mutable absl::Mutex mu_;
  std::deque<SinkAnswer> script_;
  std::vector<std::vector<BuildEvent>> batches_;
  std::vector<absl::Time> call_times_;
  bool held_ = false;
};

/// A transient answer ("HTTP 503"), optionally with a Retry-After.
SinkAnswer RetryAnswer(std::string message, std::optional<absl::Duration> retry_after = {});
/// A permanent answer ("HTTP 400: bad").
SinkAnswer RejectedAnswer(std::string message);

}  // namespace fops::testing

#endif  // FOPS_TESTS_CPP_SUPPORT_RECORDING_EVENT_SINK_H_
