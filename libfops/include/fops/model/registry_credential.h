// Where the dev loop finds a registry's login. A build plane names it per
// registry; builds, pushes, cache import/export and the registry checks
// all use it. Four sources:
//
//   default    the standard login files, as buildah, skopeo, podman and
//              docker find them (REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/
//              containers/auth.json, ~/.config/containers/auth.json,
//              ~/.docker/config.json): the machine's own login, if any;
//   none       anonymous, always;
//   auth_file  one login file (containers auth.json or Docker config.json);
//   env        a password or token in a named environment variable, with a
//              user name given or read from another variable.
//
// The source is a reference, never the secret: it is safe in a plan, a
// record or an error. Encode()/Decode() carry it through a resource's
// input values.
//
//   RegistryCredentialSource ghcr{.kind = RegistryCredentialSource::Kind::kEnv,
//                                 .token_env = "GHCR_TOKEN", .username = "yamonco-bot"};
//   ghcr.Encode();   // "env=GHCR_TOKEN;username=yamonco-bot"
#ifndef FOPS_MODEL_REGISTRY_CREDENTIAL_H_
#define FOPS_MODEL_REGISTRY_CREDENTIAL_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace fops {

struct RegistryCredentialSource {
  enum class Kind {
    kDefault,   ///< the machine's standard login files
    kNone,      ///< anonymous
    kAuthFile,  ///< one login file
    kEnv,       ///< a token in an environment variable
  };
  Kind kind = Kind::kDefault;
  std::string auth_file;     ///< kAuthFile: absolute path of the login file
  std::string token_env;     ///< kEnv: the variable holding the password or token
  std::string username;      ///< kEnv: the user name ("" : username_env, else "fops")
  std::string username_env;  ///< kEnv: the variable holding the user name

  /// "default", "none", "auth_file=PATH", "env=VAR;username=U" (or ";username_env=V").
  std::string Encode() const;
  /// The inverse of Encode(); kInvalidArgument for anything else.
  static absl::StatusOr<RegistryCredentialSource> Decode(std::string_view text);
  /// For messages: "the login files", "GHCR_TOKEN", "/home/dev/auth.json", "no login".
  std::string Describe() const;

  friend bool operator==(const RegistryCredentialSource&, const RegistryCredentialSource&) = default;
};

}  // namespace fops

#endif  // FOPS_MODEL_REGISTRY_CREDENTIAL_H_
