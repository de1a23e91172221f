// The telemetry configuration comes from environment variables (the OTel
// SDK's OTEL_* names and the project's FRACTALOPS_* names). Reading them through
// an EnvLookup lets tests pass a map instead of changing the process
// environment, which other threads may read at the same time.
//
//   EnvLookup env = MapEnv({{"FRACTALOPS_BUILD_EVENTS_ENABLED", "true"}});
//   bool on = EnvFlag(env, "FRACTALOPS_BUILD_EVENTS_ENABLED");
#ifndef FOPS_TELEMETRY_ENV_LOOKUP_H_
#define FOPS_TELEMETRY_ENV_LOOKUP_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fops {

/// The value of a variable, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// Reads the process environment (getenv).
EnvLookup ProcessEnv();

/// Reads a fixed map; for tests and embedders.
EnvLookup MapEnv(std::map<std::string, std::string, std::less<>> values);

/// The variable's value when set and not empty (surrounding blanks removed).
std::optional<std::string> EnvValue(const EnvLookup& env, std::string_view name);

/// True when the variable is "1", "true", "yes" or "on" (any case).
bool EnvFlag(const EnvLookup& env, std::string_view name);

}  // namespace fops

#endif  // FOPS_TELEMETRY_ENV_LOOKUP_H_
