#include "fops/exec/line_prefix.h"

#include "gtest/gtest.h"

namespace fops {
namespace {

TEST(PrefixLineTest, RightAlignsShortNamesToThirteenColumns) {
  EXPECT_EQ(PrefixLine("api", "listening"), "          api \u2502 listening");
  EXPECT_EQ(PrefixLine("portal-e2e", "ok"), "   portal-e2e \u2502 ok");
}

TEST(PrefixLineTest, ExactWidthNameHasNoPadding) {
  EXPECT_EQ(PrefixLine("thirteen-char", "x"), "thirteen-char \u2502 x");
}

TEST(PrefixLineTest, LongerNamesAreShownWhole) {
  EXPECT_EQ(PrefixLine("portal-e2e-smoke", "done"), "portal-e2e-smoke \u2502 done");
}

TEST(PrefixLineTest, EmptyLineStillGetsPrefix) {
  EXPECT_EQ(PrefixLine("api", ""), "          api \u2502 ");
}

TEST(PrefixLineTest, NonAsciiNamesAlignByCharacters) {
  // "café" is 4 characters but 5 bytes: 9 spaces of padding, not 8.
  EXPECT_EQ(PrefixLine("caf\u00e9", "x"), "         caf\u00e9 \u2502 x");
}

}  // namespace
}  // namespace fops
