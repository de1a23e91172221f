#include "fops/engine/observer.h"

namespace fops {

std::string_view ResourceWaitName(ResourceWait wait) {
  switch (wait) {
    case ResourceWait::kDeps:
      return "deps";
    case ResourceWait::kSlot:
      return "slot";
    case ResourceWait::kInputs:
      return "inputs";
    case ResourceWait::kProbe:
      return "probe";
  }
  return "unknown";
}

}  // namespace fops
