#include "fops/base/redact.h"

#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RedactorTest, MasksAddedSecretsEverywhere) {
  Redactor redactor;
  redactor.AddSecret("s3cr3t-canary-value");
  std::string out = redactor.Redact("token=s3cr3t-canary-value and again s3cr3t-canary-value");
  EXPECT_THAT(out, Not(HasSubstr("s3cr3t-canary-value")));
  EXPECT_EQ(out, "token=[REDACTED] and again [REDACTED]");
}

TEST(RedactorTest, ShortValuesAreNotSecrets) {
  Redactor redactor;
  redactor.AddSecret("ab");
  EXPECT_EQ(redactor.Redact("a b ab"), "a b ab");
}

TEST(RedactorTest, FlagWordsAreNotSecrets) {
  Redactor redactor;
  redactor.AddSecret("true");
  redactor.AddSecret("FALSE");
  EXPECT_TRUE(redactor.empty());
  EXPECT_EQ(redactor.Redact("verbose=true strict=false"), "verbose=true strict=false");
}

TEST(RedactorTest, ContainsFindsSecretValuesOnly) {
  Redactor redactor;
  redactor.AddSecret("s3cr3t-canary-value");
  EXPECT_TRUE(redactor.Contains("--token=s3cr3t-canary-value"));
  EXPECT_FALSE(redactor.Contains("--token=other"));
  // A header pattern is masked by Redact() but is no known secret.
  EXPECT_FALSE(redactor.Contains("Authorization: Bearer $TOKEN"));
}

TEST(RedactorTest, MasksAuthorizationHeadersAndUrlPasswords) {
  Redactor redactor;
  EXPECT_EQ(redactor.Redact("Authorization: Bearer abc.def.ghi"),
            "Authorization: Bearer [REDACTED]");
  EXPECT_EQ(redactor.Redact("X-ClickHouse-Key: hunter22"), "X-ClickHouse-Key: [REDACTED]");
  EXPECT_EQ(redactor.Redact("push https://bot:pa55word@ghcr.io/x"),
            "push https://bot:[REDACTED]@ghcr.io/x");
}

TEST(RedactorTest, ReadsSecretLookingEnvironmentVariables) {
  ::setenv("FOPS_TEST_AUTH_TOKEN", "env-canary-4711", 1);
  ::setenv("FOPS_TEST_PLAIN", "visible-value", 1);
  Redactor redactor = Redactor::FromEnvironment();
  EXPECT_EQ(redactor.Redact("env-canary-4711 visible-value"), "[REDACTED] visible-value");
  ::unsetenv("FOPS_TEST_AUTH_TOKEN");
  ::unsetenv("FOPS_TEST_PLAIN");
}

}  // namespace
}  // namespace fops
