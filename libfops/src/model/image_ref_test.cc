#include "fops/model/image_ref.h"

#include <string>

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

const std::string kSha256 = "sha256:" + std::string(64, 'a');

struct Case {
  const char* text;
  const char* domain;
  const char* path;
  const char* tag;
  const char* digest;
  const char* normalised;
};

TEST(ImageRefTest, ParsesAndNormalisesTheDistributionGrammar) {
  const std::string digest_ref = "ghcr.io/yamonco/api@" + kSha256;
  const std::string both = "ghcr.io/yamonco/api:v1.2.3@" + kSha256;
  const Case cases[] = {
      {"ubuntu", "docker.io", "library/ubuntu", "", "", "docker.io/library/ubuntu"},
      {"ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", "",
       "docker.io/library/ubuntu:22.04"},
      {"user/repo", "docker.io", "user/repo", "", "", "docker.io/user/repo"},
      {"index.docker.io/library/ubuntu", "docker.io", "library/ubuntu", "", "",
       "docker.io/library/ubuntu"},
      {"docker.io/ubuntu", "docker.io", "library/ubuntu", "", "", "docker.io/library/ubuntu"},
      {"localhost/app", "localhost", "app", "", "", "localhost/app"},
      {"localhost:5000/app:dev-1", "localhost:5000", "app", "dev-1", "",
       "localhost:5000/app:dev-1"},
      {"127.0.0.1:5000/a/b/c", "127.0.0.1:5000", "a/b/c", "", "", "127.0.0.1:5000/a/b/c"},
      {"[::1]:5000/app:1", "[::1]:5000", "app", "1", "", "[::1]:5000/app:1"},
      {"[fe80::1]/app", "[fe80::1]", "app", "", "", "[fe80::1]/app"},
      {"nexus.nexus.svc:8082/fractalops/buildcache/dev/runtime", "nexus.nexus.svc:8082",
       "fractalops/buildcache/dev/runtime", "", "",
       "nexus.nexus.svc:8082/fractalops/buildcache/dev/runtime"},
      {"Registry.Example.com/app", "Registry.Example.com", "app", "", "",
       "Registry.Example.com/app"},
      {"a/b__c/d.e/f-g/h---i", "docker.io", "a/b__c/d.e/f-g/h---i", "", "",
       "docker.io/a/b__c/d.e/f-g/h---i"},
      {"app:_Tag.x-1", "docker.io", "library/app", "_Tag.x-1", "",
       "docker.io/library/app:_Tag.x-1"},
      {digest_ref.c_str(), "ghcr.io", "yamonco/api", "", kSha256.c_str(), digest_ref.c_str()},
      {both.c_str(), "ghcr.io", "yamonco/api", "v1.2.3", kSha256.c_str(), both.c_str()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<ImageRef> ref = ImageRef::Parse(c.text);
    ASSERT_THAT(ref, IsOk());
    EXPECT_EQ(ref->domain(), c.domain);
    EXPECT_EQ(ref->path(), c.path);
    EXPECT_EQ(ref->tag(), c.tag);
    EXPECT_EQ(ref->digest(), c.digest);
    EXPECT_EQ(ref->String(), c.normalised);
    // The normalised form parses back to the same reference.
    EXPECT_EQ(*ImageRef::Parse(ref->String()), *ref);
  }
}

TEST(ImageRefTest, FamiliarFormDropsDockerDefaults) {
  EXPECT_EQ(ImageRef::Parse("docker.io/library/ubuntu:22.04")->Familiar(), "ubuntu:22.04");
  EXPECT_EQ(ImageRef::Parse("docker.io/user/repo")->Familiar(), "user/repo");
  EXPECT_EQ(ImageRef::Parse("docker.io/library/a/b")->Familiar(), "library/a/b");
  EXPECT_EQ(ImageRef::Parse("ghcr.io/yamonco/api:dev")->Familiar(), "ghcr.io/yamonco/api:dev");
}

// Found by fuzz/image_ref_fuzzer.cc: the short form must still name the
// same image. Without docker.io/, a first path component with a '.' or
// ':' (or "localhost") is read as a registry, and a bare 64-hex name as an
// image ID.
TEST(ImageRefTest, FamiliarFormParsesBackToTheSameReference) {
  for (const char* text : {"docker.io/localhost/app:1", "index.docker.io/a.b/c",
                           "docker.io/library/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                           "docker.io/library/ubuntu", "docker.io/user/repo:dev"}) {
    absl::StatusOr<ImageRef> ref = ImageRef::Parse(text);
    ASSERT_THAT(ref, IsOk()) << text;
    EXPECT_EQ(ImageRef::Parse(ref->Familiar()).value_or(ImageRef()), *ref)
        << text << " -> " << ref->Familiar();
  }
  EXPECT_EQ(ImageRef::Parse("docker.io/localhost/app:1")->Familiar(), "docker.io/localhost/app:1");
  EXPECT_EQ(ImageRef::Parse("index.docker.io/a.b/c")->Familiar(), "docker.io/a.b/c");
  EXPECT_EQ(ImageRef::Parse("docker.io/library/ubuntu")->Familiar(), "ubuntu");
}

TEST(ImageRefTest, TagAndDigestCanBeReplaced) {
  ImageRef ref = *ImageRef::Parse("ghcr.io/yamonco/api:dev-1");
  EXPECT_EQ(ref.WithTag("staging-2")->String(), "ghcr.io/yamonco/api:staging-2");
  EXPECT_EQ(ref.WithDigest(kSha256)->String(), "ghcr.io/yamonco/api:dev-1@" + kSha256);
  EXPECT_EQ(ref.Name(), "ghcr.io/yamonco/api");
  EXPECT_THAT(ref.WithTag("-bad"), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("must start with a letter, digit or '_'")));
  EXPECT_THAT(ref.WithDigest("md5:abc"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not supported")));
}

struct BadCase {
  std::string text;
  std::string part;  // names which part is wrong
  std::string why;   // and why
};

TEST(ImageRefTest, EveryBadPartIsNamedWithTheReason) {
  const BadCase cases[] = {
      {"", "empty", "empty"},
      {":tag", "name is empty", "empty"},
      {"@" + kSha256, "name is empty", "empty"},
      {"Ubuntu", "path component \"Ubuntu\"", "must be lowercase (found 'U')"},
      {"ghcr.io/Yamonco/api", "path component \"Yamonco\"", "must be lowercase"},
      {"ghcr.io/a//b", "path \"a//b\"", "path component is empty"},
      {"ghcr.io/app/", "path \"app/\"", "path component is empty"},
      {"ghcr.io/-app", "path component \"-app\"", "must start and end with a letter or digit"},
      {"ghcr.io/app-", "path component \"app-\"", "must start and end with a letter or digit"},
      {"ghcr.io/a..b", "separator \"..\"", "is not allowed"},
      {"ghcr.io/a___b", "separator \"___\"", "is not allowed"},
      {"ghcr.io/a._b", "separator \"._\"", "is not allowed"},
      {"ghcr.io/a+b", "path component \"a+b\"", "'+' is not allowed"},
      {"app:", "tag is empty", "nothing after ':'"},
      {"app:-x", "tag \"-x\"", "must start with a letter, digit or '_'"},
      {"app:.x", "tag \".x\"", "must start with a letter, digit or '_'"},
      {"app:a+b", "tag \"a+b\"", "'+' is not allowed"},
      {"app:" + std::string(129, 'a'), "tag \"aaaa", "is 129 characters; at most 128"},
      {"app@", "digest is empty", "nothing after '@'"},
      {"app@sha256", "digest \"sha256\"", "must be 'algorithm:hex'"},
      {"app@sha256:abc", "digest \"sha256:abc\"", "sha256 needs 64 hex digits, found 3"},
      {"app@sha256:" + std::string(64, 'A'), "digest", "lowercase hex digits"},
      {"app@sha256:" + std::string(63, 'a') + "g", "digest", "lowercase hex digits"},
      {"app@md5:" + std::string(32, 'a'), "algorithm \"md5\"",
       "not supported (sha256, sha384, sha512)"},
      {"app@1sha:" + std::string(64, 'a'), "algorithm \"1sha\"", "malformed"},
      {"app@sha512:" + std::string(64, 'a'), "digest", "sha512 needs 128 hex digits, found 64"},
      {"exa_mple.com/app", "domain \"exa_mple.com\"", "'_' is not allowed in a host name"},
      {"-bad.com/app", "domain \"-bad.com\"", "must not start or end with '-'"},
      {"bad..com/app", "domain \"bad..com\"", "empty label"},
      {"host.com:/app", "domain \"host.com:\"", "no port number"},
      {"host.com:5x/app", "domain \"host.com:5x\"", "port \"5x\" must be a decimal number"},
      {"host.com:70000/app", "domain \"host.com:70000\"", "port 70000 is not in 1-65535"},
      {"[::1/app", "domain \"[::1\"", "no closing ']'"},
      {"[::g]/app", "domain \"[::g]\"", "'g' is not allowed in an IPv6 address"},
      {"[]:5000/app", "domain \"[]:5000\"", "IPv6 address is empty"},
      {"[::1]x/app", "domain \"[::1]x\"", "only ':port' may follow"},
      {":5000/app", "domain \":5000\"", "has a port but no host"},
      {std::string(64, 'a'), "image ID", "not a repository name"},
      {"ghcr.io/" + std::string(250, 'a'), "name \"ghcr.io/aaa", "is 258 characters; at most 255"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_THAT(ImageRef::Parse(c.text),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("invalid image reference"), HasSubstr(c.part),
                               HasSubstr(c.why))));
  }
}

TEST(ImageRefTest, FromPartsChecksEachPart) {
  EXPECT_EQ(ImageRef::FromParts("127.0.0.1:5000", "fractalops/runtime", "dev-1")->String(),
            "127.0.0.1:5000/fractalops/runtime:dev-1");
  EXPECT_THAT(ImageRef::FromParts("", "app"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("domain is empty")));
  EXPECT_THAT(ImageRef::FromParts("ghcr.io", ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("path is empty")));
  EXPECT_THAT(ImageRef::FromParts("ghcr.io", "App"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("must be lowercase")));
  EXPECT_THAT(ImageRef::FromParts("ghcr.io", "app", "a b"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("' ' is not allowed")));
}

}  // namespace
}  // namespace fops
