#include "fops/base/shell_quote.h"

#include "gtest/gtest.h"

namespace fops {
namespace {

TEST(ShellQuoteTest, SafeWordsStayBare) {
  EXPECT_EQ(ShellQuote("helm"), "helm");
  EXPECT_EQ(ShellQuote("--set=image.tag=dev-1a2b"), "--set=image.tag=dev-1a2b");
  EXPECT_EQ(ShellQuote("ghcr.io/yamonco/api:dev@sha256:ab"), "ghcr.io/yamonco/api:dev@sha256:ab");
}

TEST(ShellQuoteTest, QuotesSpacesEmptyAndQuotes) {
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("echo hi"), "'echo hi'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote("$HOME"), "'$HOME'");
}

TEST(ShellQuoteTest, JoinReadsBackAsTheSameArgv) {
  EXPECT_EQ(ShellJoin({"sh", "-c", "echo 'a b' && true"}),
            "sh -c 'echo '\\''a b'\\'' && true'");
}

}  // namespace
}  // namespace fops
