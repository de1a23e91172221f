// .dockerignore patterns with Docker's meaning, so fops skips exactly the
// files the builder never sees: `*` and `?` stay inside one path component,
// `**` spans directories, `[a-z]` classes and `\` escapes work, a leading
// `!` re-includes, the last matching pattern wins, and a pattern that
// matches a directory excludes everything under it. Patterns are relative
// to the directory the walk starts in; leading `/` and `./` are dropped.
//
//   FOPS_ASSIGN_OR_RETURN(IgnorePatterns ignore,
//                         IgnorePatterns::Compile({"node_modules", "**/*.log", "!keep.log"}));
//   ignore.Excluded("web/node_modules/x.js");  // true
//   ignore.Excluded("keep.log");               // false
#ifndef FOPS_WATCH_IGNORE_PATTERNS_H_
#define FOPS_WATCH_IGNORE_PATTERNS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace fops {

/// Immutable once compiled; safe to share between threads.
class IgnorePatterns {
 public:
  /// Compiles patterns as written in a .dockerignore (comments and blank
  /// lines are the caller's to drop). kInvalidArgument for a bad `[` class
  /// or a trailing `\`, naming the pattern.
  static absl::StatusOr<IgnorePatterns> Compile(const std::vector<std::string>& patterns);

  /// True when `path` (relative, '/'-separated) is excluded: the last
  /// pattern that matches it or one of its parent directories decides.
  bool Excluded(std::string_view path) const;

  /// True when nothing under the excluded directory `dir` can be
  /// re-included by a `!` pattern, so a walk may skip it whole.
  bool CanSkipDirectory(std::string_view dir) const;

  /// True when there are no patterns at all.
  bool empty() const { return patterns_.empty(); }

 private:
  enum class TokenKind { kLiteral, kAnyOne, kStar, kAnyDirs, kAnyAll, kClass };
  struct Token {
    TokenKind kind;
    char literal = 0;
    std::string set;  // kClass: ranges as pairs (lo, hi)
    bool negated = false;
  };
  struct Pattern {
    std::string text;  // cleaned, without '!'
    bool exception = false;
    std::vector<Token> tokens;
    std::vector<std::string> components;  // text split on '/', for CanSkipDirectory
  };

  static absl::StatusOr<std::vector<Token>> Tokenize(std::string_view pattern);
  static bool Match(const std::vector<Token>& tokens, size_t ti, std::string_view s, size_t si);
  static bool MatchesOrParent(const Pattern& p, std::string_view path);

  std::vector<Pattern> patterns_;
  bool has_exceptions_ = false;
};

}  // namespace fops

#endif  // FOPS_WATCH_IGNORE_PATTERNS_H_
