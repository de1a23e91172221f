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

// Found by fuzz/shell_words_fuzzer.cc: a bare first word `A=b` is an
// assignment to a shell and `time` or `if` a reserved word, so the printed
// line ran another command than the argv.
TEST(ShellQuoteTest, JoinQuotesAFirstWordTheShellWouldNotRun) {
  EXPECT_EQ(ShellJoin({"A=b", "make"}), "'A=b' make");
  EXPECT_EQ(ShellJoin({"time", "make"}), "'time' make");
  EXPECT_EQ(ShellJoin({"if"}), "'if'");
  EXPECT_EQ(ShellJoin({"make", "A=b", "if"}), "make A=b if");
}

}  // namespace
}  // namespace fops
