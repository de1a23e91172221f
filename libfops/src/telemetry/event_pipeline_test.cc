#include "fops/telemetry/event_pipeline.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/recording_event_sink.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::RecordingEventSink;
using ::fops::testing::RejectedAnswer;
using ::fops::testing::RetryAnswer;
using ::fops::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

BuildEvent Event(std::string resource) {
  BuildEvent e;
  e.name = EventName::kResourceFinished;
  e.timestamp = absl::FromUnixSeconds(1700000000);
  e.resource = std::move(resource);
  return e;
}

using Recorder = std::shared_ptr<RecordingEventSink>;

Recorder NewRecorder() { return std::make_shared<RecordingEventSink>(); }

std::vector<std::unique_ptr<EventSink>> Sinks(const Recorder& a) {
  std::vector<std::unique_ptr<EventSink>> sinks;
  sinks.push_back(RecordingEventSink::NewSink(a, "a"));
  return sinks;
}

PipelineOptions Fast() {
  PipelineOptions options;
  options.linger = absl::Milliseconds(5);
  options.retry.initial_backoff = absl::Milliseconds(1);
  options.retry.max_backoff = absl::Milliseconds(4);
  return options;
}

std::vector<std::string> Resources(const std::vector<BuildEvent>& events) {
  std::vector<std::string> out;
  for (const BuildEvent& e : events) out.push_back(e.resource);
  return out;
}

TEST(RetryPolicyTest, BackoffDoublesUpToTheCapWithJitterBetweenHalfAndFull) {
  RetryPolicy policy{.initial_backoff = absl::Milliseconds(100), .max_backoff = absl::Seconds(1)};
  EXPECT_EQ(policy.NextDelay(1, std::nullopt, 1.0), absl::Milliseconds(100));
  EXPECT_EQ(policy.NextDelay(2, std::nullopt, 1.0), absl::Milliseconds(200));
  EXPECT_EQ(policy.NextDelay(3, std::nullopt, 1.0), absl::Milliseconds(400));
  EXPECT_EQ(policy.NextDelay(9, std::nullopt, 1.0), absl::Seconds(1));
  EXPECT_EQ(policy.NextDelay(2, std::nullopt, 0.0), absl::Milliseconds(100));
  EXPECT_EQ(policy.NextDelay(2, std::nullopt, 0.5), absl::Milliseconds(150));
}

TEST(RetryPolicyTest, RetryAfterReplacesTheBackoffUpToItsCap) {
  RetryPolicy policy{.initial_backoff = absl::Milliseconds(100),
                     .max_retry_after = absl::Seconds(30)};
  EXPECT_EQ(policy.NextDelay(1, absl::Seconds(7), 0.3), absl::Seconds(7));
  EXPECT_EQ(policy.NextDelay(1, absl::Seconds(3600), 0.3), absl::Seconds(30));
}

TEST(EventPipelineTest, DeliversEveryEventInOrderInBatchesOfAtMostBatchSize) {
  Recorder sink = NewRecorder();
  PipelineOptions options = Fast();
  options.batch_size = 4;
  EventPipeline pipeline(Sinks(sink), options);
  for (int i = 0; i < 10; ++i) pipeline.Emit(Event(absl::StrCat("r", i)));
  TelemetryReport report = pipeline.Finish(absl::Seconds(10));

  EXPECT_THAT(Resources(sink->events()),
              ElementsAre("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"));
  for (const auto& batch : sink->batches()) EXPECT_LE(batch.size(), 4u);
  ASSERT_THAT(report.sinks, SizeIs(1));
  EXPECT_EQ(report.emitted, 10);
  EXPECT_EQ(report.sinks[0].delivered, 10);
  EXPECT_EQ(report.sinks[0].dropped, 0);
  EXPECT_EQ(report.sinks[0].failed, 0);
  EXPECT_TRUE(report.complete());
  EXPECT_THAT(report.SummaryLines(),
              ElementsAre("telemetry: a memory:a: 10 delivered, 0 dropped, 0 failed"));
}

TEST(EventPipelineTest, EverySinkGetsEveryEvent) {
  Recorder a = NewRecorder(), b = NewRecorder();
  std::vector<std::unique_ptr<EventSink>> sinks;
  sinks.push_back(RecordingEventSink::NewSink(a, "a"));
  sinks.push_back(RecordingEventSink::NewSink(b, "b"));
  EventPipeline pipeline(std::move(sinks), Fast());
  pipeline.Emit(Event("x"));
  pipeline.Emit(Event("y"));
  TelemetryReport report = pipeline.Finish(absl::Seconds(10));
  EXPECT_THAT(Resources(a->events()), ElementsAre("x", "y"));
  EXPECT_THAT(Resources(b->events()), ElementsAre("x", "y"));
  EXPECT_EQ(report.sinks[1].sink, "b");
  EXPECT_EQ(report.sinks[1].delivered, 2);
}

