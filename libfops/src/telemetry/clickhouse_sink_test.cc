#include "fops/telemetry/clickhouse_sink.h"

#include <string>

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

absl::StatusOr<std::optional<ClickHouseSinkOptions>> FromEnv(
    std::map<std::string, std::string, std::less<>> env) {
  return ClickHouseSinkOptions::FromEnvironment(MapEnv(std::move(env)));
}

TEST(ClickHouseSinkOptionsTest, OffUnlessEnabled) {
  auto options = FromEnv({{"FRACTALOPS_CLICKHOUSE_HOST_PORT", "ch:8123"}});
  ASSERT_THAT(options.status(), IsOk());
  EXPECT_FALSE(options->has_value());
  options = FromEnv({{"FRACTALOPS_BUILD_EVENTS_ENABLED", "false"},
                     {"FRACTALOPS_CLICKHOUSE_HOST_PORT", "ch:8123"}});
  ASSERT_THAT(options.status(), IsOk());
  EXPECT_FALSE(options->has_value());
}

TEST(ClickHouseSinkOptionsTest, ReadsTheSeedsVariables) {
  auto options = FromEnv({{"FRACTALOPS_BUILD_EVENTS_ENABLED", "true"},
                          {"FRACTALOPS_BUILD_EVENTS_TABLE", "build_events"},
                          {"FRACTALOPS_CLICKHOUSE_HOST_PORT",
                           "clickhouse.clickhouse.svc.cluster.local:8123"},
                          {"FRACTALOPS_CLICKHOUSE_DATABASE", "warehouse"},
                          {"FRACTALOPS_CLICKHOUSE_USER", "builder"},
                          {"FRACTALOPS_CLICKHOUSE_PASSWORD", "pw"}});
  ASSERT_THAT(options.status(), IsOk());
  ASSERT_TRUE(options->has_value());
  const ClickHouseSinkOptions& o = **options;
  EXPECT_EQ(o.url, "http://clickhouse.clickhouse.svc.cluster.local:8123");
  EXPECT_EQ(o.database, "warehouse");
  EXPECT_EQ(o.table, "build_events");
  EXPECT_EQ(o.user, "builder");
  EXPECT_EQ(o.password, "pw");
}

TEST(ClickHouseSinkOptionsTest, DefaultsTheTableAndDatabaseAndKeepsAnHttpsScheme) {
  auto options = FromEnv({{"FRACTALOPS_BUILD_EVENTS_ENABLED", "1"},
                          {"FRACTALOPS_CLICKHOUSE_HOST_PORT", "https://ch.example:8443/"}});
  ASSERT_THAT(options.status(), IsOk());
  EXPECT_EQ((*options)->url, "https://ch.example:8443");
  EXPECT_EQ((*options)->database, "default");
  EXPECT_EQ((*options)->table, "build_events");
}

