#include "fops/net/registry_login_file.h"

#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "fops/base/atomic_file.h"
#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"
#include "support/write_file.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "canary-login-9a8b7c";

TEST(RegistryLoginFileTest, FindsTheHostsLoginInEitherFormat) {
  testing::TempDir dir("fops-login-file");
  const std::string auth = absl::Base64Escape(std::string("dev:") + kSecret);
  testing::WriteTestFile(dir.path() / "auth.json",
                         R"({"auths": {"ghcr.io": {"auth": ")" + auth +
                             R"("}, "https://index.docker.io/v1/": {"auth": ")" + auth +
                             R"("}, "helper.example.com": {}}, "credHelpers": {"x": "y"}})");
  absl::StatusOr<std::optional<RegistryCredential>> ghcr =
      ReadLoginFile(dir.path() / "auth.json", "ghcr.io");
  ASSERT_THAT(ghcr, IsOk());
  ASSERT_TRUE(ghcr->has_value());
  EXPECT_EQ((*ghcr)->username, "dev");
  EXPECT_EQ((*ghcr)->secret, kSecret);
  EXPECT_TRUE(ReadLoginFile(dir.path() / "auth.json", "docker.io")->has_value());
  EXPECT_FALSE(ReadLoginFile(dir.path() / "auth.json", "quay.io")->has_value());
  EXPECT_FALSE(ReadLoginFile(dir.path() / "auth.json", "helper.example.com")->has_value());
  EXPECT_FALSE(ReadLoginFile(dir.path() / "missing.json", "ghcr.io")->has_value());
}

TEST(RegistryLoginFileTest, AFileThatIsNotALoginFileIsNamedWithoutItsContents) {
  testing::TempDir dir("fops-login-file");
  testing::WriteTestFile(dir.path() / "bad.json", std::string("{\"auths\": {\"ghcr.io\": {\"auth\": \"") +
                                                      kSecret + "\"}}}");
  EXPECT_THAT(ReadLoginFile(dir.path() / "bad.json", "ghcr.io"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr("bad.json: not a registry login file"),
                                        Not(HasSubstr(kSecret)))));
  testing::WriteTestFile(dir.path() / "text", "auths = yes");
  EXPECT_THAT(ReadLoginFile(dir.path() / "text", "ghcr.io"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a JSON object")));
}

TEST(RegistryLoginFileTest, WritesAPrivateFileTheReaderReadsBack) {
  testing::TempDir dir("fops-login-file");
  const std::filesystem::path file = dir.path() / "run/fops/abc/config.json";
  ASSERT_THAT(WriteLoginFile(file, {{"127.0.0.1:5000", {.username = "dev", .secret = kSecret}}}),
              IsOk());
  struct stat st;
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(file.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  absl::StatusOr<std::optional<RegistryCredential>> back = ReadLoginFile(file, "127.0.0.1:5000");
  ASSERT_THAT(back, IsOk());
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ((*back)->secret, kSecret);
}

}  // namespace
}  // namespace fops