TEST(EventPipelineTest, AFullQueueDropsTheNewestAndCountsThem) {
  Recorder sink = NewRecorder();
  sink->Hold();  // the sender is stuck in Send(), so the queue fills up
  PipelineOptions options = Fast();
  options.batch_size = 1;
  options.queue_capacity = 3;
  EventPipeline pipeline(Sinks(sink), options);
  pipeline.Emit(Event("first"));
  ASSERT_TRUE(sink->WaitForCalls(1, absl::Seconds(10)));
  for (int i = 0; i < 10; ++i) pipeline.Emit(Event(absl::StrCat("q", i)));
  sink->Release();
  TelemetryReport report = pipeline.Finish(absl::Seconds(10));

  EXPECT_THAT(Resources(sink->events()), ElementsAre("first", "q0", "q1", "q2"));
  EXPECT_EQ(report.emitted, 11);
  EXPECT_EQ(report.sinks[0].delivered, 4);
  EXPECT_EQ(report.sinks[0].dropped, 7);
  EXPECT_FALSE(report.complete());
}

TEST(EventPipelineTest, RetriesTransientAnswersThenDelivers) {
  Recorder sink = NewRecorder();
  sink->Script({RetryAnswer("HTTP 503: busy"), RetryAnswer("HTTP 429")});
  EventPipeline pipeline(Sinks(sink), Fast());
  pipeline.Emit(Event("x"));
  TelemetryReport report = pipeline.Finish(absl::Seconds(10));

  EXPECT_THAT(sink->batches(), SizeIs(3));  // the same batch, three times
  EXPECT_EQ(report.sinks[0].delivered, 1);
  EXPECT_EQ(report.sinks[0].failed, 0);
  EXPECT_EQ(report.sinks[0].retries, 2);
  EXPECT_TRUE(report.complete());
}

TEST(EventPipelineTest, APermanentAnswerIsNotRetried) {
  Recorder sink = NewRecorder();
  sink->Script({RejectedAnswer("HTTP 400: bad JSON")});
  PipelineOptions options = Fast();
  options.strict = true;
  EventPipeline pipeline(Sinks(sink), options);
  pipeline.Emit(Event("x"));
  TelemetryReport report = pipeline.Finish(absl::Seconds(10));

  EXPECT_THAT(sink->batches(), SizeIs(1));
  EXPECT_EQ(report.sinks[0].failed, 1);
  EXPECT_EQ(report.sinks[0].last_error, "HTTP 400: bad JSON");
  EXPECT_THAT(report.StrictStatus(),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("sink a (memory:a)"), HasSubstr("lost 1 of 1 events"),
                             HasSubstr("it answered: HTTP 400: bad JSON"))));
}

TEST(EventPipelineTest, GivesUpAfterMaxAttemptsAndCountsTheBatchAsFailed) {
  Recorder sink = NewRecorder();
  sink->Script({RetryAnswer("HTTP 503"), RetryAnswer("HTTP 503"), RetryAnswer("HTTP 503: still")});
  PipelineOptions options = Fast();
  options.retry.max_attempts = 3;
  EventPipeline pipeline(Sinks(sink), options);
  pipeline.Emit(Event("x"));
  pipeline.Emit(Event("y"));
  TelemetryReport report = pipeline.Finish(absl::Seconds(10));

  EXPECT_THAT(sink->batches(), SizeIs(3));
  EXPECT_EQ(report.sinks[0].failed, 2);
  EXPECT_EQ(report.sinks[0].delivered, 0);
  EXPECT_EQ(report.sinks[0].last_error, "HTTP 503: still");
  EXPECT_THAT(report.SummaryLines()[0],
              HasSubstr("0 delivered, 0 dropped, 2 failed, 2 retries (last error: HTTP 503: still)"));
  // Not strict: the loss is reported, not an error.
  EXPECT_THAT(report.StrictStatus(), IsOk());
}

TEST(EventPipelineTest, WaitsAtLeastRetryAfterBeforeTheNextAttempt) {
  Recorder sink = NewRecorder();
  sink->Script({RetryAnswer("HTTP 429", absl::Milliseconds(300))});
  EventPipeline pipeline(Sinks(sink), Fast());
  pipeline.Emit(Event("x"));
  TelemetryReport report = pipeline.Finish(absl::Seconds(10));
  std::vector<absl::Time> calls = sink->call_times();
  ASSERT_THAT(calls, SizeIs(2));
  EXPECT_GE(calls[1] - calls[0], absl::Milliseconds(300));
  EXPECT_EQ(report.sinks[0].delivered, 1);
}

TEST(EventPipelineTest, ARetryAfterPastTheFlushDeadlineFailsAtOnce) {
  Recorder sink = NewRecorder();
  sink->Script({RetryAnswer("HTTP 429: slow down", absl::Seconds(30))});
  PipelineOptions options = Fast();
  options.retry.max_retry_after = absl::Seconds(60);
  EventPipeline pipeline(Sinks(sink), options);
  pipeline.Emit(Event("x"));
  const absl::Time start = absl::Now();
  TelemetryReport report = pipeline.Finish(absl::Seconds(20));
  EXPECT_THAT(sink->batches(), SizeIs(1));
  EXPECT_EQ(report.sinks[0].failed, 1);
  EXPECT_EQ(report.sinks[0].last_error, "HTTP 429: slow down");
  // Did not sit out the 20 s deadline waiting for a retry it cannot make.
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
}

