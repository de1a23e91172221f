// An image build: one target of the build plane, built for one stage and
// pushed to the final registry with the stage's tag, with the target's
// cache scope for remote cache import/export when enabled. Compile() turns
// it into a Resource of kind "image" whose cmd/then_cmds are the exact
// builder argv (`fops plan` prints them) and whose `inputs` say what the
// image depends on (context files minus .dockerignore, the Dockerfile,
// build args, platform, builder, base images), so an unchanged image is
// skipped. `inputs.produces` is the pushed reference, which other
// resources (Helm releases) receive.
//
//   ImageBuild build{.target = "runtime", .stage = "dev"};
//   ImageBuildContext ctx{.dir = "/repo", .revision = "1a2b3c4d5e6f"};
//   FOPS_ASSIGN_OR_RETURN(Resource r, CompileImageBuild(plane, build, ctx));
//   r.cmd.argv();  // {"buildah", "--storage-driver", "vfs", "build", ...}
#ifndef FOPS_PLAN_IMAGE_BUILD_H_
#define FOPS_PLAN_IMAGE_BUILD_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fops/model/build_plane.h"
#include "fops/model/registry_credential.h"
#include "fops/model/builder_settings.h"
#include "fops/model/cache_scope.h"
#include "fops/model/image_ref.h"
#include "fops/model/resource.h"

