#include "fops/telemetry/otlp_sink.h"

#include <string>
#include <vector>

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

OtlpSinkOptions Options(std::map<std::string, std::string, std::less<>> env) {
  absl::StatusOr<std::optional<OtlpSinkOptions>> options =
      OtlpSinkOptions::FromEnvironment(MapEnv(std::move(env)));
  EXPECT_THAT(options.status(), IsOk());
  if (!options.ok() || !options->has_value()) return {};
  return **options;
}

TEST(OtlpSinkOptionsTest, OffWithoutAnEndpoint) {
  absl::StatusOr<std::optional<OtlpSinkOptions>> options =
      OtlpSinkOptions::FromEnvironment(MapEnv({{"OTEL_EXPORTER_OTLP_HEADERS", "a=b"}}));
  ASSERT_THAT(options.status(), IsOk());
  EXPECT_FALSE(options->has_value());
}

TEST(OtlpSinkOptionsTest, TheBaseEndpointGetsV1LogsAppended) {
  EXPECT_EQ(Options({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"}}).endpoint,
            "http://collector:4318/v1/logs");
  EXPECT_EQ(Options({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"}}).endpoint,
            "http://collector:4318/v1/logs");
  EXPECT_EQ(Options({{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://gw.example/otlp"}}).endpoint,
            "https://gw.example/otlp/v1/logs");
}

TEST(OtlpSinkOptionsTest, TheLogsEndpointIsUsedAsIsAndWins) {
  EXPECT_EQ(Options({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318"},
                     {"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://logs:9999/custom/path"}})
                .endpoint,
            "http://logs:9999/custom/path");
}

TEST(OtlpSinkOptionsTest, HeadersArePercentDecodedAndTheLogsListOverrides) {
  OtlpSinkOptions options =
      Options({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"},
               {"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20abc, x-tenant = team%2Fa"},
               {"OTEL_EXPORTER_OTLP_LOGS_HEADERS", "X-Tenant=logs,x-extra=1"}});
  EXPECT_THAT(options.headers, ElementsAre(Pair("Authorization", "Bearer abc"),
                                           Pair("x-tenant", "logs"), Pair("x-extra", "1")));
}

TEST(OtlpSinkOptionsTest, AMalformedHeaderListNamesTheVariableButNotTheSecret) {
  absl::StatusOr<std::optional<OtlpSinkOptions>> options = OtlpSinkOptions::FromEnvironment(
      MapEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"},
              {"OTEL_EXPORTER_OTLP_HEADERS", "a=b,Bearer-canary-token-xyz"}}));
  EXPECT_THAT(options, StatusIs(absl::StatusCode::kInvalidArgument,
                                AllOf(HasSubstr("OTEL_EXPORTER_OTLP_HEADERS: entry 2"),
                                      Not(HasSubstr("canary")))));
}

TEST(OtlpSinkOptionsTest, RefusesGrpcAndNonHttpEndpoints) {
  EXPECT_THAT(OtlpSinkOptions::FromEnvironment(
                  MapEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"},
                          {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("OTEL_EXPORTER_OTLP_PROTOCOL=grpc"), HasSubstr("4318"))));
  EXPECT_THAT(OtlpSinkOptions::FromEnvironment(
                  MapEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"}})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:// or https://")));
  EXPECT_THAT(Options({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"},
                       {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"}})
                  .endpoint,
              "http://c:4318/v1/logs");
}

TEST(OtlpSinkOptionsTest, TimeoutServiceNameAndResourceAttributes) {
  OtlpSinkOptions options = Options({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"},
                                     {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
                                     {"OTEL_SERVICE_NAME", "fractalops-build"},
                                     {"OTEL_RESOURCE_ATTRIBUTES",
                                      "deployment.environment=dev,service.name=ignored,team=a%20b"}});
  EXPECT_EQ(options.timeout, absl::Milliseconds(2500));
  EXPECT_THAT(options.resource_attributes,
              ElementsAre(Pair("service.name", "fractalops-build"),
                          Pair("deployment.environment", "dev"), Pair("team", "a b")));
  EXPECT_THAT(OtlpSinkOptions::FromEnvironment(MapEnv(
                  {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"},
                   {"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "soon"}})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: expected a positive number")));
}

TEST(OtlpSinkOptionsTest, OtelSdkDisabledTurnsItOff) {
  absl::StatusOr<std::optional<OtlpSinkOptions>> options = OtlpSinkOptions::FromEnvironment(
      MapEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}, {"OTEL_SDK_DISABLED", "true"}}));
  ASSERT_THAT(options.status(), IsOk());
  EXPECT_FALSE(options->has_value());
}

TEST(OtlpLogsRequestTest, HasTheExportLogsServiceRequestShape) {
  BuildEvent e;
  e.name = EventName::kResourceFinished;
  e.timestamp = absl::FromUnixNanos(1714558272123456789);
  e.resource = "api";
  e.status = "failed";
  e.duration_ms = 42;
  nlohmann::json request = OtlpLogsRequest({&e, 1}, {{"service.name", "fops"}});

  ASSERT_EQ(request["resourceLogs"].size(), 1u);
  const nlohmann::json& resource_logs = request["resourceLogs"][0];
  EXPECT_EQ(resource_logs["resource"]["attributes"],
            nlohmann::json::parse(R"([{"key":"service.name","value":{"stringValue":"fops"}}])"));
  const nlohmann::json& scope_logs = resource_logs["scopeLogs"][0];
  EXPECT_EQ(scope_logs["scope"]["name"], "fops.telemetry");
  ASSERT_EQ(scope_logs["logRecords"].size(), 1u);
  const nlohmann::json& record = scope_logs["logRecords"][0];
  EXPECT_EQ(record["timeUnixNano"], "1714558272123456789");  // a decimal string
  EXPECT_EQ(record["observedTimeUnixNano"], "1714558272123456789");
  EXPECT_EQ(record["severityNumber"], 17);
  EXPECT_EQ(record["severityText"], "ERROR");
  EXPECT_EQ(record["eventName"], "resource.finished");
  EXPECT_EQ(record["body"], nlohmann::json({{"stringValue", "resource.finished"}}));
  // Non-empty fields only, int64 as a decimal string.
  EXPECT_EQ(record["attributes"], nlohmann::json::parse(R"([
      {"key":"event","value":{"stringValue":"resource.finished"}},
      {"key":"resource","value":{"stringValue":"api"}},
      {"key":"status","value":{"stringValue":"failed"}},
      {"key":"duration_ms","value":{"intValue":"42"}}])"));
}

TEST(OtlpLogsRequestTest, EveryEventOfTheBatchIsOneRecordInOrder) {
  std::vector<BuildEvent> batch(3);
  batch[0].name = EventName::kSessionStarted;
  batch[1].name = EventName::kBuildStarted;
  batch[2].name = EventName::kSessionStopped;
  nlohmann::json request = OtlpLogsRequest(batch, {});
  const nlohmann::json& records = request["resourceLogs"][0]["scopeLogs"][0]["logRecords"];
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["eventName"], "session.started");
  EXPECT_EQ(records[1]["eventName"], "build.started");
  EXPECT_EQ(records[2]["eventName"], "session.stopped");
  EXPECT_EQ(records[0]["severityNumber"], 9);
}

}  // namespace
}  // namespace fops
