// Registry login files: the containers auth.json that buildah, skopeo and
// podman use and Docker's config.json (the same `{"auths": {HOST: {"auth":
// base64("user:password")}}}` shape). fops reads them to find a registry's
// login and writes one for a run whose build plane names a login the
// builders cannot find on their own (a token in an environment variable).
//
//   FOPS_ASSIGN_OR_RETURN(std::optional<RegistryCredential> login,
//                         ReadLoginFile("/run/user/1000/containers/auth.json", "ghcr.io"));
#ifndef FOPS_NET_REGISTRY_LOGIN_FILE_H_
#define FOPS_NET_REGISTRY_LOGIN_FILE_H_

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fops/net/registry_client.h"

namespace fops {

/// The login `file` holds for registry `host` (`ghcr.io`, `127.0.0.1:5000`;
/// Docker Hub's entry too for docker.io), or nullopt when it has none or
/// the file does not exist. kInvalidArgument naming the file for a file
/// that is not a login file (never quoting its contents).
absl::StatusOr<std::optional<RegistryCredential>> ReadLoginFile(const std::filesystem::path& file,
                                                                std::string_view host);

/// The machine's login files in the order buildah reads them:
/// $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
/// ~/.config/containers/auth.json, $DOCKER_CONFIG/config.json or
/// ~/.docker/config.json.
std::vector<std::filesystem::path> DefaultLoginFiles();

/// Writes a login file holding `logins` (host -> login) atomically, mode
/// 0600, in a directory made private (MakePrivateDir).
absl::Status WriteLoginFile(const std::filesystem::path& file,
                            const std::map<std::string, RegistryCredential>& logins);

}  // namespace fops

#endif  // FOPS_NET_REGISTRY_LOGIN_FILE_H_
