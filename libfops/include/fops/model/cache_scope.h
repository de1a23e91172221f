// Where one (stage, target) keeps its build cache: a repository in the
// cache registry, `<cache host:port>/<project>/buildcache/<stage>/<target>`.
// One scope per stage and target, so runtime, portal and workspace builds
// never share one invalidation-heavy cache tag, and dev never evicts
// staging. Builders take it as `--cache-from`/`--cache-to` (buildah) or
// `type=registry,ref=<scope>` (buildx, buildctl).
//
//   FOPS_ASSIGN_OR_RETURN(CacheScope scope,
//       CacheScope::Make("nexus.nexus.svc:8082", "fractalops", "dev", "runtime"));
//   scope.Ref();  // "nexus.nexus.svc:8082/fractalops/buildcache/dev/runtime"
#ifndef FOPS_MODEL_CACHE_SCOPE_H_
#define FOPS_MODEL_CACHE_SCOPE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace fops {

class CacheScope {
 public:
  /// Checks each part (a registry domain, then image path components);
  /// kInvalidArgument naming the bad one.
  static absl::StatusOr<CacheScope> Make(std::string_view registry_host,
                                         std::string_view project, std::string_view stage,
                                         std::string_view target);

  /// `host:port` of the cache registry.
  const std::string& registry_host() const { return registry_host_; }
  const std::string& project() const { return project_; }  ///< project name
  const std::string& stage() const { return stage_; }      ///< "dev", "staging", ...
  const std::string& target() const { return target_; }    ///< "runtime", "portal", ...

  /// `<host>/<project>/buildcache/<stage>/<target>`: the repository builders use.
  std::string Ref() const;
  /// The repository path inside the cache registry (Ref() without the host).
  std::string Path() const;

  friend bool operator==(const CacheScope&, const CacheScope&) = default;

 private:
  std::string registry_host_;
  std::string project_;
  std::string stage_;
  std::string target_;
};

}  // namespace fops

#endif  // FOPS_MODEL_CACHE_SCOPE_H_
