#include "fops/exec/wakeup.h"

#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

TEST(WakeupTest, ANotificationIsNeverLost) {
  Wakeup wakeup;
  EXPECT_FALSE(wakeup.Consume());
  wakeup.Notify();  // before anyone waits
  wakeup.Notify();  // several count as one
  EXPECT_TRUE(wakeup.WaitUntil(absl::InfiniteFuture()));
  EXPECT_FALSE(wakeup.Consume());
}

TEST(WakeupTest, DeadlinePassesWithoutANotification) {
  Wakeup wakeup;
  EXPECT_FALSE(wakeup.WaitUntil(absl::Now() + absl::Milliseconds(5)));
  EXPECT_FALSE(wakeup.WaitUntil(absl::InfinitePast()));
}

TEST(WakeupTest, AnotherThreadWakesAnEndlessWait) {
  Wakeup wakeup;
  std::thread other([&] { wakeup.Notify(); });
  EXPECT_TRUE(wakeup.WaitUntil(absl::InfiniteFuture()));
  other.join();
}

}  // namespace
}  // namespace fops
