#include "fops/model/mode.h"

#include "absl/strings/str_cat.h"
#include "fops/base/string_view.h"

namespace fops {

std::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kDevelopment:
      return "development";
    case Mode::kStaging:
      return "staging";
    case Mode::kDeployment:
      return "deployment";
  }
  return "development";
}

absl::StatusOr<Mode> ParseMode(std::string_view name) {
  if (name == "development" || name == "dev") return Mode::kDevelopment;
  if (name == "staging" || name == "stage") return Mode::kStaging;
  if (name == "deployment" || name == "deploy") return Mode::kDeployment;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown mode '", ToAbsl(name),
                   "' (expected development, staging or deployment)"));
}

}  // namespace fops
