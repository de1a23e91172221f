#include "fops/telemetry/telemetry_config.h"

#include <filesystem>
#include <string>

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
using ::testing::IsEmpty;
using ::testing::Not;

TelemetryConfig Config(std::map<std::string, std::string, std::less<>> env) {
  absl::StatusOr<TelemetryConfig> config =
      TelemetryConfig::FromEnvironment(MapEnv(std::move(env)), "/repo/.fops");
  EXPECT_THAT(config.status(), IsOk());
  return config.ok() ? *std::move(config) : TelemetryConfig{};
}

TEST(TelemetryConfigTest, JsonLinesInTheStateDirIsTheDefault) {
  TelemetryConfig config = Config({});
  EXPECT_FALSE(config.otlp);
  EXPECT_FALSE(config.clickhouse);
  ASSERT_TRUE(config.jsonl);
  EXPECT_EQ(*config.jsonl, std::filesystem::path("/repo/.fops/events.jsonl"));
  EXPECT_FALSE(config.strict);
  EXPECT_EQ(config.flush_timeout, absl::Seconds(5));
}

TEST(TelemetryConfigTest, AnotherSinkReplacesTheDefaultUnlessJsonLinesIsAskedFor) {
  TelemetryConfig otlp = Config({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}});
  EXPECT_TRUE(otlp.otlp);
  EXPECT_FALSE(otlp.jsonl);
  TelemetryConfig both = Config({{"FRACTALOPS_BUILD_EVENTS_ENABLED", "true"},
                                 {"FRACTALOPS_CLICKHOUSE_HOST_PORT", "ch:8123"},
                                 {"FRACTALOPS_BUILD_EVENTS_JSONL", "true"}});
  EXPECT_TRUE(both.clickhouse);
  EXPECT_TRUE(both.jsonl);
  TelemetryConfig none = Config({{"FRACTALOPS_BUILD_EVENTS_JSONL", "false"}});
  EXPECT_FALSE(none.jsonl);
}

TEST(TelemetryConfigTest, ABadVariableDisablesItsSinkWithAWarning) {
  TelemetryConfig config = Config({{"FRACTALOPS_BUILD_EVENTS_ENABLED", "true"}});
  EXPECT_FALSE(config.clickhouse);
  EXPECT_TRUE(config.jsonl);  // the events still go somewhere
  EXPECT_THAT(config.warnings,
              ElementsAre(AllOf(HasSubstr("FRACTALOPS_CLICKHOUSE_HOST_PORT"),
                                HasSubstr("(sink disabled)"))));
}

TEST(TelemetryConfigTest, StrictModeMakesABadVariableAnError) {
  EXPECT_THAT(TelemetryConfig::FromEnvironment(
                  MapEnv({{"FRACTALOPS_BUILD_EVENTS_STRICT", "true"},
                          {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"},
                          {"OTEL_EXPORTER_OTLP_HEADERS", "no-equals-canary"}}),
                  "/s"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("telemetry configuration (strict)"),
                             HasSubstr("OTEL_EXPORTER_OTLP_HEADERS"),
                             Not(HasSubstr("no-equals-canary")))));
}

TEST(TelemetryConfigTest, FlushTimeoutAndStrictFlag) {
  TelemetryConfig config = Config({{"FRACTALOPS_BUILD_EVENTS_FLUSH_TIMEOUT_MS", "1500"},
                                   {"FRACTALOPS_BUILD_EVENTS_STRICT", "TRUE"}});
  EXPECT_EQ(config.flush_timeout, absl::Milliseconds(1500));
  EXPECT_TRUE(config.strict);
  EXPECT_THAT(config.warnings, IsEmpty());
}

TEST(TelemetryConfigTest, HeaderValuesAndThePasswordAreSecrets) {
  TelemetryConfig config = Config({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"},
                                   {"OTEL_EXPORTER_OTLP_HEADERS", "x-api=hdr-canary-1"},
                                   {"FRACTALOPS_BUILD_EVENTS_ENABLED", "true"},
                                   {"FRACTALOPS_CLICKHOUSE_HOST_PORT", "ch:8123"},
                                   {"FRACTALOPS_CLICKHOUSE_PASSWORD", "pw-canary-2"}});
  EXPECT_EQ(config.redactor.Redact("a hdr-canary-1 b pw-canary-2"),
            "a [REDACTED] b [REDACTED]");
}

TEST(TelemetryConfigTest, NewPipelineHasTheConfiguredSinks) {
  TelemetryConfig config = Config({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"},
                                   {"FRACTALOPS_BUILD_EVENTS_JSONL", "true"}});
  std::unique_ptr<EventPipeline> pipeline = config.NewPipeline(nullptr);
  TelemetryReport report = pipeline->Finish(absl::ZeroDuration());
  ASSERT_EQ(report.sinks.size(), 2u);
  EXPECT_EQ(report.sinks[0].sink, "otlp");
  EXPECT_EQ(report.sinks[0].destination, "http://127.0.0.1:9/v1/logs");
  EXPECT_EQ(report.sinks[1].sink, "jsonl");
  EXPECT_EQ(report.sinks[1].destination, "/repo/.fops/events.jsonl");
}

}  // namespace
}  // namespace fops
