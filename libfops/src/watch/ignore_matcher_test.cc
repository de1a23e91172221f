// The root binding; the pattern language itself is IgnorePatterns' and is
// tested in ignore_patterns_test.cc.
#include "fops/watch/ignore_matcher.h"

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::StatusIs;
using ::testing::HasSubstr;

IgnoreMatcher Make(std::vector<std::string> patterns) {
  absl::StatusOr<IgnoreMatcher> m = IgnoreMatcher::Create("/repo", patterns);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.value_or(IgnoreMatcher());
}

TEST(IgnoreMatcherTest, PatternsAreRelativeToTheRoot) {
  IgnoreMatcher m = Make({"*.log", "**/node_modules", "build/"});
  EXPECT_TRUE(m.Matches("/repo/server.log"));
  EXPECT_FALSE(m.Matches("/repo/sub/server.log")) << ".dockerignore: `*.log` is root-only";
  EXPECT_TRUE(m.Matches("/repo/web/ui/node_modules/react/index.js"));
  EXPECT_TRUE(m.Matches("/repo/build/obj/x.o"));
  EXPECT_FALSE(m.Matches("/repo/src/main.go"));
}

TEST(IgnoreMatcherTest, PathsOutsideTheRootAndTheRootItselfAreNeverIgnored) {
  IgnoreMatcher m = Make({"**"});
  EXPECT_TRUE(m.Matches("/repo/anything"));
  EXPECT_FALSE(m.Matches("/repo"));
  EXPECT_FALSE(m.Matches("/other/anything"));
  EXPECT_FALSE(m.Matches("/repo/../other/x"));
}

TEST(IgnoreMatcherTest, AbsolutePatternsUnderTheRootWork) {
  IgnoreMatcher m = Make({"/repo/dist", "!/repo/dist/index.html"});
  EXPECT_TRUE(m.Matches("/repo/dist/app.js"));
  EXPECT_FALSE(m.Matches("/repo/dist/index.html"));
}

TEST(IgnoreMatcherTest, SkipsBlankLinesAndComments) {
  IgnoreMatcher m = Make({"", "  ", "# *.go", "*.tmp"});
  EXPECT_FALSE(m.Matches("/repo/main.go"));
  EXPECT_TRUE(m.Matches("/repo/a.tmp"));
}

TEST(IgnoreMatcherTest, DirectoriesCanBeSkippedUnlessSomethingInsideIsReincluded) {
  IgnoreMatcher plain = Make({"node_modules"});
  EXPECT_TRUE(plain.CanSkipDirectory("/repo/node_modules"));
  IgnoreMatcher reinclude = Make({"dist", "!dist/index.html"});
  EXPECT_FALSE(reinclude.CanSkipDirectory("/repo/dist"));
}

TEST(IgnoreMatcherTest, EmptyMatcherIgnoresNothing) {
  IgnoreMatcher m;
  EXPECT_TRUE(m.empty());
  EXPECT_FALSE(m.Matches("/repo/anything"));
}

TEST(IgnoreMatcherTest, RejectsBadPatternsNamingThem) {
  EXPECT_THAT(IgnoreMatcher::Create("/repo", {"!"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"!\": nothing after '!'")));
  EXPECT_THAT(IgnoreMatcher::Create("/repo", {"src/[a-z"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"src/[a-z\"")));
  EXPECT_THAT(IgnoreMatcher::Create("/repo", {"/etc/passwd"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"/etc/passwd\": outside the project root /repo")));
}

}  // namespace
}  // namespace fops
