#include "fops/base/error_class.h"

#include "gtest/gtest.h"

namespace fops {
namespace {

TEST(ErrorClassTest, GroupsCodesAsUsersMeetThem) {
  EXPECT_EQ(ErrorClassOf(absl::StatusCode::kInvalidArgument), ErrorClass::kConfig);
  EXPECT_EQ(ErrorClassOf(absl::StatusCode::kNotFound), ErrorClass::kConfig);
  EXPECT_EQ(ErrorClassOf(absl::StatusCode::kFailedPrecondition), ErrorClass::kPolicy);
  EXPECT_EQ(ErrorClassOf(absl::StatusCode::kPermissionDenied), ErrorClass::kPolicy);
  EXPECT_EQ(ErrorClassOf(absl::StatusCode::kUnavailable), ErrorClass::kUnavailable);
  EXPECT_EQ(ErrorClassOf(absl::StatusCode::kDeadlineExceeded), ErrorClass::kTimeout);
  EXPECT_EQ(ErrorClassOf(absl::StatusCode::kCancelled), ErrorClass::kExec);
  EXPECT_EQ(ErrorClassOf(absl::StatusCode::kInternal), ErrorClass::kOther);
}

}  // namespace
}  // namespace fops