TEST(EventPipelineTest, WhatIsStillQueuedAtTheDeadlineIsDropped) {
  Recorder sink = NewRecorder();
  sink->Hold();  // never answers within the deadline
  PipelineOptions options = Fast();
  options.batch_size = 2;
  EventPipeline pipeline(Sinks(sink), options);
  for (int i = 0; i < 5; ++i) pipeline.Emit(Event(absl::StrCat("r", i)));
  TelemetryReport report = pipeline.Finish(absl::Milliseconds(200));
  sink->Release();
  // The first batch was sent (and timed out: its deadline passed); the
  // rest never left the queue.
  EXPECT_EQ(report.sinks[0].delivered + report.sinks[0].dropped + report.sinks[0].failed, 5);
  EXPECT_GE(report.sinks[0].dropped, 3);
  EXPECT_FALSE(report.complete());
}

TEST(EventPipelineTest, StrictStatusSaysWhenNothingWasAnsweredInTime) {
  TelemetryReport report;
  report.strict = true;
  report.emitted = 4;
  report.sinks.push_back({.sink = "otlp", .destination = "http://c:4318/v1/logs",
                          .delivered = 0, .dropped = 4});
  EXPECT_THAT(report.StrictStatus(),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("FRACTALOPS_BUILD_EVENTS_STRICT=true"),
                             HasSubstr("sink otlp (http://c:4318/v1/logs) lost 4 of 4 events"),
                             HasSubstr("not delivered before the flush deadline"))));
}

TEST(EventPipelineTest, SinksSeeRedactedEventsOnly) {
  Recorder sink = NewRecorder();
  PipelineOptions options = Fast();
  options.redactor.AddSecret("hunter2-canary");
  EventPipeline pipeline(Sinks(sink), options);
  BuildEvent e = Event("api");
  e.detail = "exit 1: curl -H 'Authorization: Bearer abc.def' -u u:hunter2-canary";
  pipeline.Emit(e);
  pipeline.Finish(absl::Seconds(10));
  ASSERT_THAT(sink->events(), SizeIs(1));
  EXPECT_THAT(sink->events()[0].detail,
              AllOf(Not(HasSubstr("hunter2-canary")), Not(HasSubstr("abc.def")),
                    HasSubstr("[REDACTED]")));
}

TEST(EventPipelineTest, EmitAfterFinishIsCountedAsDropped) {
  Recorder sink = NewRecorder();
  EventPipeline pipeline(Sinks(sink), Fast());
  pipeline.Emit(Event("x"));
  pipeline.Finish(absl::Seconds(10));
  pipeline.Emit(Event("late"));
  TelemetryReport report = pipeline.Snapshot();
  EXPECT_EQ(report.emitted, 2);
  EXPECT_EQ(report.sinks[0].delivered, 1);
  EXPECT_EQ(report.sinks[0].dropped, 1);
  EXPECT_THAT(Resources(sink->events()), ElementsAre("x"));
}

TEST(EventPipelineTest, APartialBatchGoesOutWithoutWaitingForFinish) {
  Recorder sink = NewRecorder();
  PipelineOptions options = Fast();
  options.batch_size = 100;
  EventPipeline pipeline(Sinks(sink), options);
  pipeline.Emit(Event("lonely"));
  // Sent after the linger, while the run is still going.
  EXPECT_TRUE(sink->WaitForCalls(1, absl::Seconds(10)));
  EXPECT_EQ(pipeline.Finish(absl::Seconds(10)).sinks[0].delivered, 1);
}

TEST(EventPipelineTest, WithoutSinksEmitOnlyCounts) {
  EventPipeline pipeline({}, Fast());
  pipeline.Emit(Event("x"));
  TelemetryReport report = pipeline.Finish(absl::Seconds(1));
  EXPECT_EQ(report.emitted, 1);
  EXPECT_TRUE(report.sinks.empty());
  EXPECT_TRUE(report.complete());
}

// The default JSON lines sink is worth a line only when it lost events.
TEST(TelemetryReportTest, EndOfRunLinesLeaveOutAJsonLinesFileThatGotEverything) {
  TelemetryReport report;
  report.emitted = 3;
  report.sinks = {{.sink = "jsonl", .destination = "/r/.fops/events.jsonl", .delivered = 3},
                  {.sink = "otlp", .destination = "http://127.0.0.1:4318/v1/logs", .delivered = 3}};
  EXPECT_THAT(report.EndOfRunLines(),
              ElementsAre("telemetry: otlp http://127.0.0.1:4318/v1/logs: 3 delivered, "
                          "0 dropped, 0 failed"));
  report.sinks[0].delivered = 2;
  report.sinks[0].failed = 1;
  EXPECT_THAT(report.EndOfRunLines(), SizeIs(2));
}

}  // namespace
}  // namespace fops
