#include "fops/model/cache_scope.h"

#include "absl/strings/str_cat.h"
#include "fops/base/string_view.h"
#include "fops/model/image_ref.h"

namespace fops {

absl::StatusOr<CacheScope> CacheScope::Make(std::string_view registry_host,
                                            std::string_view project, std::string_view stage,
                                            std::string_view target) {
  auto check = [](std::string_view what, std::string_view value) -> absl::Status {
    absl::Status s = ImageRef::CheckPathComponent(value);
    if (s.ok()) return s;
    return absl::InvalidArgumentError(
        absl::StrCat("cache scope ", ToAbsl(what), ": ", s.message()));
  };
  if (absl::Status s = ImageRef::CheckDomain(registry_host); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("cache scope registry: ", s.message()));
  }
  if (absl::Status s = check("project", project); !s.ok()) return s;
  if (absl::Status s = check("stage", stage); !s.ok()) return s;
  if (absl::Status s = check("target", target); !s.ok()) return s;
  CacheScope scope;
  scope.registry_host_ = std::string(registry_host);
  scope.project_ = std::string(project);
  scope.stage_ = std::string(stage);
  scope.target_ = std::string(target);
  return scope;
}

std::string CacheScope::Path() const {
  return absl::StrCat(project_, "/buildcache/", stage_, "/", target_);
}

std::string CacheScope::Ref() const { return absl::StrCat(registry_host_, "/", Path()); }

}  // namespace fops
