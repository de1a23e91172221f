#include "fops/cli/exit_code.h"

#include "gtest/gtest.h"

namespace fops {
namespace {

// The native command's exit codes are those the Python command gives for
// the exception the same status raises (fops/cli.py).
TEST(ExitCodeTest, ExitCodesFollowTheErrorClass) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), 0);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("x")), 2);
  EXPECT_EQ(ExitCodeFor(absl::FailedPreconditionError("x")), 3);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("x")), 1);
  EXPECT_EQ(ExitCodeFor(absl::InternalError("x")), 1);
}

}  // namespace
}  // namespace fops
