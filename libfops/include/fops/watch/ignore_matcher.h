// A resource's `ignore=` patterns bound to the directory they are written
// relative to (the Tiltfile's), for callers that hold absolute paths: the
// file watcher and the engine, deciding whether a changed file re-runs a
// resource. The matching itself is IgnorePatterns' (.dockerignore
// semantics: `*` within one component, so `*.log` is root-only and
// `**/*.log` is everywhere; a directory's pattern covers what is under it;
// `!` re-includes; the last match wins). Absolute patterns under the root
// are taken relative to it.
//
//   FOPS_ASSIGN_OR_RETURN(IgnoreMatcher ignore,
//       IgnoreMatcher::Create("/repo", {"**/node_modules", "*.log", "!keep.log"}));
//   ignore.Matches("/repo/web/node_modules/x.js");  // true
//   ignore.Matches("/repo/keep.log");                // false
//   ignore.Matches("/elsewhere/a.log");              // false: outside the root
#ifndef FOPS_WATCH_IGNORE_MATCHER_H_
#define FOPS_WATCH_IGNORE_MATCHER_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fops/watch/ignore_patterns.h"

namespace fops {

/// Immutable once built; thread-safe to share.
class IgnoreMatcher {
 public:
  /// Compiles `patterns` relative to `root` (an absolute directory); blank
  /// entries and `#` comments are skipped. kInvalidArgument naming the
  /// pattern for a bad `[` class, a trailing `\`, a bare `!`, or an
  /// absolute pattern outside `root`.
  static absl::StatusOr<IgnoreMatcher> Create(const std::filesystem::path& root,
                                              const std::vector<std::string>& patterns);

  /// An empty matcher: ignores nothing.
  IgnoreMatcher() = default;

  /// True when the absolute `path` is ignored; never for a path outside
  /// the root, nor for the root itself.
  bool Matches(const std::filesystem::path& path) const;

  /// True when the ignored directory `dir` (absolute) holds nothing a `!`
  /// pattern could re-include, so a watcher or walk may skip it whole.
  bool CanSkipDirectory(const std::filesystem::path& dir) const;

  /// True when no pattern was given.
  bool empty() const { return patterns_.empty(); }

 private:
  /// `path` relative to root_ ('/'-separated), or "" when outside it.
  std::string Relative(const std::filesystem::path& path) const;

  std::filesystem::path root_;
  IgnorePatterns patterns_;
};

}  // namespace fops

#endif  // FOPS_WATCH_IGNORE_MATCHER_H_
