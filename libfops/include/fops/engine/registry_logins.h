// The registry logins a run needs, ready before anything runs. A build
// plane says where each registry's login comes from (its `credential`:
// the machine's login files, one login file, a token in a variable, or
// none); the image resources compiled from it carry that as a reference
// (`registry_credential`, `cache_credential` input values, never the
// secret). Prepare() resolves each one — a variable that is not set, a
// login file without the registry, a login the registry refuses are
// errors naming the registry, before any build starts — writes the run's
// login file that the builders read (`--authfile`, DOCKER_CONFIG), outside
// the repository and private to the user (as `podman login` keeps its
// logins; each run writes it anew), and answers the registry checks of the
// update gate (Find).
//
//   FOPS_ASSIGN_OR_RETURN(std::unique_ptr<RegistryLogins> logins,
//       RegistryLogins::Prepare(project.resources, state_dir, *http, /*verify=*/true));
//   InputGate gate(state_dir, {.checks = DefaultEffectChecks(&guard, logins->AsLookup())});
#ifndef FOPS_ENGINE_REGISTRY_LOGINS_H_
#define FOPS_ENGINE_REGISTRY_LOGINS_H_

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fops/engine/image_effect_check.h"
#include "fops/model/registry_credential.h"
#include "fops/model/resource.h"
#include "fops/net/http_client.h"
#include "fops/net/registry_client.h"

namespace fops {

/// Thread-safe once prepared.
class RegistryLogins {
 public:
  /// Resolves the logins of the image resources in `resources` (in the
  /// repo whose state directory is `state_dir`) and writes the run's login
  /// file when one of them uses it. With `verify`, each registry with a
  /// configured login is asked whether it accepts it (`GET /v2/`); a
  /// registry that cannot be reached is not an error here (the push will
  /// say so). Errors: kInvalidArgument (a variable not set, a login file
  /// without the registry), kPermissionDenied (the registry refused the
  /// login), each naming the registry and where its login comes from.
  static absl::StatusOr<std::unique_ptr<RegistryLogins>> Prepare(
      const std::vector<Resource>& resources, const std::filesystem::path& state_dir,
      HttpClient& http, bool verify);

  RegistryLogins(const RegistryLogins&) = delete;
  RegistryLogins& operator=(const RegistryLogins&) = delete;

  /// The login for `host` (nullopt: anonymous), for the registry checks.
  std::optional<RegistryCredential> Find(std::string_view host) const;
  /// Find() as the image check's lookup (the object must outlive it).
  RegistryCredentialLookup AsLookup() const;
  /// The secrets the logins hold, to keep out of output.
  std::vector<std::string> secrets() const;
  /// The login file written ("" when none was needed).
  const std::filesystem::path& login_file() const { return written_; }

 private:
  RegistryLogins() = default;
  std::map<std::string, RegistryCredential> logins_;  // by registry host
  std::filesystem::path written_;
};

}  // namespace fops

#endif  // FOPS_ENGINE_REGISTRY_LOGINS_H_
