// Writes a file so that readers see the old content or the new one, never a
// torn mix: write a temporary beside it, fsync, rename. State that must
// survive faults (mode, input digests, session lock) is written this way.
#ifndef FOPS_BASE_ATOMIC_FILE_H_
#define FOPS_BASE_ATOMIC_FILE_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fops {

/// Replaces `path` with `content` atomically; creates parent directories.
/// `mode`: the new file's permissions (0600 for a file holding a secret).
absl::Status WriteFileAtomic(const std::filesystem::path& path,
                             std::string_view content, unsigned mode = 0644);

/// Reads a whole file; kNotFound when it does not exist.
absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path);

}  // namespace fops

#endif  // FOPS_BASE_ATOMIC_FILE_H_
