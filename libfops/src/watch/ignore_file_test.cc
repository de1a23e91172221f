// .tiltignore as a file: its lines, comments, errors naming the line, and
// what the patterns it holds exclude (Tilt's .dockerignore semantics,
// relative to the file's directory) once bound with IgnoreMatcher.
#include "fops/watch/ignore_file.h"

#include <fstream>

#include "fops/base/status_matchers.h"
#include "fops/watch/ignore_matcher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

namespace fs = std::filesystem;
using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class IgnoreFileTest : public ::testing::Test {
 protected:
  fs::path Tiltignore(const std::string& text) {
    fs::path file = temp_.path() / kTiltignore;
    std::ofstream(file) << text;
    return file;
  }
  IgnoreMatcher Matcher(const std::string& text) {
    absl::StatusOr<std::vector<std::string>> patterns = ReadIgnoreFile(Tiltignore(text));
    EXPECT_THAT(patterns, IsOk());
    absl::StatusOr<IgnoreMatcher> m =
        IgnoreMatcher::Create(temp_.path(), patterns.value_or(std::vector<std::string>{}));
    EXPECT_THAT(m, IsOk());
    return m.value_or(IgnoreMatcher());
  }
  fs::path P(const std::string& rel) const { return temp_.path() / rel; }

  ::fops::testing::TempDir temp_{"fops-tiltignore"};
};

TEST_F(IgnoreFileTest, NoFileIgnoresNothing) {
  absl::StatusOr<std::vector<std::string>> patterns = ReadIgnoreFile(P(kTiltignore));
  ASSERT_THAT(patterns, IsOk());
  EXPECT_THAT(*patterns, IsEmpty());
}

TEST_F(IgnoreFileTest, LinesAreTrimmedAndCommentsAndBlankLinesSkipped) {
  absl::StatusOr<std::vector<std::string>> patterns =
      ReadIgnoreFile(Tiltignore("# build outputs\n\n  dist  \n**/__pycache__\n!keep.log\n"));
  ASSERT_THAT(patterns, IsOk());
  EXPECT_THAT(*patterns, ElementsAre("dist", "**/__pycache__", "!keep.log"));
}

TEST_F(IgnoreFileTest, ADirectoryPatternCoversEverythingUnderIt) {
  IgnoreMatcher m = Matcher("build\nweb/node_modules/\n");
  EXPECT_TRUE(m.Matches(P("build/obj/a.o")));
  EXPECT_TRUE(m.Matches(P("build")));
  EXPECT_TRUE(m.Matches(P("web/node_modules/react/index.js")));
  EXPECT_FALSE(m.Matches(P("src/build.go")));
  EXPECT_FALSE(m.Matches(P("builder/x")));
}

TEST_F(IgnoreFileTest, PatternsAreRelativeToTheTiltfileDirectoryAsInDockerignore) {
  IgnoreMatcher m = Matcher("*.log\n**/*.pyc\n");
  EXPECT_TRUE(m.Matches(P("server.log")));
  EXPECT_FALSE(m.Matches(P("sub/server.log"))) << "`*` stays in one path component";
  EXPECT_TRUE(m.Matches(P("a/b/__pycache__/m.cpython-311.pyc")));
}

TEST_F(IgnoreFileTest, NegationReincludesAndTheLastMatchWins) {
  IgnoreMatcher m = Matcher("logs\n!logs/keep.log\n*.tmp\n!important.tmp\nimportant.tmp\n");
  EXPECT_TRUE(m.Matches(P("logs/today.log")));
  EXPECT_FALSE(m.Matches(P("logs/keep.log")));
  EXPECT_FALSE(m.CanSkipDirectory(P("logs"))) << "a re-included file lives there";
  EXPECT_TRUE(m.Matches(P("x.tmp")));
  EXPECT_TRUE(m.Matches(P("important.tmp"))) << "ignored again by the last line";
}

TEST_F(IgnoreFileTest, ABadPatternNamesTheFileAndItsLine) {
  fs::path file = Tiltignore("dist\n# fine\n[z-a]\n");
  EXPECT_THAT(ReadIgnoreFile(file),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(file.string() + ":3: ignore pattern \"[z-a]\"")));
  EXPECT_THAT(ReadIgnoreFile(Tiltignore("ok\n!\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(":2: ")));
}

}  // namespace
}  // namespace fops
