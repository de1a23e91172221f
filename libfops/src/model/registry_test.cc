#include "fops/model/registry.h"

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::HasSubstr;

const Registry kFinal{.name = "ghcr", .role = Registry::Role::kFinal, .host = "ghcr.io"};
const Registry kMirror{.name = "nexus-docker-group", .role = Registry::Role::kMirror,
                       .host = "nexus.nexus.svc:8083"};
const Registry kCache{.name = "nexus-buildcache", .role = Registry::Role::kCache,
                      .host = "nexus.nexus.svc:8082"};

TEST(RegistryTest, EachRoleAllowsOnlyItsJob) {
  EXPECT_THAT(kFinal.CheckImagePush("ghcr.io/yamonco/api:dev-1"), IsOk());
  EXPECT_THAT(kCache.CheckCacheUse("nexus.nexus.svc:8082/p/buildcache/dev/api"), IsOk());
  EXPECT_THAT(kCache.CheckImagePush("nexus.nexus.svc:8082/api:dev-1"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("refused by rule cache-only: pushing image "
                                 "nexus.nexus.svc:8082/api:dev-1 would use registry "
                                 "'nexus-buildcache' (nexus.nexus.svc:8082, role cache)")));
  EXPECT_THAT(kMirror.CheckImagePush("x"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("refused by rule mirror-pull-only")));
  EXPECT_THAT(kMirror.CheckCacheUse("x"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("a mirror is only pulled from")));
  EXPECT_THAT(kFinal.CheckCacheUse("ghcr.io/yamonco/cache"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("refused by rule final-images-only: build cache "
                                 "ghcr.io/yamonco/cache would use registry 'ghcr'")));
}

TEST(RegistryTest, RoleNamesRoundTrip) {
  for (Registry::Role role :
       {Registry::Role::kFinal, Registry::Role::kMirror, Registry::Role::kCache}) {
    EXPECT_EQ(*Registry::ParseRole(Registry::RoleName(role)), role);
  }
  EXPECT_THAT(Registry::ParseRole("push"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected one of final, mirror, cache; got \"push\"")));
}

}  // namespace
}  // namespace fops
