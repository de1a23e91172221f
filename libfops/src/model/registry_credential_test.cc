#include "fops/model/registry_credential.h"

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::HasSubstr;
using Kind = RegistryCredentialSource::Kind;

TEST(RegistryCredentialSourceTest, EncodesAReferenceAndDecodesItBack) {
  const RegistryCredentialSource sources[] = {
      {},
      {.kind = Kind::kNone},
      {.kind = Kind::kAuthFile, .auth_file = "/home/dev/.docker/config.json"},
      {.kind = Kind::kEnv, .token_env = "GHCR_TOKEN"},
      {.kind = Kind::kEnv, .token_env = "GHCR_TOKEN", .username = "yamonco-bot"},
      {.kind = Kind::kEnv, .token_env = "T", .username_env = "U"},
  };
  for (const RegistryCredentialSource& s : sources) {
    absl::StatusOr<RegistryCredentialSource> back = RegistryCredentialSource::Decode(s.Encode());
    ASSERT_THAT(back, IsOk()) << s.Encode();
    EXPECT_EQ(*back, s) << s.Encode();
  }
  EXPECT_EQ(sources[4].Describe(), "$GHCR_TOKEN");
}

TEST(RegistryCredentialSourceTest, AnythingElseIsRefused) {
  for (const char* bad : {"env=", "env", "username=x", "token=abc", "env=T;secret=s"}) {
    EXPECT_THAT(RegistryCredentialSource::Decode(bad),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("not a registry credential source")))
        << bad;
  }
}

}  // namespace
}  // namespace fops
