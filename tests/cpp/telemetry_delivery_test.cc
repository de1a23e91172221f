// The OTLP and ClickHouse sinks through the real libcurl client against a
// loopback HTTP server: the exact requests (URL, headers, body), how each
// answer is classified (delivered, retried, rejected), Retry-After, partial
// success, and that credentials never reach an error message.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "fops/base/status_matchers.h"
#include "fops/net/http_client.h"
#include "fops/telemetry/clickhouse_sink.h"
#include "fops/telemetry/event_pipeline.h"
#include "fops/telemetry/otlp_sink.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/loopback_http_server.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::LoopbackHttpServer;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;
using ::testing::SizeIs;

using Response = LoopbackHttpServer::Response;
using Request = LoopbackHttpServer::Request;

std::vector<BuildEvent> Batch() {
  std::vector<BuildEvent> batch(2);
  batch[0].name = EventName::kSessionStarted;
  batch[0].timestamp = absl::FromUnixMillis(1714558272123);
  batch[0].session_id = "s1";
  batch[1].name = EventName::kImagePushed;
  batch[1].timestamp = absl::FromUnixMillis(1714558273000);
  batch[1].session_id = "s1";
  batch[1].resource = "runtime";
  batch[1].image_ref = "127.0.0.1:5000/fractalops/runtime:dev-1";
  batch[1].duration_ms = 900;
  return batch;
}

absl::Time Soon() { return absl::Now() + absl::Seconds(10); }

OtlpSink Otlp(const LoopbackHttpServer& server, KeyValues headers = {}) {
  OtlpSinkOptions options;
  options.endpoint = server.Url("/v1/logs");
  options.headers = std::move(headers);
  options.resource_attributes = {{"service.name", "fops"}};
  options.timeout = absl::Seconds(2);
  return OtlpSink(options, NewCurlHttpClient(), Redactor());
}

TEST(TelemetryDeliveryTest, OtlpPostsTheLogsRequestWithItsHeaders) {
  LoopbackHttpServer server([](const Request&) {
    return Response{.status = 200, .body = R"({"partialSuccess":{}})"};
  });
  ASSERT_THAT(server.status(), IsOk());
  OtlpSink sink = Otlp(server, {{"Authorization", "Bearer abc"}});
  std::vector<BuildEvent> batch = Batch();
  SinkAnswer answer = sink.Send(batch, Soon());
  EXPECT_EQ(answer.kind, SinkAnswer::Kind::kDelivered);
  EXPECT_EQ(answer.http_status, 200);
  std::vector<Request> requests = server.requests();
  ASSERT_THAT(requests, SizeIs(1));
  const Request& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/v1/logs");
  EXPECT_THAT(request.header("content-type"), Optional(std::string("application/json")));
  EXPECT_THAT(request.header("authorization"), Optional(std::string("Bearer abc")));
  EXPECT_EQ(nlohmann::json::parse(request.body), OtlpLogsRequest(batch, {{"service.name", "fops"}}));
}

TEST(TelemetryDeliveryTest, OtlpPartialSuccessCountsTheRejectedRecords) {
  LoopbackHttpServer server([](const Request&) {
    return Response{.status = 200,
                    .body = R"({"partialSuccess":{"rejectedLogRecords":"1",)"
                            R"("errorMessage":"attribute too long"}})"};
  });
  SinkAnswer answer = Otlp(server).Send(Batch(), Soon());
  EXPECT_EQ(answer.kind, SinkAnswer::Kind::kDelivered);
  EXPECT_EQ(answer.rejected_records, 1);
  EXPECT_EQ(answer.message, "partial success: 1 rejected: attribute too long");
}

