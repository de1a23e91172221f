// How images are built on this host: which builder (buildah where no Docker
// engine runs, docker buildx, or buildctl against a BuildKit daemon) and its
// options. Part of the build plane; a Tiltfile may pick another builder per
// image.
//
//   BuilderSettings settings;           // buildah, vfs storage, chroot isolation
//   settings.kind = BuilderKind::kBuildx;
#ifndef FOPS_MODEL_BUILDER_SETTINGS_H_
#define FOPS_MODEL_BUILDER_SETTINGS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace fops {

enum class BuilderKind {
  kBuildah,   ///< `buildah build` then `buildah push`; needs no daemon
  kBuildx,    ///< `docker buildx build --push`; needs a Docker engine
  kBuildctl,  ///< `buildctl build` against a BuildKit daemon
};

/// "buildah", "buildx" or "buildctl".
std::string_view BuilderKindName(BuilderKind kind);
/// Parses a builder name; kInvalidArgument names the accepted ones.
absl::StatusOr<BuilderKind> ParseBuilderKind(std::string_view name);

struct BuilderSettings {
  BuilderKind kind = BuilderKind::kBuildah;  ///< the default builder
  std::string platform;        ///< default `--platform` ("" : the host's)
  std::string cache_mode = "max";  ///< buildx/buildctl cache export mode: max | min
  struct Buildah {
    std::string storage_driver = "vfs";  ///< vfs | overlay (global --storage-driver)
    std::string isolation = "chroot";    ///< chroot | oci | rootless (--isolation)
    std::string root;     ///< global --root ("" : buildah's default storage)
    std::string runroot;  ///< global --runroot ("" : buildah's default)
  } buildah;              ///< buildah options
  struct Buildx {
    std::string builder;  ///< `--builder NAME` ("" : the current builder)
  } buildx;               ///< docker buildx options
  struct Buildctl {
    std::string addr;     ///< `--addr` of buildkitd ("" : buildctl's default)
  } buildctl;             ///< buildctl options
};

}  // namespace fops

#endif  // FOPS_MODEL_BUILDER_SETTINGS_H_
