#include "fops/telemetry/env_lookup.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "fops/base/flag_value.h"
#include "fops/base/string_view.h"

namespace fops {

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

EnvLookup MapEnv(std::map<std::string, std::string, std::less<>> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

std::optional<std::string> EnvValue(const EnvLookup& env, std::string_view name) {
  std::optional<std::string> value = env(name);
  if (!value) return std::nullopt;
  std::string stripped(absl::StripAsciiWhitespace(*value));
  if (stripped.empty()) return std::nullopt;
  return stripped;
}

bool EnvFlag(const EnvLookup& env, std::string_view name) {
  std::optional<std::string> value = EnvValue(env, name);
  return value && ParseFlag(*value) == true;
}

}  // namespace fops
