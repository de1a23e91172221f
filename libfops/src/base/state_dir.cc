#include "fops/base/state_dir.h"

#include <cstdlib>
#include <system_error>

namespace fops {

std::filesystem::path StateDirFor(const std::filesystem::path& tiltfile_dir) {
  if (const char* env = std::getenv("FOPS_STATE_DIR"); env != nullptr && *env != '\0') {
    return std::filesystem::path(env);
  }
  std::error_code ec;
  std::filesystem::path start = std::filesystem::absolute(tiltfile_dir, ec);
  if (ec) start = tiltfile_dir;
  for (std::filesystem::path dir = start; !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / ".git", ec)) return dir / ".fops";
    if (dir == dir.parent_path()) break;
  }
  return start / ".fops";
}

}  // namespace fops
