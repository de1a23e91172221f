#include "fops/cli/cached_ci.h"

#include <cstdlib>

#include "gtest/gtest.h"

namespace fops {
namespace {

// The Python command asks the same function, so both read it alike.
TEST(PlanCacheSettingTest, ReadsFopsPlanCache) {
  ::unsetenv("FOPS_PLAN_CACHE");
  EXPECT_EQ(PlanCacheSetting(), "on");
  for (const char* off : {"0", "off", "false", "no", " OFF ", "No"}) {
    ::setenv("FOPS_PLAN_CACHE", off, 1);
    EXPECT_EQ(PlanCacheSetting(), "off") << off;
  }
  ::setenv("FOPS_PLAN_CACHE", "explain", 1);
  EXPECT_EQ(PlanCacheSetting(), "explain");
  ::setenv("FOPS_PLAN_CACHE", "1", 1);
  EXPECT_EQ(PlanCacheSetting(), "on");
  ::unsetenv("FOPS_PLAN_CACHE");
}

}  // namespace
}  // namespace fops
