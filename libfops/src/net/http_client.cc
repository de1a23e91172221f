#include "fops/net/http_client.h"

#include "absl/strings/match.h"
#include "fops/base/string_view.h"

namespace fops {

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, ToAbsl(name))) return value;
  }
  return std::nullopt;
}

}  // namespace fops
