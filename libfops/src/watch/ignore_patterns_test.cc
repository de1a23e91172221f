#include "fops/watch/ignore_patterns.h"

#include <string>
#include <vector>

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::HasSubstr;

IgnorePatterns Compile(const std::vector<std::string>& patterns) {
  absl::StatusOr<IgnorePatterns> p = IgnorePatterns::Compile(patterns);
  EXPECT_THAT(p, IsOk());
  return *p;
}

TEST(IgnorePatternsTest, StarStaysInOneComponent) {
  IgnorePatterns p = Compile({"*.log", "build/*.o"});
  EXPECT_TRUE(p.Excluded("a.log"));
  EXPECT_FALSE(p.Excluded("logs/a.log"));  // Docker: no implicit **/
  EXPECT_TRUE(p.Excluded("build/x.o"));
  EXPECT_FALSE(p.Excluded("build/sub/x.o"));
  EXPECT_FALSE(p.Excluded("a.logx"));
}

TEST(IgnorePatternsTest, DoubleStarSpansDirectories) {
  IgnorePatterns p = Compile({"**/*.pyc", "docs/**", "a/**/z"});
  EXPECT_TRUE(p.Excluded("x.pyc"));
  EXPECT_TRUE(p.Excluded("pkg/sub/x.pyc"));
  EXPECT_TRUE(p.Excluded("docs/a/b/c.md"));
  EXPECT_TRUE(p.Excluded("a/z"));
  EXPECT_TRUE(p.Excluded("a/b/c/z"));
  EXPECT_FALSE(p.Excluded("a/b/c/zz"));
  EXPECT_FALSE(p.Excluded("docsx/a"));
}

TEST(IgnorePatternsTest, ADirectoryPatternExcludesWhatIsUnderIt) {
  IgnorePatterns p = Compile({"node_modules", "/dist/", "./tmp"});
  EXPECT_TRUE(p.Excluded("node_modules"));
  EXPECT_TRUE(p.Excluded("node_modules/react/index.js"));
  EXPECT_FALSE(p.Excluded("web/node_modules/x"));  // only at the root, as in Docker
  EXPECT_TRUE(p.Excluded("dist/app.js"));
  EXPECT_TRUE(p.Excluded("tmp/x"));
}

TEST(IgnorePatternsTest, ExceptionsReIncludeAndTheLastMatchWins) {
  IgnorePatterns p = Compile({"*.md", "!README.md", "README*.md"});
  EXPECT_TRUE(p.Excluded("CHANGES.md"));
  EXPECT_TRUE(p.Excluded("README.md"));  // re-excluded by the last pattern
  IgnorePatterns q = Compile({"docs", "!docs/keep.md"});
  EXPECT_TRUE(q.Excluded("docs/other.md"));
  EXPECT_FALSE(q.Excluded("docs/keep.md"));
  EXPECT_FALSE(q.CanSkipDirectory("docs"));   // something inside may come back
  EXPECT_TRUE(q.CanSkipDirectory("other"));
  IgnorePatterns r = Compile({"**", "!src/**/*.go"});
  EXPECT_TRUE(r.Excluded("vendor/x.go"));
  EXPECT_FALSE(r.Excluded("src/a/b.go"));
  EXPECT_FALSE(r.CanSkipDirectory("src"));
  EXPECT_TRUE(r.CanSkipDirectory("vendor"));
  EXPECT_TRUE(Compile({"build"}).CanSkipDirectory("build"));
}

// Found with fuzz/ignore_patterns_fuzzer.cc's invariant (nothing under a
// directory a walk may skip is re-included): `!docs\/keep.md` re-includes
// docs/keep.md (an escaped '/' is a '/'), but CanSkipDirectory cut the
// pattern at that '/', could not read "docs\" alone and let the watcher and
// the input digest skip docs/ whole.
TEST(IgnorePatternsTest, AnExceptionWithAnEscapedSlashKeepsItsDirectoryWalked) {
  IgnorePatterns p = Compile({"docs", "!docs\\/keep.md"});
  EXPECT_TRUE(p.Excluded("docs"));
  EXPECT_FALSE(p.Excluded("docs/keep.md"));
  EXPECT_FALSE(p.CanSkipDirectory("docs"));
}

TEST(IgnorePatternsTest, ClassesAndEscapes) {
  IgnorePatterns p = Compile({"file[0-9].txt", "x[!a].c", "lit\\*eral", "?.tmp"});
  EXPECT_TRUE(p.Excluded("file7.txt"));
  EXPECT_FALSE(p.Excluded("filex.txt"));
  EXPECT_TRUE(p.Excluded("xb.c"));
  EXPECT_FALSE(p.Excluded("xa.c"));
  EXPECT_TRUE(p.Excluded("lit*eral"));
  EXPECT_FALSE(p.Excluded("litXeral"));
  EXPECT_TRUE(p.Excluded("a.tmp"));
  EXPECT_FALSE(p.Excluded("ab.tmp"));
}

TEST(IgnorePatternsTest, CleansLikeDocker) {
  IgnorePatterns p = Compile({"a/../b", "c//d/", "!", "   "});
  EXPECT_TRUE(p.Excluded("b"));
  EXPECT_TRUE(p.Excluded("c/d/e"));
  EXPECT_FALSE(p.Excluded("a"));
  EXPECT_TRUE(Compile({}).empty());
}

TEST(IgnorePatternsTest, BadPatternsAreNamed) {
  EXPECT_THAT(IgnorePatterns::Compile({"a[bc"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("ignore pattern \"a[bc\": '[' at offset 1 has no closing ']'")));
  EXPECT_THAT(IgnorePatterns::Compile({"abc\\"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unfinished '\\' escape")));
  EXPECT_THAT(IgnorePatterns::Compile({"[z-a]"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("range z-a is reversed")));
}

}  // namespace
}  // namespace fops
