#include "fops/telemetry/otlp_sink.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"
#include "../net/libcurl_loader.h"

namespace fops {
namespace {

constexpr int kSeverityInfo = 9;    // SEVERITY_NUMBER_INFO
constexpr int kSeverityError = 17;  // SEVERITY_NUMBER_ERROR

// %XX-decoding through libcurl. Errors name the variable, never the text
// (it may hold a credential).
absl::StatusOr<std::string> PercentDecode(std::string_view text, std::string_view variable) {
  absl::StatusOr<std::string> decoded = CurlUnescape(text);
  if (!decoded.ok()) return Annotate(decoded.status(), variable);
  return decoded;
}

nlohmann::json StringValue(std::string_view value) {
  return {{"stringValue", std::string(value)}};
}

nlohmann::json KeyValue(std::string_view key, nlohmann::json value) {
  return {{"key", std::string(key)}, {"value", std::move(value)}};
}

std::string UnixNanos(absl::Time t) { return absl::StrCat(absl::ToUnixNanos(t)); }

// observedTimeUnixNano is the emission time too: fops observes its own
// events as they happen, and a retried batch stays byte-identical.
nlohmann::json LogRecord(const BuildEvent& event) {
  nlohmann::json attributes = nlohmann::json::array();
  nlohmann::ordered_json row = event.ToJson();
  for (auto& [key, value] : row.items()) {  // in BuildEventFieldNames() order
    if (key == "timestamp") continue;  // it is the record's timeUnixNano
    if (key == "duration_ms") {
      // OTLP JSON: int64 as a decimal string.
      attributes.push_back(
          KeyValue(key, {{"intValue", absl::StrCat(value.get<int64_t>())}}));
      continue;
    }
    const std::string& text = value.get_ref<const std::string&>();
    if (text.empty()) continue;
    attributes.push_back(KeyValue(key, StringValue(text)));
  }
  const bool failed = event.status == "failed";
  return {
      {"timeUnixNano", UnixNanos(event.timestamp)},
      {"observedTimeUnixNano", UnixNanos(event.timestamp)},
      {"severityNumber", failed ? kSeverityError : kSeverityInfo},
      {"severityText", failed ? "ERROR" : "INFO"},
      {"eventName", std::string(EventNameString(event.name))},
      {"body", StringValue(EventNameString(event.name))},
      {"attributes", std::move(attributes)},
  };
}

// The number of records an OTLP partial-success answer says it rejected.
int64_t RejectedRecords(const std::string& body, std::string* message) {
  if (body.empty()) return 0;
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed.contains("partialSuccess")) return 0;
  const nlohmann::json& partial = parsed["partialSuccess"];
  if (!partial.is_object()) return 0;
  int64_t rejected = 0;
  if (partial.contains("rejectedLogRecords")) {
    const nlohmann::json& value = partial["rejectedLogRecords"];
    if (value.is_number_integer()) {
      rejected = value.get<int64_t>();
    } else if (value.is_string()) {
      (void)absl::SimpleAtoi(value.get<std::string>(), &rejected);
    }
  }
  if (partial.contains("errorMessage") && partial["errorMessage"].is_string()) {
    *message = partial["errorMessage"].get<std::string>();
  }
  return rejected;
}

}  // namespace

absl::StatusOr<KeyValues> ParseOtelKeyValues(std::string_view text, std::string_view variable) {
  KeyValues out;
  int position = 0;
  for (absl::string_view entry : absl::StrSplit(ToAbsl(text), ',')) {
    ++position;
    if (absl::StripAsciiWhitespace(entry).empty()) continue;
    size_t eq = entry.find('=');
    std::optional<std::string> key, value;
    if (eq != absl::string_view::npos) {
      FOPS_ASSIGN_OR_RETURN(
          key, PercentDecode(ToStd(absl::StripAsciiWhitespace(entry.substr(0, eq))), variable));
      FOPS_ASSIGN_OR_RETURN(
          value, PercentDecode(ToStd(absl::StripAsciiWhitespace(entry.substr(eq + 1))), variable));
    }
    if (!key || !value || key->empty()) {
      // The entry may hold a credential: name its position, never its text.
      return absl::InvalidArgumentError(absl::StrCat(
          ToAbsl(variable), ": entry ", position, " is not key=value (expected k1=v1,k2=v2)"));
    }
    out.emplace_back(*std::move(key), *std::move(value));
  }
  return out;
}

