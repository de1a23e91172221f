// .dockerignore patterns (watch/ignore_patterns.h) and their binding to a
// root (watch/ignore_matcher.h). The input is lines: a directory, a path
// under it, then the patterns.
//
// Invariants:
//  - Compile and Create return patterns or kInvalidArgument naming the
//    pattern ("ignore pattern \"...\"");
//  - a directory that is excluded and that CanSkipDirectory says a walk may
//    skip holds nothing that is not excluded (the watcher and the input
//    digest skip it whole, so this is what keeps them exact);
//  - without `!` patterns, whatever is under an excluded directory is
//    excluded too;
//  - the matcher never ignores the root nor a path outside it, and agrees
//    with the patterns on paths under the root.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "fops/watch/ignore_matcher.h"
#include "fops/watch/ignore_patterns.h"
#include "fuzz_check.h"

using fops::fuzz::Require;

namespace {

// A relative path a walk could produce: no empty, "." or ".." component.
bool IsWalkPath(std::string_view path) {
  if (path.empty()) return false;
  for (const std::string& part : fops::fuzz::Split(path, "/")) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> lines = fops::fuzz::Split(fops::fuzz::Text(data, size), "\n");
  if (lines.size() < 2) return 0;
  const std::string dir = lines[0];
  const std::string child = lines[1];
  const std::vector<std::string> patterns(lines.begin() + 2, lines.end());

  absl::StatusOr<fops::IgnorePatterns> compiled = fops::IgnorePatterns::Compile(patterns);
  if (!compiled.ok()) {
    Require(absl::IsInvalidArgument(compiled.status()) &&
                absl::StartsWith(compiled.status().message(), "ignore pattern \""),
            "a bad pattern is kInvalidArgument naming it", compiled.status().ToString());
  } else if (IsWalkPath(dir) && IsWalkPath(child)) {
    const std::string inside = dir + "/" + child;
    const bool excluded = compiled->Excluded(dir);
    if (excluded && compiled->CanSkipDirectory(dir)) {
      Require(compiled->Excluded(inside),
              "nothing under a directory a walk may skip is re-included", inside);
    }
    bool has_exception = false;
    for (const std::string& p : patterns) has_exception = has_exception || absl::StartsWith(p, "!");
    if (excluded && !has_exception) {
      Require(compiled->Excluded(inside), "what is under an excluded directory is excluded",
              inside);
    }
  }

  absl::StatusOr<fops::IgnoreMatcher> matcher = fops::IgnoreMatcher::Create("/fuzz/root", patterns);
  if (!matcher.ok()) {
    Require(absl::IsInvalidArgument(matcher.status()) &&
                absl::StartsWith(matcher.status().message(), "ignore pattern \""),
            "a bad pattern is kInvalidArgument naming it", matcher.status().ToString());
    return 0;
  }
  Require(!matcher->Matches("/fuzz/root"), "the root itself is never ignored");
  Require(!matcher->Matches("/elsewhere/" + child), "a path outside the root is never ignored",
          child);
  if (IsWalkPath(dir) && IsWalkPath(child)) {
    const std::string abs_dir = "/fuzz/root/" + dir;
    const std::string abs_inside = abs_dir + "/" + child;
    if (matcher->Matches(abs_dir) && matcher->CanSkipDirectory(abs_dir)) {
      Require(matcher->Matches(abs_inside),
              "nothing under a directory the watcher skips is re-included", abs_inside);
    }
  }
  return 0;
}
