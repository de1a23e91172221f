#include "fops/net/registry_login_file.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "fops/base/atomic_file.h"
#include "fops/base/runtime_dir.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"
#include "nlohmann/json.hpp"

namespace fops {
namespace {

using json = nlohmann::json;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

// The keys a login for `host` may be stored under.
std::vector<std::string> KeysFor(std::string_view host) {
  std::string h(host);
  std::vector<std::string> keys = {h, "https://" + h, "http://" + h, "https://" + h + "/v1/",
                                   "https://" + h + "/v2/"};
  if (host == "docker.io" || host == "registry-1.docker.io" || host == "index.docker.io") {
    keys.insert(keys.end(), {"https://index.docker.io/v1/", "docker.io", "index.docker.io",
                             "registry-1.docker.io"});
  }
  return keys;
}

}  // namespace

absl::StatusOr<std::optional<RegistryCredential>> ReadLoginFile(const std::filesystem::path& file,
                                                                std::string_view host) {
  absl::StatusOr<std::string> text = ReadFile(file);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) return std::nullopt;
    return absl::Status(text.status().code(), absl::StrCat(file.string(), ": cannot read the "
                                                           "login file: ",
                                                           text.status().message()));
  }
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.string(), ": not a registry login file: ", ToAbsl(why)));
  };
  json doc = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return invalid("not a JSON object");
  if (!doc.contains("auths")) return std::nullopt;
  const json& auths = doc["auths"];
  if (!auths.is_object()) return invalid("\"auths\" is not an object");
  for (const std::string& key : KeysFor(host)) {
    auto it = auths.find(key);
    if (it == auths.end()) continue;
    if (!it->is_object()) return invalid(absl::StrCat("the entry for ", key, " is not an object"));
    std::string user;
    std::string secret;
    if (it->contains("auth") && (*it)["auth"].is_string()) {
      std::string decoded;
      if (!absl::Base64Unescape((*it)["auth"].get<std::string>(), &decoded)) {
        return invalid(absl::StrCat("the entry for ", key, " is not base64"));
      }
      size_t colon = decoded.find(':');
      if (colon == std::string::npos) {
        return invalid(absl::StrCat("the entry for ", key, " is not user:password"));
      }
      user = decoded.substr(0, colon);
      secret = decoded.substr(colon + 1);
    } else if (it->contains("username") && it->contains("password") &&
               (*it)["username"].is_string() && (*it)["password"].is_string()) {
      user = (*it)["username"].get<std::string>();
      secret = (*it)["password"].get<std::string>();
    } else {
      continue;  // a credential helper's entry: nothing fops can read
    }
    if (secret.empty()) continue;
    return RegistryCredential{.username = std::move(user), .secret = std::move(secret)};
  }
  return std::nullopt;
}

std::vector<std::filesystem::path> DefaultLoginFiles() {
  std::vector<std::filesystem::path> files;
  if (std::string env = Env("REGISTRY_AUTH_FILE"); !env.empty()) files.emplace_back(env);
  if (std::string runtime = Env("XDG_RUNTIME_DIR"); !runtime.empty()) {
    files.push_back(std::filesystem::path(runtime) / "containers/auth.json");
  }
  const std::string home = Env("HOME");
  if (!home.empty()) files.push_back(std::filesystem::path(home) / ".config/containers/auth.json");
  if (std::string docker = Env("DOCKER_CONFIG"); !docker.empty()) {
    files.push_back(std::filesystem::path(docker) / "config.json");
  } else if (!home.empty()) {
    files.push_back(std::filesystem::path(home) / ".docker/config.json");
  }
  return files;
}

absl::Status WriteLoginFile(const std::filesystem::path& file,
                            const std::map<std::string, RegistryCredential>& logins) {
  FOPS_RETURN_IF_ERROR(MakePrivateDir(file.parent_path()));
  json auths = json::object();
  for (const auto& [host, login] : logins) {
    auths[host] = {{"auth", absl::Base64Escape(absl::StrCat(login.username, ":", login.secret))}};
  }
  return WriteFileAtomic(file, json{{"auths", std::move(auths)}}.dump(2) + "\n", 0600);
}

}  // namespace fops