namespace fops {

/// What a Tiltfile asks for; empty fields take the plane target's values.
struct ImageBuild {
  std::string name;        ///< resource name; "" : "<target>-image"
  std::string target;      ///< a target of the plane (required)
  std::string stage = "dev";  ///< a stage of the plane: dev, staging
  std::string context;     ///< build context, relative to the dir ("" : the target's)
  std::string dockerfile;  ///< relative to the dir ("" : the target's; <context>/Dockerfile
                           ///< when only the context is given)
  std::string target_stage;  ///< Dockerfile stage (`--target`); "" : the target's
  std::map<std::string, std::string> build_args;  ///< merged over the target's
  std::string platform;    ///< "" : the target's, then the builder's
  std::optional<BuilderKind> builder;  ///< unset: the plane's builder
  std::optional<bool> cache_import;    ///< unset: the stage's default
  std::optional<bool> cache_export;    ///< unset: the stage's default
  std::string tag;         ///< a fixed tag instead of the stage's template
  std::string repository;  ///< push repository (`host/path`) instead of the target's;
                           ///< must be in the final registry
  std::string cache_ref;   ///< cache repository instead of the scope; must be in the
                           ///< cache registry and not another target's or stage's scope
  std::vector<std::string> resource_deps;  ///< run after these
  std::vector<std::string> labels;         ///< labels of the resource
  SourceLocation declared_at;              ///< the Tiltfile line
};

/// Everything decided: what Compile() renders. Built by ResolveImageBuild().
struct ResolvedImageBuild {
  std::string name;          ///< resource name
  std::string target;        ///< plane target
  std::string stage;         ///< plane stage
  std::string context;       ///< relative to the dir
  std::string dockerfile;    ///< relative to the dir
  std::string target_stage;  ///< "" : the last stage
  std::map<std::string, std::string> build_args;  ///< target's, then the build's
  std::string platform;      ///< "" : the host's
  BuilderKind builder = BuilderKind::kBuildah;
  BuilderSettings settings;  ///< the plane's builder settings
  ImageRef repository;       ///< where the image is pushed, without a tag
  bool push_tls_verify = true;        ///< the final registry's tls_verify
  std::string push_ca_file;           ///< the final registry's CA (absolute; "" : the system's)
  RegistryCredentialSource push_credential;   ///< the final registry's login
  RegistryCredentialSource cache_credential;  ///< the cache registry's login
  std::string cache_ca_file;          ///< the cache registry's CA (absolute; "" : the system's)
  /// The run's login file (`--authfile`, DOCKER_CONFIG's config.json) when
  /// a registry of the build has a login other than the machine's default.
  std::string login_file;
  std::optional<CacheScope> scope;    ///< the (stage, target) scope, when there is a cache
  std::string cache_ref;              ///< the cache repository used ("" : no cache registry)
  bool cache_tls_verify = true;       ///< the cache registry's tls_verify
  bool cache_import = false;          ///< pass --cache-from / --import-cache
  bool cache_export = false;          ///< pass --cache-to / --export-cache
  std::string tag_template;           ///< the stage's template, or the fixed tag
};

/// Merges the build over its plane target and checks the registry roles:
/// kNotFound for an unknown target or stage, kFailedPrecondition (naming
/// the rule) for a push outside the final registry, a cache outside the
/// cache registry, or cache enabled without a cache registry.
absl::StatusOr<ResolvedImageBuild> ResolveImageBuild(const BuildPlane& plane,
                                                     const ImageBuild& build);

/// Makes the plane's paths in `build` (CA files, login files) absolute:
/// `~/` under HOME, relative ones under `dir` (the Tiltfile's directory).
void ResolvePlanePaths(const std::string& dir, ResolvedImageBuild& build);

/// The builder's argv: `cmd` builds (and for buildx/buildctl pushes);
/// `then` (buildah) pushes. `ref` is the tagged reference pushed.
struct BuilderCommands {
  std::vector<std::string> cmd;                ///< the build
  std::vector<std::vector<std::string>> then;  ///< run after it, in order
};
/// Renders the exact argv for `build`'s builder.
BuilderCommands RenderBuilderCommands(const ResolvedImageBuild& build, const ImageRef& ref);

/// What a build reads besides its flags: found on disk before it runs.
struct ImageSources {
  std::vector<std::string> dockerignore;  ///< patterns of <context>/.dockerignore, as written
  std::vector<std::string> base_refs;     ///< base images (FROM), normalised; stages excluded
};
/// Reads <context>/.dockerignore (absent: none) and the Dockerfile's FROM
/// lines. kNotFound names a missing context or Dockerfile.
absl::StatusOr<ImageSources> ReadImageSources(const std::string& dir,
                                              const ResolvedImageBuild& build);

/// The skip-if-unchanged inputs: paths (context, Dockerfile), ignore (the
/// .dockerignore patterns, made relative to the dir) and values (builder,
/// platform, target stage, `build_arg.<NAME>`, `base.<n>`). `produces` is
/// left empty: it is the tagged reference, known after the tag.
UpdateInputs ImageBuildInputs(const ResolvedImageBuild& build, const ImageSources& sources);

/// What Compile() needs from outside the plane.
struct ImageBuildContext {
  std::string dir;       ///< the Tiltfile's directory; paths are relative to it
  std::string revision;  ///< git revision for {git}; "" : not a git work tree
  /// Where the run writes registry logins (RegistryLoginFile(state_dir));
  /// used when a registry of the build names a credential. "" : none.
  std::string login_file;
  /// Hex digest of the inputs for {inputs}; called only when the stage's
  /// template uses it. Unset with such a template: kFailedPrecondition.
  std::function<absl::StatusOr<std::string>(const std::string& dir, const UpdateInputs& inputs)>
      inputs_digest;
};

/// Resolves, reads the sources, tags (refusing release tags), and renders
/// the Resource (kind "image"). Its `deps` are the context and Dockerfile
/// (absolute under the dir) and its `ignore` the .dockerignore patterns, so
/// `fops up` rebuilds when the context changes.
absl::StatusOr<Resource> CompileImageBuild(const BuildPlane& plane, const ImageBuild& build,
                                           const ImageBuildContext& context);

/// The base images of a Dockerfile, in order: FROM references with ARG
/// defaults and `build_args` substituted, normalised when they parse;
/// `scratch` and references to earlier stages are left out.
std::vector<std::string> DockerfileBaseRefs(std::string_view dockerfile,
                                            const std::map<std::string, std::string>& build_args);

}  // namespace fops

#endif  // FOPS_PLAN_IMAGE_BUILD_H_
