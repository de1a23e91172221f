#include "fops/cli/ci_args.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(CiArgsTest, ReadsWhatArgparseReads) {
  std::optional<CiArgs> args = ParseCiArgs(
      {"ci", "-f", "x/Tiltfile.py", "--max-parallel=4", "--timeout", "1h30m", "--force", "api",
       "web", "--", "--worker", "-f"});
  ASSERT_TRUE(args.has_value());
  EXPECT_EQ(args->file, "x/Tiltfile.py");
  EXPECT_EQ(args->max_parallel, 4);
  EXPECT_EQ(args->timeout, absl::Minutes(90));
  EXPECT_TRUE(args->force);
  EXPECT_THAT(args->resources, ElementsAre("api", "web"));
  EXPECT_THAT(args->tiltfile_args, ElementsAre("--worker", "-f"));
}

TEST(CiArgsTest, DefaultsAreTheCommandsDefaults) {
  std::optional<CiArgs> args = ParseCiArgs({"ci"});
  ASSERT_TRUE(args.has_value());
  EXPECT_EQ(args->file, "Tiltfile.py");
  EXPECT_EQ(args->max_parallel, 0);
  EXPECT_EQ(args->timeout, absl::ZeroDuration());
  EXPECT_FALSE(args->force);
  EXPECT_THAT(args->resources, IsEmpty());
  EXPECT_THAT(args->tiltfile_args, IsEmpty());
}

TEST(CiArgsTest, OptionSpellingsArgparseAccepts) {
  EXPECT_EQ(ParseCiArgs({"ci", "--file=a.py"})->file, "a.py");
  EXPECT_EQ(ParseCiArgs({"ci", "--file", "a.py"})->file, "a.py");
  EXPECT_EQ(ParseCiArgs({"ci", "-fa.py"})->file, "a.py");
  EXPECT_EQ(ParseCiArgs({"ci", "--max-parallel", "2"})->max_parallel, 2);
  EXPECT_EQ(ParseCiArgs({"ci", "--timeout=90"})->timeout, absl::Seconds(90));
}

// Everything else goes to Python, whose argparse gives the message and exit 2.
TEST(CiArgsTest, LeavesToPythonWhatItIsNotSureOf) {
  EXPECT_FALSE(ParseCiArgs({}).has_value());
  EXPECT_FALSE(ParseCiArgs({"up"}).has_value());
  EXPECT_FALSE(ParseCiArgs({"ci", "--help"}).has_value());
  EXPECT_FALSE(ParseCiArgs({"ci", "-h"}).has_value());
  EXPECT_FALSE(ParseCiArgs({"ci", "--forc"}).has_value());  // an abbreviation
  EXPECT_FALSE(ParseCiArgs({"ci", "--max-parallel", "0"}).has_value());
  EXPECT_FALSE(ParseCiArgs({"ci", "--max-parallel", "two"}).has_value());
  EXPECT_FALSE(ParseCiArgs({"ci", "--max-parallel"}).has_value());
  EXPECT_FALSE(ParseCiArgs({"ci", "--timeout", "0"}).has_value());
  EXPECT_FALSE(ParseCiArgs({"ci", "--timeout", "5 minutes"}).has_value());
  EXPECT_FALSE(ParseCiArgs({"ci", "-f"}).has_value());
  EXPECT_FALSE(ParseCiArgs({"ci", "-f", "--force"}).has_value());
  // argparse refuses an option between RESOURCE names ("unrecognized arguments").
  EXPECT_FALSE(ParseCiArgs({"ci", "api", "--force", "web"}).has_value());
}

TEST(CiArgsTest, DurationsAsFopsDurationsParseReadsThem) {
  EXPECT_EQ(ParseDurationArg("90"), absl::Seconds(90));
  EXPECT_EQ(ParseDurationArg("1.5"), absl::Milliseconds(1500));
  EXPECT_EQ(ParseDurationArg("250ms"), absl::Milliseconds(250));
  EXPECT_EQ(ParseDurationArg("5m"), absl::Minutes(5));
  EXPECT_EQ(ParseDurationArg("1h30m"), absl::Minutes(90));
  EXPECT_EQ(ParseDurationArg("2us"), absl::Microseconds(2));
  EXPECT_EQ(ParseDurationArg("1.5s"), absl::Milliseconds(1500));
  EXPECT_FALSE(ParseDurationArg("").has_value());
  EXPECT_FALSE(ParseDurationArg("-5").has_value());
  EXPECT_FALSE(ParseDurationArg("5x").has_value());
  EXPECT_FALSE(ParseDurationArg("m").has_value());
  EXPECT_FALSE(ParseDurationArg("1h 30m").has_value());
}

}  // namespace
}  // namespace fops
