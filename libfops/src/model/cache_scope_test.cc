#include "fops/model/cache_scope.h"

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::StatusIs;
using ::testing::HasSubstr;

TEST(CacheScopeTest, RendersOneRepositoryPerStageAndTarget) {
  absl::StatusOr<CacheScope> scope =
      CacheScope::Make("nexus.nexus.svc:8082", "fractalops", "dev", "runtime");
  ASSERT_TRUE(scope.ok());
  EXPECT_EQ(scope->Ref(), "nexus.nexus.svc:8082/fractalops/buildcache/dev/runtime");
  EXPECT_EQ(scope->Path(), "fractalops/buildcache/dev/runtime");
  EXPECT_NE(*CacheScope::Make("nexus.nexus.svc:8082", "fractalops", "staging", "runtime"),
            *scope);
  EXPECT_NE(*CacheScope::Make("nexus.nexus.svc:8082", "fractalops", "dev", "portal"), *scope);
  EXPECT_EQ(CacheScope::Make("[::1]:5000", "p", "dev", "a")->Ref(), "[::1]:5000/p/buildcache/dev/a");
}

TEST(CacheScopeTest, BadPartsAreNamed) {
  EXPECT_THAT(CacheScope::Make("bad host", "p", "dev", "a"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cache scope registry")));
  EXPECT_THAT(CacheScope::Make("h:1", "P", "dev", "a"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cache scope project: path component \"P\"")));
  EXPECT_THAT(CacheScope::Make("h:1", "p", "dev/x", "a"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cache scope stage")));
  EXPECT_THAT(CacheScope::Make("h:1", "p", "dev", ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cache scope target")));
}

}  // namespace
}  // namespace fops
