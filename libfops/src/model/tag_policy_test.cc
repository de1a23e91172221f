#include "fops/model/tag_policy.h"

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::HasSubstr;

const TagValues kValues{.revision = "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d",
                        .inputs = "00112233445566778899aabbccddeeff",
                        .stage = "dev",
                        .target = "runtime"};

TEST(TagPolicyTest, DevTagsComeFromTheRevisionAndTheInputs) {
  absl::StatusOr<TagPolicy> policy = TagPolicy::Make(
      {{"dev", "dev-{git}-{inputs}"}, {"staging", "staging-{git}"}, {"qa", "{stage}-{target}"}},
      "");
  ASSERT_THAT(policy, IsOk());
  EXPECT_EQ(*policy->TagFor("dev", kValues), "dev-1a2b3c4d5e6f-001122334455");
  EXPECT_EQ(*policy->TagFor("staging", kValues), "staging-1a2b3c4d5e6f");
  EXPECT_EQ(*policy->TagFor("qa", {.stage = "qa", .target = "portal"}), "qa-portal");
  EXPECT_EQ(policy->PrefixFor("dev"), "dev-");
  EXPECT_EQ(policy->TemplateFor("staging"), "staging-{git}");
  EXPECT_THAT(policy->TagFor("prod", kValues),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("no tag template for stage 'prod' (stages: dev, qa, staging)")));
}

TEST(TagPolicyTest, AMissingValueSaysWhatIsNeeded) {
  absl::StatusOr<TagPolicy> policy = TagPolicy::Make({{"dev", "dev-{git}"}}, "");
  ASSERT_THAT(policy, IsOk());
  EXPECT_THAT(policy->TagFor("dev", {.inputs = "abc"}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("{git} needs the git revision")));
  EXPECT_THAT(TagPolicy::Render("x-{inputs}", {}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("{inputs} needs")));
  EXPECT_TRUE(TagPolicy::Uses("dev-{git}", "git"));
  EXPECT_FALSE(TagPolicy::Uses("dev-{git}", "inputs"));
}

TEST(TagPolicyTest, ReleaseTagsAreNeverPushedByTheDevLoop) {
  absl::StatusOr<TagPolicy> policy = TagPolicy::Make({{"dev", "dev-{git}"}}, "");
  ASSERT_THAT(policy, IsOk());
  EXPECT_TRUE(policy->IsRelease("v1.2.3"));
  EXPECT_TRUE(policy->IsRelease("1.2.3-rc.1"));
  EXPECT_FALSE(policy->IsRelease("dev-1a2b"));
  EXPECT_FALSE(policy->IsRelease("latest"));
  EXPECT_THAT(policy->CheckDevLoopPush("dev-1a2b"), IsOk());
  EXPECT_THAT(policy->CheckDevLoopPush("v1.2.3"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("refused by rule release-tags-immutable: tag \"v1.2.3\" is a "
                                 "release tag")));
  // A template that renders a release tag is refused when the plane loads.
  EXPECT_THAT(TagPolicy::Make({{"dev", "v1.0.0"}}, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("renders \"v1.0.0\", which matches the release tag pattern")));
  EXPECT_THAT(TagPolicy::Make({}, "(unclosed"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("is not a valid regular expression")));
}

// Found by fuzz/tag_template_fuzzer.cc: Make tried a template with one
// sample digest, which has letters; "1.2.3{inputs}" passed, and a build
// whose input digest began with twelve digits got a release tag, refused
// only when it was about to be pushed.
TEST(TagPolicyTest, ATemplateThatRendersAReleaseTagForSomeDigestIsRefused) {
  EXPECT_THAT(TagPolicy::Make({{"dev", "1.2.3{inputs}"}}, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("which matches the release tag pattern")));
  EXPECT_THAT(TagPolicy::Make({{"dev", "v{git}.1.0"}}, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("which matches the release tag pattern")));
  absl::StatusOr<TagPolicy> policy = TagPolicy::Make({{"dev", "dev-{git}-{inputs}"}}, "");
  ASSERT_THAT(policy, IsOk());
  EXPECT_THAT(policy->TagFor("dev", {.revision = "1234567890123", .inputs = "000000000000"}),
              IsOk());
}

TEST(TagPolicyTest, ReleaseReferencesArePinnedByDigest) {
  absl::StatusOr<TagPolicy> policy = TagPolicy::Make({}, "");
  ASSERT_THAT(policy, IsOk());
  const std::string digest = "sha256:" + std::string(64, 'e');
  absl::StatusOr<ImageRef> pinned =
      policy->PinRelease(*ImageRef::Parse("ghcr.io/yamonco/api:v1.2.3"), digest);
  ASSERT_THAT(pinned, IsOk());
  EXPECT_EQ(pinned->String(), "ghcr.io/yamonco/api:v1.2.3@" + digest);
  EXPECT_THAT(policy->PinRelease(*ImageRef::Parse("ghcr.io/yamonco/api:dev-1"), digest),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("only release tags")));
  EXPECT_THAT(policy->PinRelease(*ImageRef::Parse("ghcr.io/yamonco/api:v1.2.3"), "sha256:12"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs 64 hex digits")));
}

TEST(TagPolicyTest, TemplatesAreChecked) {
  EXPECT_THAT(TagPolicy::CheckTemplate(""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(TagPolicy::CheckTemplate("a}b"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no matching '{'")));
  EXPECT_THAT(TagPolicy::CheckTemplate("a:{git}"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("':' is not allowed")));
  EXPECT_THAT(TagPolicy::Make({{"dev", "-{git}"}}, ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("renders an invalid tag: tag \"-0123456789ab\"")));
}

}  // namespace
}  // namespace fops
