#include "fops/cli/exit_code.h"

#include "fops/base/error_class.h"

namespace fops {

int ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  switch (ErrorClassOf(status.code())) {
    case ErrorClass::kConfig:
      return kExitConfig;
    case ErrorClass::kPolicy:
      return kExitPolicy;
    default:
      return kExitFailed;
  }
}

}  // namespace fops
