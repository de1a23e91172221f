// The build plane: the contract every image build of a project loads from
// one topology file (`ops/infra/topology/<site>.yaml`): the project, its
// registries and their roles (one final registry, pull-only mirrors, one
// cache registry), its stages (dev, staging) with their tag templates and
// cache defaults, its targets (runtime, portal, ...), and builder settings.
// Load() reads and checks it: every error names file:line:column, the field
// and what was expected; unknown keys are errors; the registry roles are
// checked before anything runs. The schema is in docs/build-plane.md.
//
//   FOPS_ASSIGN_OR_RETURN(BuildPlane plane,
//                         BuildPlane::Load("ops/infra/topology/lxc-pve-lab.yaml"));
//   FOPS_ASSIGN_OR_RETURN(CacheScope scope, plane.ScopeFor("dev", "runtime"));
//   scope.Ref();  // "nexus.nexus.svc:8082/fractalops/buildcache/dev/runtime"
#ifndef FOPS_MODEL_BUILD_PLANE_H_
#define FOPS_MODEL_BUILD_PLANE_H_

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fops/base/source_location.h"
#include "fops/model/builder_settings.h"
#include "fops/model/cache_scope.h"
#include "fops/model/image_ref.h"
#include "fops/model/registry.h"
#include "fops/model/tag_policy.h"

namespace fops {

/// A build stage: what its tags look like and whether it uses the remote cache.
struct Stage {
  std::string name;          ///< "dev", "staging"; a path component of cache scopes
  std::string tag_template;  ///< e.g. "dev-{git}-{inputs}" (see TagPolicy)
  /// Default for `--cache-from`; off in dev, where fetching the remote cache
  /// costs a small rebuild more than it saves.
  bool cache_import = false;
  bool cache_export = false;  ///< default for `--cache-to` (off in dev)
  SourceLocation declared_at;  ///< where the topology declared it
};

/// An image the project builds, with defaults a Tiltfile may override.
struct Target {
  std::string name;        ///< "runtime", "portal"; a path component of cache scopes
  std::string repository;  ///< path under the final registry's namespace (default: name)
  std::string context;     ///< build context, relative to the Tiltfile's directory
  std::string dockerfile;  ///< relative to the Tiltfile's directory ("" : <context>/Dockerfile)
  std::string target_stage;  ///< Dockerfile stage to build (`--target`), "" : the last
  std::map<std::string, std::string> build_args;  ///< `--build-arg` defaults
  std::string platform;      ///< "" : the builder's default
  SourceLocation declared_at;  ///< where the topology declared it
};

class BuildPlane {
 public:
  /// Reads and checks the topology at `path`. kNotFound when it is missing,
  /// kInvalidArgument for bad YAML or schema, kFailedPrecondition when the
  /// registries break a role rule; each error starts with file:line:column.
  static absl::StatusOr<BuildPlane> Load(const std::filesystem::path& path);
  /// The same from YAML text; `file` names it in errors.
  static absl::StatusOr<BuildPlane> Parse(std::string_view yaml, std::string_view file);

  const std::string& file() const { return file_; }        ///< where it was loaded from
  const std::string& project() const { return project_; }  ///< "fractalops"
  const std::vector<Registry>& registries() const { return registries_; }  ///< in file order
  const std::vector<Stage>& stages() const { return stages_; }     ///< in file order
  const std::vector<Target>& targets() const { return targets_; }  ///< in file order
  const BuilderSettings& builder() const { return builder_; }      ///< builder settings
  const TagPolicy& tag_policy() const { return tag_policy_; }      ///< tags per stage

  /// The final registry (there is exactly one).
  const Registry& final_registry() const;
  /// The cache registry, or nullptr when the plane has none.
  const Registry* cache_registry() const;
  /// The pull-through mirrors, in file order.
  std::vector<const Registry*> mirrors() const;
  /// The registry whose host is `host` (exactly, port included), or nullptr.
  const Registry* FindRegistryByHost(std::string_view host) const;
  /// The stage called `name`, or nullptr.
  const Stage* FindStage(std::string_view name) const;
  /// The target called `name`, or nullptr.
  const Target* FindTarget(std::string_view name) const;

  /// The scope of (stage, target) in the cache registry. kNotFound for an
  /// unknown stage or target, kFailedPrecondition when there is no cache registry.
  absl::StatusOr<CacheScope> ScopeFor(std::string_view stage, std::string_view target) const;
  /// The final repository of `target`: `<final host>/<namespace>/<repository>`,
  /// without a tag. kNotFound for an unknown target.
  absl::StatusOr<ImageRef> RepositoryFor(std::string_view target) const;

  /// The contract as environment variables, in a fixed order (the variables
  /// are listed in docs/build-plane.md): registries, stages, targets, tag
  /// templates and prefixes, cache defaults and every cache scope.
  std::vector<std::pair<std::string, std::string>> Environment() const;

  /// containers-registries.conf(5) text that sends pulls of each mirrored
  /// upstream (docker.io, ghcr.io) through its mirror, for buildah, podman
  /// and skopeo (a drop-in for registries.conf.d, or CONTAINERS_REGISTRIES_CONF).
  /// Only pulls: the mirror is never a push target. "" when there is no mirror.
  std::string RegistriesConf() const;

  /// The environment-variable spelling of a stage or target name:
  /// uppercase, '-' and '.' become '_' ("daytona-workspace" -> "DAYTONA_WORKSPACE").
  static std::string EnvName(std::string_view name);

 private:
  friend class BuildPlaneLoader;
  /// Checks the cross-field invariants (roles, unique hosts, env names).
  absl::Status Validate() const;

  std::string file_;
  std::string project_;
  std::vector<Registry> registries_;
  std::vector<Stage> stages_;
  std::vector<Target> targets_;
  BuilderSettings builder_;
  TagPolicy tag_policy_;
  std::string release_pattern_;
  SourceLocation project_at_;
};

}  // namespace fops

#endif  // FOPS_MODEL_BUILD_PLANE_H_
