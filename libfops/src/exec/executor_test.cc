#include "fops/exec/executor.h"

#include <csignal>

#include "gtest/gtest.h"

namespace fops {
namespace {

TEST(CommandResultTest, DescribesExitCodes) {
  EXPECT_EQ((CommandResult{.kind = ExitKind::kExited, .exit_code = 0}).Describe(), "exit 0");
  EXPECT_EQ((CommandResult{.kind = ExitKind::kExited, .exit_code = 2}).Describe(), "exit 2");
}

TEST(CommandResultTest, DescribesSignalsByName) {
  EXPECT_EQ((CommandResult{.kind = ExitKind::kSignaled, .signal = SIGSEGV}).Describe(),
            "killed by SIGSEGV");
  EXPECT_EQ((CommandResult{.kind = ExitKind::kSignaled, .signal = SIGKILL}).Describe(),
            "killed by SIGKILL");
}

TEST(CommandResultTest, DescribesUnnamedSignalByNumber) {
  EXPECT_EQ((CommandResult{.kind = ExitKind::kSignaled, .signal = 250}).Describe(),
            "killed by signal 250");
}

TEST(CommandResultTest, DescribesTimeoutAndStop) {
  EXPECT_EQ((CommandResult{.kind = ExitKind::kTimedOut}).Describe(), "timed out");
  EXPECT_EQ((CommandResult{.kind = ExitKind::kStopped}).Describe(), "stopped");
}

TEST(CommandResultTest, OnlyExitZeroIsOk) {
  EXPECT_TRUE((CommandResult{.kind = ExitKind::kExited, .exit_code = 0}).ok());
  EXPECT_FALSE((CommandResult{.kind = ExitKind::kExited, .exit_code = 1}).ok());
  EXPECT_FALSE((CommandResult{.kind = ExitKind::kStopped}).ok());
  EXPECT_FALSE((CommandResult{.kind = ExitKind::kTimedOut}).ok());
}

}  // namespace
}  // namespace fops
