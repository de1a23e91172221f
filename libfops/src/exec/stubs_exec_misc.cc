// STUB (owner: exec helper): replaced by the real implementations.
#include "fops/exec/command_policy.h"
#include "fops/exec/line_prefix.h"
#include "fops/net/http_client.h"
namespace fops {
std::string CommandResult::Describe() const { return ""; }
absl::Status GuardedExecutor::Start(const CommandSpec& spec) { return inner_.Start(spec); }
std::string PrefixLine(std::string_view, std::string_view line) { return std::string(line); }
std::optional<std::string> HttpResponse::header(std::string_view) const { return std::nullopt; }
std::unique_ptr<HttpClient> NewCurlHttpClient() { return nullptr; }
}  // namespace fops
