#include "fops/model/registry_credential.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "fops/base/string_view.h"

namespace fops {

std::string RegistryCredentialSource::Encode() const {
  switch (kind) {
    case Kind::kDefault:
      return "default";
    case Kind::kNone:
      return "none";
    case Kind::kAuthFile:
      return absl::StrCat("auth_file=", auth_file);
    case Kind::kEnv:
      break;
  }
  std::string out = absl::StrCat("env=", token_env);
  if (!username.empty()) absl::StrAppend(&out, ";username=", username);
  if (!username_env.empty()) absl::StrAppend(&out, ";username_env=", username_env);
  return out;
}

absl::StatusOr<RegistryCredentialSource> RegistryCredentialSource::Decode(std::string_view text) {
  RegistryCredentialSource s;
  if (text == "default" || text.empty()) return s;
  if (text == "none") {
    s.kind = Kind::kNone;
    return s;
  }
  absl::string_view rest = ToAbsl(text);
  if (absl::ConsumePrefix(&rest, "auth_file=") && !rest.empty()) {
    s.kind = Kind::kAuthFile;
    s.auth_file = std::string(rest);
    return s;
  }
  const absl::Status bad = absl::InvalidArgumentError(
      absl::StrCat("not a registry credential source: '", ToAbsl(text), "'"));
  std::vector<absl::string_view> parts = absl::StrSplit(ToAbsl(text), ';');
  for (absl::string_view part : parts) {
    std::vector<absl::string_view> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[1].empty()) return bad;
    if (kv[0] == "env") {
      s.kind = Kind::kEnv;
      s.token_env = std::string(kv[1]);
    } else if (kv[0] == "username") {
      s.username = std::string(kv[1]);
    } else if (kv[0] == "username_env") {
      s.username_env = std::string(kv[1]);
    } else {
      return bad;
    }
  }
  if (s.kind == Kind::kEnv && !s.token_env.empty()) return s;
  return bad;
}

std::string RegistryCredentialSource::Describe() const {
  switch (kind) {
    case Kind::kDefault:
      return "the machine's login files";
    case Kind::kNone:
      return "no login";
    case Kind::kAuthFile:
      return auth_file;
    case Kind::kEnv:
      return absl::StrCat("$", token_env);
  }
  return "";
}

}  // namespace fops
