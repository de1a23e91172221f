// The digest of what an update depends on: every file under its input
// paths (minus the ignore patterns, with Docker's .dockerignore meaning),
// plus its values (build args, platform, builder, base images). Files are
// hashed with XXH3-128. A size/mtime/ctime/inode cache kept in the state
// directory lets an unchanged re-check stat files instead of reading them:
// a 20,000-file build context re-checks in well under 150 ms (figures in
// docs/performance.md). A file modified within the last two seconds of
// being hashed is not trusted from the cache next time (the "racy" case:
// a write in the same timestamp tick).
//
//   InputDigester digester(state_dir / "images" / "runtime-image.cache");
//   FOPS_ASSIGN_OR_RETURN(InputDigest d, digester.Compute("/repo", resource.inputs));
//   d.total;  // 32 hex digits; equal totals mean equal inputs
#ifndef FOPS_WATCH_INPUT_DIGEST_H_
#define FOPS_WATCH_INPUT_DIGEST_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fops/model/resource.h"

namespace fops {

/// One computation's result. `files` is sorted by path.
struct InputDigest {
  std::string total;  ///< XXH3-128 over files, ignore patterns and values (32 hex)
  std::vector<std::pair<std::string, std::string>> files;  ///< path (relative to dir) -> 32 hex
  size_t files_hashed = 0;  ///< files read this time (the rest came from the cache)
};

/// Not thread-safe: one digester per thread (the engine's loop has one).
class InputDigester {
 public:
  /// `cache_path`: where the fast-path cache is kept ("" : no cache, every
  /// file is read every time). Nothing is read until Compute().
  explicit InputDigester(std::filesystem::path cache_path = {});

  /// Never walks into `dir` (the state directory, whose files change on
  /// every check). Matched by device and inode, so any spelling works.
  void ExcludeDirectory(const std::filesystem::path& dir);
  /// Files changed less than `window` before they were hashed are hashed
  /// again next time (default 2 s, for file systems with coarse timestamps).
  void set_racy_window(absl::Duration window) { racy_window_ = window; }

  /// Walks `inputs.paths` under `dir` (a listed file is always included; a
  /// listed directory is walked, honouring `inputs.ignore`), hashes what
  /// changed and updates the cache. kNotFound names a missing input path;
  /// kInvalidArgument a bad ignore pattern.
  absl::StatusOr<InputDigest> Compute(const std::filesystem::path& dir,
                                      const UpdateInputs& inputs);

 private:
  std::filesystem::path cache_path_;
  std::vector<std::filesystem::path> excluded_;
  absl::Duration racy_window_ = absl::Seconds(2);
};

/// Hex XXH3-128 of `bytes` (32 lowercase hex digits).
std::string Xxh128Hex(std::string_view bytes);

}  // namespace fops

#endif  // FOPS_WATCH_INPUT_DIGEST_H_
