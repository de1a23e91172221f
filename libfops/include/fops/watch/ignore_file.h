// Reads an ignore file (`.tiltignore` beside the Tiltfile, as Tilt has it):
// one .dockerignore-syntax pattern a line, relative to the file's
// directory; blank lines and `#` comments are skipped. A bad pattern is an
// error naming the file and its line, so `fops up` refuses to start on it
// rather than watching what the file meant to exclude.
//
//   FOPS_ASSIGN_OR_RETURN(std::vector<std::string> patterns,
//                         ReadIgnoreFile("/repo/.tiltignore"));  // none: {}
//   FOPS_ASSIGN_OR_RETURN(IgnoreMatcher ignore, IgnoreMatcher::Create("/repo", patterns));
#ifndef FOPS_WATCH_IGNORE_FILE_H_
#define FOPS_WATCH_IGNORE_FILE_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace fops {

/// The name of the project-wide ignore file, in the Tiltfile's directory.
inline constexpr char kTiltignore[] = ".tiltignore";

/// The patterns of `file`, in order (`!` ones included); {} when it does
/// not exist. kInvalidArgument "<file>:<line>: ignore pattern ..." for a
/// bad pattern; another error when it exists but cannot be read.
absl::StatusOr<std::vector<std::string>> ReadIgnoreFile(const std::filesystem::path& file);

}  // namespace fops

#endif  // FOPS_WATCH_IGNORE_FILE_H_
