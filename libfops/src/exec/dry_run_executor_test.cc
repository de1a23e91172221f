#include "fops/exec/dry_run_executor.h"

#include <thread>

#include "absl/time/clock.h"

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;

class NoLines : public OutputListener {
 public:
  void OnLine(uint64_t, Stream, std::string_view) override { ++count; }
  int count = 0;
};

TEST(DryRunExecutorTest, RecordsAndSucceedsWithoutRunning) {
  DryRunExecutor ex;
  NoLines out;
  ASSERT_THAT(ex.Start({.id = 7, .resource = "api", .argv = {"rm", "-rf", "/nonexistent"}}),
              IsOk());
  auto r = ex.Wait(absl::InfiniteFuture(), out);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, 7u);
  EXPECT_TRUE(r->ok());
  ASSERT_EQ(ex.recorded().size(), 1u);
  EXPECT_EQ(ex.recorded()[0].argv[0], "rm");
  EXPECT_EQ(out.count, 0);
}

TEST(DryRunExecutorTest, ServeCommandsRunUntilStopped) {
  DryRunExecutor ex;
  NoLines out;
  ASSERT_THAT(ex.Start({.id = 1, .argv = {"./server"}, .serve = true}), IsOk());
  EXPECT_EQ(ex.running(), 1u);
  EXPECT_FALSE(ex.Wait(absl::Now(), out).has_value());
  ex.Stop(1);
  auto r = ex.Wait(absl::InfiniteFuture(), out);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, ExitKind::kStopped);
  EXPECT_EQ(ex.running(), 0u);
}

TEST(DryRunExecutorTest, InterruptEndsAnEndlessWait) {
  DryRunExecutor ex;
  NoLines out;
  ASSERT_THAT(ex.Start({.id = 1, .argv = {"./server"}, .serve = true}), IsOk());
  std::thread waker([&] { ex.Interrupt(); });
  EXPECT_FALSE(ex.Wait(absl::InfiniteFuture(), out).has_value());
  waker.join();
}

}  // namespace
}  // namespace fops
