// Which sinks a run's Build Plane Events go to, read once from the
// environment: OTLP/HTTP logs when an OTEL_EXPORTER_OTLP_*ENDPOINT is set,
// ClickHouse when FRACTALOPS_BUILD_EVENTS_ENABLED=true, and JSON lines in
// the repo's state directory when neither is (or when asked for).
// docs/telemetry.md lists every variable.
//
//   FOPS_ASSIGN_OR_RETURN(TelemetryConfig config,
//                         TelemetryConfig::FromEnvironment(ProcessEnv(), state_dir));
//   std::unique_ptr<EventPipeline> pipeline = config.NewPipeline(NewCurlHttpClient());
#ifndef FOPS_TELEMETRY_TELEMETRY_CONFIG_H_
#define FOPS_TELEMETRY_TELEMETRY_CONFIG_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fops/base/redact.h"
#include "fops/net/http_client.h"
#include "fops/telemetry/clickhouse_sink.h"
#include "fops/telemetry/env_lookup.h"
#include "fops/telemetry/event_pipeline.h"
#include "fops/telemetry/otlp_sink.h"

namespace fops {

struct TelemetryConfig {
  std::optional<OtlpSinkOptions> otlp;              ///< OTLP/HTTP logs, if configured
  std::optional<ClickHouseSinkOptions> clickhouse;  ///< direct ClickHouse, if enabled
  std::optional<std::filesystem::path> jsonl;       ///< the events file, if on
  bool strict = false;  ///< FRACTALOPS_BUILD_EVENTS_STRICT=true
  /// How long the end of a run waits for delivery
  /// (FRACTALOPS_BUILD_EVENTS_FLUSH_TIMEOUT_MS, default 5000).
  absl::Duration flush_timeout = absl::Seconds(5);
  /// Configuration problems that disabled a sink (non-strict mode only;
  /// strict mode returns them as the error).
  std::vector<std::string> warnings;
  /// Secret values from the configuration (header values, the ClickHouse
  /// password) plus the environment's secret-looking variables.
  Redactor redactor;

  /// Reads the variables through `env`; `state_dir` is where events.jsonl
  /// goes. FRACTALOPS_BUILD_EVENTS_JSONL=true|false forces the JSON lines
  /// sink on or off; unset, it is on when no other sink is. A malformed
  /// variable disables its sink with a warning, or is the error (naming
  /// the variable) in strict mode.
  static absl::StatusOr<TelemetryConfig> FromEnvironment(const EnvLookup& env,
                                                         const std::filesystem::path& state_dir);

  /// A pipeline with the configured sinks, sending HTTP through `http`.
  std::unique_ptr<EventPipeline> NewPipeline(std::shared_ptr<HttpClient> http,
                                             PipelineOptions options = {}) const;
};

}  // namespace fops

#endif  // FOPS_TELEMETRY_TELEMETRY_CONFIG_H_