absl::StatusOr<std::optional<OtlpSinkOptions>> OtlpSinkOptions::FromEnvironment(
    const EnvLookup& env) {
  if (EnvFlag(env, "OTEL_SDK_DISABLED")) return std::nullopt;
  OtlpSinkOptions options;
  std::string variable;
  if (std::optional<std::string> logs = EnvValue(env, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")) {
    variable = "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT";
    options.endpoint = *logs;
  } else if (std::optional<std::string> base = EnvValue(env, "OTEL_EXPORTER_OTLP_ENDPOINT")) {
    variable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    std::string url = *base;
    while (absl::EndsWith(url, "/")) url.pop_back();
    options.endpoint = url + "/v1/logs";
  } else {
    return std::nullopt;
  }
  if (!absl::StartsWith(options.endpoint, "http://") &&
      !absl::StartsWith(options.endpoint, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat(variable, ": expected an http:// or https:// URL"));
  }
  for (std::string_view protocol_var :
       {"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"}) {
    std::optional<std::string> protocol = EnvValue(env, protocol_var);
    if (!protocol) continue;
    if (*protocol == "grpc") {
      return absl::InvalidArgumentError(absl::StrCat(
          ToAbsl(protocol_var),
          "=grpc is not supported: fops sends OTLP/HTTP with JSON; point the endpoint "
          "at the collector's HTTP port (4318)"));
    }
    break;  // http/json and http/protobuf receivers both accept JSON
  }
  // Generic first, then the logs-specific list overrides the same keys.
  for (std::string_view headers_var :
       {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_LOGS_HEADERS"}) {
    std::optional<std::string> text = EnvValue(env, headers_var);
    if (!text) continue;
    FOPS_ASSIGN_OR_RETURN(KeyValues parsed, ParseOtelKeyValues(*text, headers_var));
    for (auto& [key, value] : parsed) {
      bool replaced = false;
      for (auto& existing : options.headers) {
        if (absl::EqualsIgnoreCase(existing.first, key)) {
          existing.second = value;
          replaced = true;
        }
      }
      if (!replaced) options.headers.emplace_back(key, value);
    }
  }
  for (std::string_view timeout_var :
       {"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"}) {
    std::optional<std::string> text = EnvValue(env, timeout_var);
    if (!text) continue;
    int64_t ms = 0;
    if (!absl::SimpleAtoi(*text, &ms) || ms <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          ToAbsl(timeout_var), ": expected a positive number of milliseconds, got '",
          *text, "'"));
    }
    options.timeout = absl::Milliseconds(ms);
    break;
  }
  options.resource_attributes.emplace_back(
      "service.name", EnvValue(env, "OTEL_SERVICE_NAME").value_or("fops"));
  if (std::optional<std::string> text = EnvValue(env, "OTEL_RESOURCE_ATTRIBUTES")) {
    FOPS_ASSIGN_OR_RETURN(KeyValues parsed,
                          ParseOtelKeyValues(*text, "OTEL_RESOURCE_ATTRIBUTES"));
    for (auto& kv : parsed) {
      if (kv.first == "service.name") continue;  // OTEL_SERVICE_NAME wins, as in the SDKs
      options.resource_attributes.push_back(std::move(kv));
    }
  }
  return options;
}

nlohmann::json OtlpLogsRequest(std::span<const BuildEvent> batch,
                               const KeyValues& resource_attributes) {
  nlohmann::json attributes = nlohmann::json::array();
  for (const auto& [key, value] : resource_attributes) {
    attributes.push_back(KeyValue(key, StringValue(value)));
  }
  nlohmann::json records = nlohmann::json::array();
  for (const BuildEvent& event : batch) records.push_back(LogRecord(event));
  return {{"resourceLogs",
           {{{"resource", {{"attributes", std::move(attributes)}}},
             {"scopeLogs",
              {{{"scope", {{"name", "fops.telemetry"}}},
                {"logRecords", std::move(records)}}}}}}}};
}

OtlpSink::OtlpSink(OtlpSinkOptions options, std::shared_ptr<HttpClient> http,
                   Redactor redactor)
    : options_(std::move(options)), http_(std::move(http)), redactor_(std::move(redactor)) {
  for (const auto& header : options_.headers) redactor_.AddSecret(header.second);
}

std::string OtlpSink::destination() const { return redactor_.Redact(options_.endpoint); }

SinkAnswer OtlpSink::Send(std::span<const BuildEvent> batch, absl::Time deadline) {
  HttpRequest request;
  request.method = "POST";
  request.url = options_.endpoint;
  request.headers = options_.headers;
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = DumpJson(OtlpLogsRequest(batch, options_.resource_attributes));
  request.timeout = AttemptTimeout(options_.timeout, deadline, absl::Now());
  absl::StatusOr<HttpResponse> response = http_->Send(request);
  SinkAnswer answer = AnswerFromHttp(response, redactor_);
  if (answer.kind == SinkAnswer::Kind::kDelivered) {
    // An ExportLogsServiceResponse in JSON (an empty one may come as an
    // empty body). Anything else came from something that is not an OTLP
    // receiver: the events did not arrive anywhere fops can tell.
    if (!absl::StripAsciiWhitespace(response->body).empty() &&
        !nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false)
             .is_object()) {
      return NotTheProtocol(*response, "an OTLP response", redactor_);
    }
    std::string message;
    answer.rejected_records = RejectedRecords(response->body, &message);
    if (answer.rejected_records > 0) {
      answer.message = redactor_.Redact(
          absl::StrCat("partial success: ", answer.rejected_records, " rejected",
                       message.empty() ? "" : ": ", message));
    }
  }
  return answer;
}

}  // namespace fops
