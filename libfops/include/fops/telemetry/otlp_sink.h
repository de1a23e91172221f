// Sends Build Plane Events as OpenTelemetry logs over OTLP/HTTP with the
// JSON encoding: `POST <endpoint>` (…/v1/logs) with an
// ExportLogsServiceRequest (resourceLogs -> scopeLogs -> logRecords). Each
// event is one log record: eventName and body carry the event name, every
// non-empty field is an attribute under its docs/telemetry.md name. It is
// configured like any OTel SDK exporter, from the OTEL_EXPORTER_OTLP_*
// variables, so the collector in front of ClickHouse needs nothing special.
//
//   FOPS_ASSIGN_OR_RETURN(std::optional<OtlpSinkOptions> options,
//                         OtlpSinkOptions::FromEnvironment(ProcessEnv()));
//   if (options) sinks.push_back(std::make_unique<OtlpSink>(*options, http, redactor));
#ifndef FOPS_TELEMETRY_OTLP_SINK_H_
#define FOPS_TELEMETRY_OTLP_SINK_H_

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fops/base/redact.h"
#include "fops/net/http_client.h"
#include "fops/telemetry/build_event.h"
#include "fops/telemetry/env_lookup.h"
#include "fops/telemetry/event_sink.h"
#include "nlohmann/json.hpp"

namespace fops {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct OtlpSinkOptions {
  std::string endpoint;  ///< the full logs URL, e.g. http://collector:4318/v1/logs
  KeyValues headers;     ///< sent with every request (auth); values are secrets
  /// Resource attributes: service.name first, then OTEL_RESOURCE_ATTRIBUTES.
  KeyValues resource_attributes;
  absl::Duration timeout = absl::Seconds(10);  ///< per request

  /// Reads OTEL_EXPORTER_OTLP_LOGS_ENDPOINT (used as-is) or
  /// OTEL_EXPORTER_OTLP_ENDPOINT (+ "/v1/logs"); the *_HEADERS and
  /// *_TIMEOUT (ms) variables, the logs-specific ones winning;
  /// OTEL_SERVICE_NAME (default "fops") and OTEL_RESOURCE_ATTRIBUTES.
  /// nullopt when no endpoint is set or OTEL_SDK_DISABLED=true.
  /// kInvalidArgument names the variable that is malformed (never its value).
  static absl::StatusOr<std::optional<OtlpSinkOptions>> FromEnvironment(const EnvLookup& env);
};

/// Parses the OTel list format "k1=v1,k2=v2" with percent-decoded keys and
/// values (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES).
/// kInvalidArgument names `variable` and the entry's position, not its text.
absl::StatusOr<KeyValues> ParseOtelKeyValues(std::string_view text, std::string_view variable);

/// The ExportLogsServiceRequest for `batch` (OTLP JSON encoding: 64-bit
/// integers and timeUnixNano as decimal strings, enums as numbers).
nlohmann::json OtlpLogsRequest(std::span<const BuildEvent> batch,
                               const KeyValues& resource_attributes);

/// Thread-compatible: the pipeline calls Send() from one thread.
class OtlpSink : public EventSink {
 public:
  /// `redactor` masks secrets in answers quoted back in errors.
  OtlpSink(OtlpSinkOptions options, std::shared_ptr<HttpClient> http, Redactor redactor);

  /// "otlp".
  std::string_view name() const override { return "otlp"; }
  /// The logs URL, credentials masked.
  std::string destination() const override;
  /// One POST of the batch; partial-success rejections are reported.
  SinkAnswer Send(std::span<const BuildEvent> batch, absl::Time deadline) override;

 private:
  OtlpSinkOptions options_;
  std::shared_ptr<HttpClient> http_;
  Redactor redactor_;
};

}  // namespace fops

#endif  // FOPS_TELEMETRY_OTLP_SINK_H_