TEST(TelemetryDeliveryTest, OnlyTransientAnswersAreRetried) {
  for (int status : {429, 502, 503, 504}) {
    LoopbackHttpServer server([status](const Request&) {
      return Response{.status = status, .body = "busy"};
    });
    SinkAnswer answer = Otlp(server).Send(Batch(), Soon());
    EXPECT_EQ(answer.kind, SinkAnswer::Kind::kRetry) << status;
    EXPECT_EQ(answer.message, absl::StrCat("HTTP ", status, ": busy"));
  }
  for (int status : {400, 401, 404, 413, 500}) {
    LoopbackHttpServer server([status](const Request&) { return Response{.status = status}; });
    SinkAnswer answer = Otlp(server).Send(Batch(), Soon());
    EXPECT_EQ(answer.kind, SinkAnswer::Kind::kRejected) << status;
    EXPECT_EQ(answer.message, absl::StrCat("HTTP ", status));
  }
}

TEST(TelemetryDeliveryTest, RetryAfterSecondsIsReadAndLongBodiesAreCut) {
  LoopbackHttpServer server([](const Request&) {
    return Response{.status = 429, .headers = {{"Retry-After", "7"}},
                    .body = std::string(500, 'x') + "tail"};
  });
  SinkAnswer answer = Otlp(server).Send(Batch(), Soon());
  EXPECT_EQ(answer.kind, SinkAnswer::Kind::kRetry);
  EXPECT_THAT(answer.retry_after, Optional(absl::Seconds(7)));
  EXPECT_THAT(answer.message, AllOf(HasSubstr("HTTP 429: xxx"), HasSubstr("..."),
                                    Not(HasSubstr("tail"))));
}

TEST(TelemetryDeliveryTest, ConnectionFailuresAndTimeoutsAreRetried) {
  int port = 0;
  {
    LoopbackHttpServer gone([](const Request&) { return Response{}; });
    port = gone.port();
  }  // nothing listens there now
  OtlpSinkOptions options;
  options.endpoint = absl::StrCat("http://127.0.0.1:", port, "/v1/logs");
  OtlpSink down(options, NewCurlHttpClient(), Redactor());
  EXPECT_EQ(down.Send(Batch(), Soon()).kind, SinkAnswer::Kind::kRetry);

  LoopbackHttpServer slow([](const Request&) {
    return Response{.status = 200, .delay = absl::Seconds(5)};
  });
  // The attempt ends at its deadline, not after the answer.
  SinkAnswer answer = Otlp(slow).Send(Batch(), absl::Now() + absl::Milliseconds(300));
  EXPECT_EQ(answer.kind, SinkAnswer::Kind::kRetry);
}

TEST(TelemetryDeliveryTest, ClickHouseInsertsRowsWithCredentialsInHeadersOnly) {
  LoopbackHttpServer server([](const Request&) { return Response{.status = 200}; });
  ClickHouseSinkOptions options{.url = server.Url(""),
                                .database = "warehouse", .table = "build_events",
                                .user = "builder", .password = "pw-canary-1"};
  ClickHouseSink sink(options, NewCurlHttpClient(), Redactor());
  EXPECT_EQ(sink.Send(Batch(), Soon()).kind, SinkAnswer::Kind::kDelivered);
  std::vector<Request> requests = server.requests();
  ASSERT_THAT(requests, SizeIs(1));
  const Request& request = requests[0];
  EXPECT_EQ(request.path, "/");
  EXPECT_EQ(request.query,
            "query=INSERT%20INTO%20warehouse.build_events%20FORMAT%20JSONEachRow"
            "&input_format_skip_unknown_fields=1");
  EXPECT_THAT(request.header("x-clickhouse-user"), Optional(std::string("builder")));
  EXPECT_THAT(request.header("x-clickhouse-key"), Optional(std::string("pw-canary-1")));
  std::vector<std::string> lines = absl::StrSplit(request.body, '\n', absl::SkipEmpty());
  ASSERT_THAT(lines, SizeIs(2));
  nlohmann::json row = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(row["event"], "image.pushed");
  EXPECT_EQ(row["timestamp"], 1714558273);
  EXPECT_EQ(row["timestamp_ms"], 1714558273000);
  EXPECT_EQ(row["duration_ms"], 900);
}

