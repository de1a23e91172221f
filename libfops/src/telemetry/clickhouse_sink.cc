#include "fops/telemetry/clickhouse_sink.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fops/base/string_view.h"
#include "../net/libcurl_loader.h"

namespace fops {
namespace {

// %XX-encoding through libcurl. Without libcurl the text is left out: the
// sink cannot send then anyway, and the libcurl client's Send names the
// missing library.
std::string CurlPercentEncode(std::string_view text) {
  absl::StatusOr<std::string> encoded = CurlEscape(text);
  return encoded.ok() ? *std::move(encoded) : std::string();
}

// The String columns, in table order after the two time columns; the row
// keys are the BuildEvent JSON names.
constexpr std::string_view kStringColumnsBeforeDuration[] = {
    "event", "session_id", "resource", "kind", "target", "stage", "mode",
    "image_ref", "cache_scope", "status"};
constexpr std::string_view kStringColumnsAfterDuration[] = {
    "reason", "detail", "git_revision", "runner", "host", "release", "namespace"};

}  // namespace

bool IsClickHouseIdentifier(std::string_view name) {
  if (name.empty()) return false;
  if (!absl::ascii_isalpha(static_cast<unsigned char>(name[0])) && name[0] != '_') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

absl::StatusOr<std::optional<ClickHouseSinkOptions>> ClickHouseSinkOptions::FromEnvironment(
    const EnvLookup& env) {
  if (!EnvFlag(env, "FRACTALOPS_BUILD_EVENTS_ENABLED")) return std::nullopt;
  ClickHouseSinkOptions options;
  std::optional<std::string> host_port = EnvValue(env, "FRACTALOPS_CLICKHOUSE_HOST_PORT");
  if (!host_port) {
    return absl::InvalidArgumentError(
        "FRACTALOPS_BUILD_EVENTS_ENABLED=true needs FRACTALOPS_CLICKHOUSE_HOST_PORT "
        "(host:port of ClickHouse's HTTP interface, e.g. clickhouse:8123)");
  }
  std::string url = *host_port;
  if (!absl::StrContains(url, "://")) url = "http://" + url;
  while (absl::EndsWith(url, "/")) url.pop_back();
  if (!absl::StartsWith(url, "http://") && !absl::StartsWith(url, "https://")) {
    return absl::InvalidArgumentError(
        "FRACTALOPS_CLICKHOUSE_HOST_PORT: expected host:port or an http(s):// URL");
  }
  const size_t authority = url.find("://") + 3;
  const size_t at = url.find('@', authority);
  if (at != std::string::npos && url.find('/', authority) > at) {
    // Credentials in a URL end up in proxies' and servers' logs.
    return absl::InvalidArgumentError(
        "FRACTALOPS_CLICKHOUSE_HOST_PORT: must not carry credentials; set "
        "FRACTALOPS_CLICKHOUSE_USER and FRACTALOPS_CLICKHOUSE_PASSWORD instead");
  }
  if (url.find('/', authority) != std::string::npos) {
    return absl::InvalidArgumentError(
        "FRACTALOPS_CLICKHOUSE_HOST_PORT: expected host:port without a path");
  }
  options.url = url;
  options.database =
      EnvValue(env, "FRACTALOPS_CLICKHOUSE_DATABASE").value_or(std::string(kDefaultEventsDatabase));
  options.table =
      EnvValue(env, "FRACTALOPS_BUILD_EVENTS_TABLE").value_or(std::string(kDefaultEventsTable));
  if (!IsClickHouseIdentifier(options.database)) {
    return absl::InvalidArgumentError(
        absl::StrCat("FRACTALOPS_CLICKHOUSE_DATABASE: '", options.database,
                     "' is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*)"));
  }
  if (!IsClickHouseIdentifier(options.table)) {
    return absl::InvalidArgumentError(
        absl::StrCat("FRACTALOPS_BUILD_EVENTS_TABLE: '", options.table,
                     "' is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*)"));
  }
  options.user = EnvValue(env, "FRACTALOPS_CLICKHOUSE_USER").value_or("");
  // A password may legitimately have blanks at its ends: read it raw.
  options.password = env("FRACTALOPS_CLICKHOUSE_PASSWORD").value_or("");
  return options;
}

std::string ClickHouseDdl(std::string_view database, std::string_view table) {
  std::string columns = "    timestamp DateTime('UTC'),\n    timestamp_ms UInt64,\n";
  for (std::string_view column : kStringColumnsBeforeDuration) {
    absl::StrAppend(&columns, "    `", ToAbsl(column), "` String,\n");
  }
  absl::StrAppend(&columns, "    duration_ms UInt64,\n");
  for (std::string_view column : kStringColumnsAfterDuration) {
    absl::StrAppend(&columns, "    `", ToAbsl(column), "` String,\n");
  }
  columns.resize(columns.size() - 2);  // the last ",\n"
  return absl::StrCat("CREATE DATABASE IF NOT EXISTS ", ToAbsl(database), ";\n\n",
                      "CREATE TABLE IF NOT EXISTS ", ToAbsl(database), ".", ToAbsl(table),
                      "\n(\n", columns,
                      "\n)\nENGINE = MergeTree\nPARTITION BY toYYYYMM(timestamp)\n"
                      "ORDER BY (timestamp, session_id);\n");
}

std::string ClickHouseInsertUrl(const ClickHouseSinkOptions& options) {
  return absl::StrCat(options.url, "/?query=",
                      CurlPercentEncode(absl::StrCat("INSERT INTO ", options.database, ".",
                                                     options.table, " FORMAT JSONEachRow")),
                      "&input_format_skip_unknown_fields=1");
}

nlohmann::ordered_json ClickHouseRow(const BuildEvent& event) {
  nlohmann::ordered_json row = event.ToJson();
  row["timestamp"] = absl::ToUnixSeconds(event.timestamp);
  row["timestamp_ms"] = std::max<int64_t>(0, absl::ToUnixMillis(event.timestamp));
  row["duration_ms"] = std::max<int64_t>(0, event.duration_ms);
  return row;
}

ClickHouseSink::ClickHouseSink(ClickHouseSinkOptions options, std::shared_ptr<HttpClient> http,
                               Redactor redactor)
    : options_(std::move(options)),
      insert_url_(ClickHouseInsertUrl(options_)),
      http_(std::move(http)),
      redactor_(std::move(redactor)) {
  redactor_.AddSecret(options_.password);
}

std::string ClickHouseSink::destination() const {
  return absl::StrCat(options_.url, " ", options_.database, ".", options_.table);
}

SinkAnswer ClickHouseSink::Send(std::span<const BuildEvent> batch, absl::Time deadline) {
  HttpRequest request;
  request.method = "POST";
  request.url = insert_url_;
  if (!options_.user.empty() || !options_.password.empty()) {
    request.headers.emplace_back("X-ClickHouse-User",
                                 options_.user.empty() ? "default" : options_.user);
    request.headers.emplace_back("X-ClickHouse-Key", options_.password);
  }
  request.headers.emplace_back("Content-Type", "application/x-ndjson");
  for (const BuildEvent& event : batch) {
    request.body += DumpJson(ClickHouseRow(event));
    request.body += '\n';
  }
  request.timeout = AttemptTimeout(options_.timeout, deadline, absl::Now());
  absl::StatusOr<HttpResponse> response = http_->Send(request);
  SinkAnswer answer = AnswerFromHttp(response, redactor_);
  // ClickHouse answers a successful INSERT with an empty body; a page in a
  // 2xx came from something else (a proxy, another server on the port).
  if (answer.kind == SinkAnswer::Kind::kDelivered &&
      !absl::StripAsciiWhitespace(response->body).empty()) {
    return NotTheProtocol(*response, "ClickHouse's (an INSERT answers with no body)", redactor_);
  }
  return answer;
}

}  // namespace fops
