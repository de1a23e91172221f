// A container registry of the build plane and the one job it has. The plane
// splits registries by role: the final registry (GHCR) holds final images
// only, the mirror (Nexus docker-group) is only pulled from, and the cache
// registry (Nexus buildcache) takes build cache import/export only. The
// roles are invariants: CheckImagePush() and CheckCacheUse() refuse what a
// role does not allow with kFailedPrecondition naming the rule, so a plane
// or a build that breaks one is stopped before anything runs.
//
//   Registry cache{.name = "nexus-buildcache", .role = Registry::Role::kCache,
//                  .host = "nexus.nexus.svc:8082"};
//   cache.CheckImagePush("nexus.nexus.svc:8082/x:1");  // kFailedPrecondition, rule cache-only
#ifndef FOPS_MODEL_REGISTRY_H_
#define FOPS_MODEL_REGISTRY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fops/base/source_location.h"
#include "fops/model/registry_credential.h"

namespace fops {

/// Stable names of the registry rules; errors and docs use them.
inline constexpr std::string_view kRuleFinalImagesOnly = "final-images-only";
inline constexpr std::string_view kRuleMirrorPullOnly = "mirror-pull-only";
inline constexpr std::string_view kRuleCacheOnly = "cache-only";
inline constexpr std::string_view kRuleScopePerStageTarget = "cache-scope-per-stage-and-target";

struct Registry {
  enum class Role {
    kFinal,   ///< final images only (GHCR); never a cache
    kMirror,  ///< pull-through mirror; never pushed to
    kCache,   ///< build cache import/export only; never an image push target
  };

  std::string name;          ///< its key in the topology ("ghcr", "nexus-buildcache")
  Role role = Role::kFinal;  ///< what it may be used for
  std::string host;          ///< `host[:port]`, as in image references
  std::string namespace_path;          ///< final only: path prefix of images ("yamonco")
  bool tls_verify = true;              ///< false: plain HTTP or an untrusted certificate
  /// PEM file (named *.crt) of the CA its certificate is verified with
  /// ("" : the system's); relative to the Tiltfile's directory, `~/` allowed.
  std::string ca_file;
  RegistryCredentialSource credential;  ///< where its login comes from
  std::vector<std::string> mirrors;    ///< mirror only: upstream domains it serves
  SourceLocation declared_at;          ///< where the topology declared it

  /// "final", "mirror" or "cache".
  static std::string_view RoleName(Role role);
  /// Parses a role name; kInvalidArgument for anything else.
  static absl::StatusOr<Role> ParseRole(std::string_view name);

  /// OK when an image may be pushed here (final registry only); otherwise
  /// kFailedPrecondition naming the rule. `what` names the image in the error.
  absl::Status CheckImagePush(std::string_view what) const;
  /// OK when build cache may be imported from / exported to here (cache
  /// registry only); otherwise kFailedPrecondition naming the rule.
  absl::Status CheckCacheUse(std::string_view what) const;

  /// The rule a role enforces, in one sentence (for errors and docs).
  static std::string_view RuleFor(Role role);
};

}  // namespace fops

#endif  // FOPS_MODEL_REGISTRY_H_
