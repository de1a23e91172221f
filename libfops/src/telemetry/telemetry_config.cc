#include "fops/telemetry/telemetry_config.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "fops/base/status_macros.h"
#include "fops/telemetry/jsonl_sink.h"

namespace fops {
namespace {

// A sink's configuration error: fatal in strict mode, a warning otherwise.
absl::Status Problem(const absl::Status& status, bool strict,
                     std::vector<std::string>& warnings) {
  if (strict) {
    return absl::Status(status.code(),
                        absl::StrCat("telemetry configuration (strict): ", status.message()));
  }
  warnings.push_back(absl::StrCat(status.message(), " (sink disabled)"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TelemetryConfig> TelemetryConfig::FromEnvironment(
    const EnvLookup& env, const std::filesystem::path& state_dir) {
  TelemetryConfig config;
  config.strict = EnvFlag(env, "FRACTALOPS_BUILD_EVENTS_STRICT");
  config.redactor = Redactor::FromEnvironment();

  absl::StatusOr<std::optional<OtlpSinkOptions>> otlp = OtlpSinkOptions::FromEnvironment(env);
  if (otlp.ok()) {
    config.otlp = *std::move(otlp);
  } else {
    FOPS_RETURN_IF_ERROR(Problem(otlp.status(), config.strict, config.warnings));
  }
  absl::StatusOr<std::optional<ClickHouseSinkOptions>> clickhouse =
      ClickHouseSinkOptions::FromEnvironment(env);
  if (clickhouse.ok()) {
    config.clickhouse = *std::move(clickhouse);
  } else {
    FOPS_RETURN_IF_ERROR(Problem(clickhouse.status(), config.strict, config.warnings));
  }

  std::optional<std::string> jsonl = EnvValue(env, "FRACTALOPS_BUILD_EVENTS_JSONL");
  const bool jsonl_on = jsonl ? EnvFlag(env, "FRACTALOPS_BUILD_EVENTS_JSONL")
                              : (!config.otlp && !config.clickhouse);
  if (jsonl_on) config.jsonl = state_dir / std::string(kEventsFileName);

  if (std::optional<std::string> text = EnvValue(env, "FRACTALOPS_BUILD_EVENTS_FLUSH_TIMEOUT_MS")) {
    int64_t ms = 0;
    if (absl::SimpleAtoi(*text, &ms) && ms >= 0) {
      config.flush_timeout = absl::Milliseconds(ms);
    } else {
      FOPS_RETURN_IF_ERROR(Problem(
          absl::InvalidArgumentError(absl::StrCat(
              "FRACTALOPS_BUILD_EVENTS_FLUSH_TIMEOUT_MS: expected milliseconds, got '", *text,
              "'")),
          config.strict, config.warnings));
    }
  }

  if (config.otlp) {
    for (const auto& header : config.otlp->headers) config.redactor.AddSecret(header.second);
  }
  if (config.clickhouse) config.redactor.AddSecret(config.clickhouse->password);
  return config;
}

std::unique_ptr<EventPipeline> TelemetryConfig::NewPipeline(std::shared_ptr<HttpClient> http,
                                                            PipelineOptions options) const {
  std::vector<std::unique_ptr<EventSink>> sinks;
  if (otlp) sinks.push_back(std::make_unique<OtlpSink>(*otlp, http, redactor));
  if (clickhouse) sinks.push_back(std::make_unique<ClickHouseSink>(*clickhouse, http, redactor));
  if (jsonl) sinks.push_back(std::make_unique<JsonlSink>(*jsonl));
  options.strict = strict;
  options.redactor = redactor;
  return std::make_unique<EventPipeline>(std::move(sinks), std::move(options));
}

}  // namespace fops
