// Writes Build Plane Events straight into a ClickHouse table over its HTTP
// interface, for controlled runners that hold warehouse credentials (an
// optional shortcut past the collector). One batch is one
// `POST /?query=INSERT INTO db.table FORMAT JSONEachRow` with a row per
// line; credentials travel as X-ClickHouse-User / X-ClickHouse-Key headers,
// never in the URL. ClickHouseDdl() is the table it expects (what
// `fops telemetry ddl` prints); it runs on ClickHouse 18.16 and current.
//
//   FOPS_ASSIGN_OR_RETURN(std::optional<ClickHouseSinkOptions> options,
//                         ClickHouseSinkOptions::FromEnvironment(ProcessEnv()));
//   if (options) sinks.push_back(std::make_unique<ClickHouseSink>(*options, http, redactor));
#ifndef FOPS_TELEMETRY_CLICKHOUSE_SINK_H_
#define FOPS_TELEMETRY_CLICKHOUSE_SINK_H_

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fops/base/redact.h"
#include "fops/net/http_client.h"
#include "fops/telemetry/build_event.h"
#include "fops/telemetry/env_lookup.h"
#include "fops/telemetry/event_sink.h"
#include "nlohmann/json.hpp"

namespace fops {

inline constexpr std::string_view kDefaultEventsTable = "build_events";
inline constexpr std::string_view kDefaultEventsDatabase = "default";

struct ClickHouseSinkOptions {
  std::string url;  ///< the HTTP interface: http://host:8123 (no path, no credentials)
  std::string database = std::string(kDefaultEventsDatabase);
  std::string table = std::string(kDefaultEventsTable);
  std::string user;      ///< X-ClickHouse-User; empty: "default" when a password is set
  std::string password;  ///< X-ClickHouse-Key; a secret
  absl::Duration timeout = absl::Seconds(10);  ///< per request

  /// nullopt unless FRACTALOPS_BUILD_EVENTS_ENABLED=true; then reads
  /// FRACTALOPS_CLICKHOUSE_HOST_PORT (required; host:port, or a full
  /// http(s):// URL), FRACTALOPS_CLICKHOUSE_DATABASE (default "default"),
  /// FRACTALOPS_BUILD_EVENTS_TABLE (default build_events),
  /// FRACTALOPS_CLICKHOUSE_USER and FRACTALOPS_CLICKHOUSE_PASSWORD.
  /// kInvalidArgument names the missing or malformed variable.
  static absl::StatusOr<std::optional<ClickHouseSinkOptions>> FromEnvironment(
      const EnvLookup& env);
};

/// True for a plain ClickHouse identifier ([A-Za-z_][A-Za-z0-9_]*), the only
/// database and table names fops puts into a query.
bool IsClickHouseIdentifier(std::string_view name);

/// `CREATE DATABASE IF NOT EXISTS db;` and `CREATE TABLE IF NOT EXISTS
/// db.table (...) ENGINE = MergeTree ...;`, separated by a blank line. No
/// DateTime64, Map, Bool or LowCardinality, so 18.16 accepts it.
std::string ClickHouseDdl(std::string_view database, std::string_view table);

/// The insert URL: base + `/?query=INSERT INTO db.table FORMAT JSONEachRow`
/// (URL-encoded) + `&input_format_skip_unknown_fields=1`.
std::string ClickHouseInsertUrl(const ClickHouseSinkOptions& options);

/// One JSONEachRow row: the event's fields with `timestamp` as Unix seconds
/// (the DateTime column) and `timestamp_ms` as Unix milliseconds.
nlohmann::ordered_json ClickHouseRow(const BuildEvent& event);

/// Thread-compatible: the pipeline calls Send() from one thread.
class ClickHouseSink : public EventSink {
 public:
  /// `redactor` masks secrets in answers quoted back in errors.
  ClickHouseSink(ClickHouseSinkOptions options, std::shared_ptr<HttpClient> http,
                 Redactor redactor);

  /// "clickhouse".
  std::string_view name() const override { return "clickhouse"; }
  /// "http://host:port db.table".
  std::string destination() const override;
  /// One INSERT of the batch.
  SinkAnswer Send(std::span<const BuildEvent> batch, absl::Time deadline) override;

 private:
  ClickHouseSinkOptions options_;
  std::string insert_url_;
  std::shared_ptr<HttpClient> http_;
  Redactor redactor_;
};

}  // namespace fops

#endif  // FOPS_TELEMETRY_CLICKHOUSE_SINK_H_
