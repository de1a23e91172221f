#include "fops/base/runtime_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fops/base/errno_text.h"
#include "xxhash.h"

namespace fops {

std::filesystem::path PrivateRuntimeDir(std::string_view key) {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  std::filesystem::path base = runtime != nullptr && *runtime != '\0'
                                   ? std::filesystem::path(runtime) / "fops"
                                   : std::filesystem::path(absl::StrCat("/tmp/fops-", getuid()));
  return base / absl::StrFormat("%016x", XXH3_64bits(key.data(), key.size()));
}

std::filesystem::path RegistryLoginFile(const std::filesystem::path& state_dir) {
  return PrivateRuntimeDir(std::filesystem::absolute(state_dir).lexically_normal().string()) /
         "config.json";
}

absl::Status MakePrivateDir(const std::filesystem::path& dir) {
  std::filesystem::path built;
  for (const auto& part : dir) {
    built /= part;
    if (built == built.root_path()) continue;
    if (mkdir(built.c_str(), 0700) != 0 && errno != EEXIST) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot create ", built.string(), ": ", ErrnoText(errno)));
    }
  }
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(dir.string(), ": ", ErrnoText(errno)));
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid != getuid()) {
    return absl::PermissionDeniedError(
        absl::StrCat(dir.string(), " is not a directory of this user: refusing to keep a login there"));
  }
  if ((st.st_mode & 077) != 0 && chmod(dir.c_str(), 0700) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot make ", dir.string(), " private: ", ErrnoText(errno)));
  }
  return absl::OkStatus();
}

}  // namespace fops