TEST(ClickHouseSinkOptionsTest, ErrorsNameTheVariable) {
  EXPECT_THAT(FromEnv({{"FRACTALOPS_BUILD_EVENTS_ENABLED", "true"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs FRACTALOPS_CLICKHOUSE_HOST_PORT")));
  EXPECT_THAT(FromEnv({{"FRACTALOPS_BUILD_EVENTS_ENABLED", "true"},
                       {"FRACTALOPS_CLICKHOUSE_HOST_PORT", "ch:8123"},
                       {"FRACTALOPS_BUILD_EVENTS_TABLE", "events; DROP TABLE x"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("FRACTALOPS_BUILD_EVENTS_TABLE: 'events; DROP TABLE x' is not "
                                 "a plain identifier")));
  EXPECT_THAT(FromEnv({{"FRACTALOPS_BUILD_EVENTS_ENABLED", "true"},
                       {"FRACTALOPS_CLICKHOUSE_HOST_PORT", "ch:8123"},
                       {"FRACTALOPS_CLICKHOUSE_DATABASE", "ware-house"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("FRACTALOPS_CLICKHOUSE_DATABASE")));
  EXPECT_THAT(FromEnv({{"FRACTALOPS_BUILD_EVENTS_ENABLED", "true"},
                       {"FRACTALOPS_CLICKHOUSE_HOST_PORT", "ch:8123/some/path"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("without a path")));
}

TEST(ClickHouseSinkOptionsTest, RefusesCredentialsInTheUrlWithoutRepeatingThem) {
  EXPECT_THAT(FromEnv({{"FRACTALOPS_BUILD_EVENTS_ENABLED", "true"},
                       {"FRACTALOPS_CLICKHOUSE_HOST_PORT", "http://u:canary-pw@ch:8123"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("must not carry credentials"),
                             HasSubstr("FRACTALOPS_CLICKHOUSE_PASSWORD"),
                             Not(HasSubstr("canary-pw")))));
}

TEST(ClickHouseDdlTest, IsOneDatabaseAndOneMergeTreeTableWithoutNewTypes) {
  const std::string ddl = ClickHouseDdl("warehouse", "build_events");
  EXPECT_THAT(ddl, HasSubstr("CREATE DATABASE IF NOT EXISTS warehouse;\n"));
  EXPECT_THAT(ddl, HasSubstr("CREATE TABLE IF NOT EXISTS warehouse.build_events\n(\n"));
  EXPECT_THAT(ddl, HasSubstr("    timestamp DateTime('UTC'),\n    timestamp_ms UInt64,\n"));
  EXPECT_THAT(ddl, HasSubstr("    duration_ms UInt64,\n"));
  EXPECT_THAT(ddl, HasSubstr("    `namespace` String\n)\nENGINE = MergeTree\n"));
  EXPECT_THAT(ddl, HasSubstr("ORDER BY (timestamp, session_id);"));
  for (const char* modern : {"DateTime64", "Map(", "Bool", "LowCardinality", "JSON"}) {
    EXPECT_THAT(ddl, Not(HasSubstr(modern))) << "18.16 does not know " << modern;
  }
  // Every field of an event is a column.
  for (std::string_view field : BuildEventFieldNames()) {
    EXPECT_THAT(ddl, HasSubstr(std::string(field))) << field;
  }
}

TEST(ClickHouseInsertUrlTest, EncodesTheQueryAndSkipsUnknownFields) {
  ClickHouseSinkOptions o{.url = "http://ch:8123", .database = "warehouse",
                          .table = "build_events", .user = "u", .password = "secret-pw"};
  const std::string url = ClickHouseInsertUrl(o);
  EXPECT_EQ(url,
            "http://ch:8123/?query=INSERT%20INTO%20warehouse.build_events%20FORMAT%20JSONEachRow"
            "&input_format_skip_unknown_fields=1");
  EXPECT_THAT(url, AllOf(Not(HasSubstr("secret-pw")), Not(HasSubstr("user"))));
}

TEST(ClickHouseRowTest, TimestampIsUnixSecondsPlusMilliseconds) {
  BuildEvent e;
  e.name = EventName::kBuildFinished;
  e.timestamp = absl::FromUnixMillis(1714558272123);
  e.duration_ms = -5;  // never negative in an unsigned column
  nlohmann::ordered_json row = ClickHouseRow(e);
  EXPECT_EQ(row["timestamp"], 1714558272);
  EXPECT_EQ(row["timestamp_ms"], 1714558272123);
  EXPECT_EQ(row["duration_ms"], 0);
  EXPECT_EQ(row["event"], "build.finished");
}

TEST(ClickHouseIdentifierTest, PlainNamesOnly) {
  EXPECT_TRUE(IsClickHouseIdentifier("build_events"));
  EXPECT_TRUE(IsClickHouseIdentifier("_x1"));
  EXPECT_FALSE(IsClickHouseIdentifier("1x"));
  EXPECT_FALSE(IsClickHouseIdentifier("a.b"));
  EXPECT_FALSE(IsClickHouseIdentifier(""));
  EXPECT_FALSE(IsClickHouseIdentifier("a`b"));
}

}  // namespace
}  // namespace fops
