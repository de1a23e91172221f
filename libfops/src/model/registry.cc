#include "fops/model/registry.h"

#include "absl/strings/str_cat.h"
#include "fops/base/string_view.h"

namespace fops {

std::string_view Registry::RoleName(Role role) {
  switch (role) {
    case Role::kFinal:
      return "final";
    case Role::kMirror:
      return "mirror";
    case Role::kCache:
      return "cache";
  }
  return "unknown";
}

absl::StatusOr<Registry::Role> Registry::ParseRole(std::string_view name) {
  if (name == "final") return Role::kFinal;
  if (name == "mirror") return Role::kMirror;
  if (name == "cache") return Role::kCache;
  return absl::InvalidArgumentError(
      absl::StrCat("expected one of final, mirror, cache; got \"", ToAbsl(name), "\""));
}

std::string_view Registry::RuleFor(Role role) {
  switch (role) {
    case Role::kFinal:
      return "the final registry holds final images only; it is never a build cache";
    case Role::kMirror:
      return "a mirror is only pulled from; no image or cache is ever pushed to it";
    case Role::kCache:
      return "the cache registry takes build cache import/export only; no image is pushed to it";
  }
  return "";
}

namespace {

std::string_view RuleName(Registry::Role role) {
  switch (role) {
    case Registry::Role::kFinal:
      return kRuleFinalImagesOnly;
    case Registry::Role::kMirror:
      return kRuleMirrorPullOnly;
    case Registry::Role::kCache:
      return kRuleCacheOnly;
  }
  return "";
}

absl::Status Refuse(const Registry& r, std::string_view action, std::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat(
      "refused by rule ", ToAbsl(RuleName(r.role)), ": ", ToAbsl(action), " ", ToAbsl(what),
      " would use registry '", r.name, "' (", r.host, ", role ", ToAbsl(Registry::RoleName(r.role)),
      "); ", ToAbsl(Registry::RuleFor(r.role))));
}

}  // namespace

absl::Status Registry::CheckImagePush(std::string_view what) const {
  if (role == Role::kFinal) return absl::OkStatus();
  return Refuse(*this, "pushing image", what);
}

absl::Status Registry::CheckCacheUse(std::string_view what) const {
  if (role == Role::kCache) return absl::OkStatus();
  return Refuse(*this, "build cache", what);
}

}  // namespace fops
