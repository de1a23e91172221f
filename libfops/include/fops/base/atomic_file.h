// Writes a file so that readers see the old content or the new one, never a
// torn mix: write a temporary beside it, fsync, rename. State that must
// survive faults (mode, input digests, session lock) is written this way.
// State that matters only while the machine stays up (which processes a
// fops process runs: a power loss ends them too) skips the fsync.
//
// The temporary is `<file>.tmp.<writer's pid>`. A writer killed before its
// rename leaves it behind; the next successful write of the same file
// removes such leftovers of writers that no longer run, so they neither
// pile up nor stay as half-written files in the state directory.
#ifndef FOPS_BASE_ATOMIC_FILE_H_
#define FOPS_BASE_ATOMIC_FILE_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fops {

/// What a write must survive.
enum class Durability {
  kPowerLoss,     ///< fsync before the rename: the old or new content after a machine crash
  kProcessCrash,  ///< no fsync: the old or new content after the writer dies (kill -9)
};

/// Replaces `path` with `content` atomically; creates parent directories.
/// `mode`: the new file's permissions (0600 for a file holding a secret).
/// On success, removes temporaries of `path` that dead writers left.
absl::Status WriteFileAtomic(const std::filesystem::path& path, std::string_view content,
                             unsigned mode = 0644,
                             Durability durability = Durability::kPowerLoss);

/// Removes the temporaries WriteFileAtomic left in `dir` when their writer
/// died before renaming them (`<name>.tmp.<pid>` of a process that no
/// longer runs); with `only_for`, only those of the file of that name.
/// Best effort: returns how many it removed.
int RemoveAbandonedTemporaries(const std::filesystem::path& dir, std::string_view only_for = "");

/// Reads a whole file; kNotFound when it does not exist.
absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path);

}  // namespace fops

#endif  // FOPS_BASE_ATOMIC_FILE_H_
