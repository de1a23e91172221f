#include "fops/model/builder_settings.h"

#include "absl/strings/str_cat.h"
#include "fops/base/string_view.h"

namespace fops {

std::string_view BuilderKindName(BuilderKind kind) {
  switch (kind) {
    case BuilderKind::kBuildah:
      return "buildah";
    case BuilderKind::kBuildx:
      return "buildx";
    case BuilderKind::kBuildctl:
      return "buildctl";
  }
  return "unknown";
}

absl::StatusOr<BuilderKind> ParseBuilderKind(std::string_view name) {
  if (name == "buildah") return BuilderKind::kBuildah;
  if (name == "buildx") return BuilderKind::kBuildx;
  if (name == "buildctl") return BuilderKind::kBuildctl;
  return absl::InvalidArgumentError(
      absl::StrCat("expected one of buildah, buildx, buildctl; got \"", ToAbsl(name), "\""));
}

}  // namespace fops
