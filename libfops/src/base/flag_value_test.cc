#include "fops/base/flag_value.h"

#include "gtest/gtest.h"

namespace fops {
namespace {

TEST(FlagValueTest, OnOffOrNeither) {
  for (const char* on : {"1", "true", "yes", "on", "TRUE", " On "}) {
    EXPECT_EQ(ParseFlag(on), true) << on;
  }
  for (const char* off : {"0", "false", "no", "off", "FALSE", " Off "}) {
    EXPECT_EQ(ParseFlag(off), false) << off;
  }
  for (const char* neither : {"", "2", "explain", "enabled"}) {
    EXPECT_EQ(ParseFlag(neither), std::nullopt) << neither;
  }
}

}  // namespace
}  // namespace fops