// A 200 from something that is not the sink's server (a proxy's sign-in
// page, a web server on the port) says nothing about the events: they are
// not counted as delivered.
TEST(TelemetryDeliveryTest, A200ThatIsNotTheProtocolsAnswerIsRejectedQuotingIt) {
  LoopbackHttpServer server([](const Request&) {
    return Response{.status = 200, .headers = {{"Content-Type", "text/html"}},
                    .body = "<html>\n<body>Please sign in</body></html>"};
  });
  SinkAnswer otlp = Otlp(server).Send(Batch(), Soon());
  EXPECT_EQ(otlp.kind, SinkAnswer::Kind::kRejected);
  EXPECT_EQ(otlp.message,
            "HTTP 200, but the answer is not an OTLP response: "
            "<html> <body>Please sign in</body></html>");
  ClickHouseSink clickhouse({.url = server.Url(""), .database = "d", .table = "t"},
                            NewCurlHttpClient(), Redactor());
  SinkAnswer ch = clickhouse.Send(Batch(), Soon());
  EXPECT_EQ(ch.kind, SinkAnswer::Kind::kRejected);
  EXPECT_THAT(ch.message, HasSubstr("HTTP 200, but the answer is not ClickHouse's (an INSERT "
                                    "answers with no body): <html>"));
  // What the protocols do answer: an empty body, an OTLP response object.
  server.SetHandler([](const Request&) { return Response{.status = 200}; });
  EXPECT_EQ(Otlp(server).Send(Batch(), Soon()).kind, SinkAnswer::Kind::kDelivered);
  EXPECT_EQ(clickhouse.Send(Batch(), Soon()).kind, SinkAnswer::Kind::kDelivered);
  server.SetHandler([](const Request&) { return Response{.status = 200, .body = "{}\n"}; });
  EXPECT_EQ(Otlp(server).Send(Batch(), Soon()).kind, SinkAnswer::Kind::kDelivered);
}

TEST(TelemetryDeliveryTest, AnAnswerQuotingTheCredentialsIsRedacted) {
  LoopbackHttpServer server([](const Request& request) {
    return Response{.status = 401,
                    .body = "wrong password " + request.header("x-clickhouse-key").value_or("") +
                            " / Authorization: Bearer hdr-canary-2"};
  });
  ClickHouseSinkOptions options{.url = server.Url(""),
                                .user = "builder", .password = "pw-canary-1"};
  ClickHouseSink sink(options, NewCurlHttpClient(), Redactor());
  SinkAnswer answer = sink.Send(Batch(), Soon());
  EXPECT_EQ(answer.kind, SinkAnswer::Kind::kRejected);
  EXPECT_THAT(answer.message, AllOf(HasSubstr("HTTP 401: wrong password [REDACTED]"),
                                    Not(HasSubstr("pw-canary-1")), Not(HasSubstr("hdr-canary-2"))));
}

TEST(TelemetryDeliveryTest, APipelineRetriesA503ThroughTheRealClient) {
  std::atomic<int> calls{0};
  LoopbackHttpServer server([&calls](const Request&) {
    return ++calls == 1 ? Response{.status = 503, .body = "warming up"}
                        : Response{.status = 200};
  });
  std::vector<std::unique_ptr<EventSink>> sinks;
  OtlpSinkOptions options;
  options.endpoint = server.Url("/v1/logs");
  sinks.push_back(std::make_unique<OtlpSink>(options, NewCurlHttpClient(), Redactor()));
  PipelineOptions pipeline_options;
  pipeline_options.retry.initial_backoff = absl::Milliseconds(10);
  EventPipeline pipeline(std::move(sinks), pipeline_options);
  for (BuildEvent& e : Batch()) pipeline.Emit(e);
  TelemetryReport report = pipeline.Finish(absl::Seconds(10));
  ASSERT_THAT(report.sinks, SizeIs(1));
  EXPECT_EQ(report.sinks[0].delivered, 2);
  EXPECT_EQ(report.sinks[0].retries, 1);
  EXPECT_EQ(report.sinks[0].last_error, "HTTP 503: warming up");
  EXPECT_THAT(server.requests(), SizeIs(2));
}

}  // namespace
}  // namespace fops
