#include "fops/exec/scripted_executor.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fops/base/status_matchers.h"
#include "fops/base/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class Lines : public OutputListener {
 public:
  void OnLine(uint64_t id, Stream, std::string_view line) override {
    lines.push_back(absl::StrCat(id, ": ", ToAbsl(line)));
  }
  std::vector<std::string> lines;
};

CommandSpec Shell(uint64_t id, std::string script) {
  return CommandSpec{.id = id, .resource = "r", .argv = {"sh", "-c", std::move(script)}};
}

TEST(GlobMatchTest, StarAndQuestionMark) {
  EXPECT_TRUE(GlobMatch("helm upgrade *", "helm upgrade --install api chart"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("make ?pi", "make api"));
  EXPECT_TRUE(GlobMatch("*a*b*c", "xxaxxbxxbxxc"));
  EXPECT_FALSE(GlobMatch("make ?pi", "make aapi"));
  EXPECT_FALSE(GlobMatch("helm *", "kubectl helm"));
  EXPECT_FALSE(GlobMatch("make", "make api"));
  EXPECT_FALSE(GlobMatch("", "x"));
}

TEST(GlobMatchTest, PathologicalPatternIsFast) {
  std::string text(10000, 'a');
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*b", text));
}

TEST(ScriptedExecutorTest, UnmatchedCommandsSucceedAndAreRecordedInStartOrder) {
  ScriptedExecutor ex;
  Lines out;
  ASSERT_THAT(ex.Start(Shell(1, "make api")), IsOk());
  ASSERT_THAT(ex.Start({.id = 2, .resource = "r", .argv = {"pytest", "-q"}}), IsOk());
  EXPECT_EQ(ex.running(), 2u);
  auto first = ex.Wait(absl::InfiniteFuture(), out);
  auto second = ex.Wait(absl::InfiniteFuture(), out);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->id, 1u);
  EXPECT_TRUE(first->ok());
  EXPECT_EQ(second->id, 2u);
  EXPECT_EQ(ex.running(), 0u);
  ASSERT_EQ(ex.calls().size(), 2u);
  EXPECT_THAT(ex.calls()[1].argv, ElementsAre("pytest", "-q"));
  EXPECT_THAT(out.lines, IsEmpty());
}

TEST(ScriptedExecutorTest, NewestMatchingRuleWinsOnJoinedArgvOrScript) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "make *", .exit_code = 1});
  ex.AddRule({.pattern = "make test", .exit_code = 2, .output = {"FAIL: test_x"}});
  ex.AddRule({.pattern = "helm upgrade --install * --set 'image.tag=dev 1'", .exit_code = 3});
  Lines out;
  ASSERT_THAT(ex.Start(Shell(1, "make test")), IsOk());
  auto r1 = ex.Wait(absl::InfiniteFuture(), out);
  ASSERT_THAT(ex.Start(Shell(2, "make api")), IsOk());
  auto r2 = ex.Wait(absl::InfiniteFuture(), out);
  ASSERT_THAT(ex.Start({.id = 3, .argv = {"helm", "upgrade", "--install", "api", "--set",
                                          "image.tag=dev 1"}}),
              IsOk());
  auto r3 = ex.Wait(absl::InfiniteFuture(), out);
  ASSERT_TRUE(r1 && r2 && r3);
  EXPECT_EQ(r1->exit_code, 2);
  EXPECT_EQ(r2->exit_code, 1);
  EXPECT_EQ(r3->exit_code, 3);  // matched on the shell-quoted argv
  EXPECT_THAT(out.lines, ElementsAre("1: FAIL: test_x"));
}

TEST(ScriptedExecutorTest, DelayOrdersCompletionsInVirtualTime) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "slow", .delay = absl::Minutes(10)});
  ex.AddRule({.pattern = "fast", .delay = absl::Seconds(1)});
  Lines out;
  const absl::Time t0 = ex.clock().Now();
  ASSERT_THAT(ex.Start(Shell(1, "slow")), IsOk());
  ASSERT_THAT(ex.Start(Shell(2, "fast")), IsOk());
  ASSERT_THAT(ex.Start(Shell(3, "instant")), IsOk());
  std::vector<uint64_t> order;
  std::vector<absl::Duration> durations;
  while (auto r = ex.Wait(absl::InfiniteFuture(), out)) {
    order.push_back(r->id);
    durations.push_back(r->duration);
  }
  EXPECT_THAT(order, ElementsAre(3, 2, 1));
  EXPECT_THAT(durations, ElementsAre(absl::ZeroDuration(), absl::Seconds(1), absl::Minutes(10)));
  EXPECT_EQ(ex.clock().Now() - t0, absl::Minutes(10));
}

TEST(ScriptedExecutorTest, DeadlineBeforeTheNextFinishMovesTimeToTheDeadline) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "*", .delay = absl::Hours(1)});
  Lines out;
  const absl::Time t0 = ex.clock().Now();
  ASSERT_THAT(ex.Start(Shell(1, "build")), IsOk());
  EXPECT_FALSE(ex.Wait(t0 + absl::Minutes(30), out).has_value());
  EXPECT_EQ(ex.clock().Now(), t0 + absl::Minutes(30));
  auto r = ex.Wait(absl::InfiniteFuture(), out);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->duration, absl::Hours(1));
}

TEST(ScriptedExecutorTest, CommandTimeoutEndsALongDelayAsTimedOut) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "sleep *", .delay = absl::Minutes(5)});
  Lines out;
  CommandSpec spec = Shell(1, "sleep 300");
  spec.timeout = absl::Seconds(5);
  ASSERT_THAT(ex.Start(spec), IsOk());
  auto r = ex.Wait(absl::InfiniteFuture(), out);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, ExitKind::kTimedOut);
  EXPECT_EQ(r->duration, absl::Seconds(5));
}

TEST(ScriptedExecutorTest, ServeRunsUntilStoppedUnlessARuleGivesAnExit) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "./crashy", .exit_code = 139, .delay = absl::Seconds(2)});
  ex.AddRule({.pattern = "./server", .output = {"listening on :8080"},
              .serve_until_stopped = true});
  Lines out;
  ASSERT_THAT(ex.Start({.id = 1, .argv = {"./server"}, .serve = true}), IsOk());
  ASSERT_THAT(ex.Start({.id = 2, .argv = {"./crashy"}, .serve = true}), IsOk());
  ASSERT_THAT(ex.Start({.id = 3, .argv = {"./unscripted"}, .serve = true}), IsOk());
  auto crashed = ex.Wait(absl::InfiniteFuture(), out);
  ASSERT_TRUE(crashed);
  EXPECT_EQ(crashed->id, 2u);
  EXPECT_EQ(crashed->exit_code, 139);
  EXPECT_THAT(out.lines, ElementsAre("1: listening on :8080"));
  EXPECT_EQ(ex.running(), 2u);
  // Nothing can finish by itself now: a finite deadline just passes.
  EXPECT_FALSE(ex.Wait(ex.clock().Now() + absl::Hours(1), out).has_value());
  ex.Stop(1);
  ex.Stop(3);
  auto a = ex.Wait(absl::InfiniteFuture(), out);
  auto b = ex.Wait(absl::InfiniteFuture(), out);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->kind, ExitKind::kStopped);
  EXPECT_EQ(a->id, 1u);
  EXPECT_EQ(b->id, 3u);
  EXPECT_EQ(ex.running(), 0u);
}

TEST(ScriptedExecutorTest, StoppedCommandDoesNotAlsoFinish) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "*", .delay = absl::Seconds(3)});
  Lines out;
  ASSERT_THAT(ex.Start(Shell(1, "a")), IsOk());
  ASSERT_THAT(ex.Start(Shell(2, "b")), IsOk());
  ex.Stop(1);
  std::vector<std::pair<uint64_t, ExitKind>> got;
  while (auto r = ex.Wait(absl::InfiniteFuture(), out)) got.emplace_back(r->id, r->kind);
  EXPECT_THAT(got, ElementsAre(std::pair{1ul, ExitKind::kStopped},
                               std::pair{2ul, ExitKind::kExited}));
}

TEST(ScriptedExecutorTest, InterruptWakesAWaitBlockedOnServeCommands) {
  ScriptedExecutor ex;
  Lines out;
  ASSERT_THAT(ex.Start({.id = 1, .argv = {"./server"}, .serve = true}), IsOk());
  std::thread waker([&] { ex.Interrupt(); });
  EXPECT_FALSE(ex.Wait(absl::InfiniteFuture(), out).has_value());
  waker.join();
  ex.Abort();
  EXPECT_EQ(ex.running(), 0u);
}

TEST(ScriptedExecutorTest, TenThousandCommands) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "build *", .delay = absl::Milliseconds(5)});
  Lines out;
  for (uint64_t i = 0; i < 10000; ++i) {
    ASSERT_THAT(ex.Start(Shell(i, absl::StrCat("build ", i % 7))), IsOk());
  }
  size_t finished = 0;
  while (ex.Wait(absl::InfiniteFuture(), out)) ++finished;
  EXPECT_EQ(finished, 10000u);
  EXPECT_EQ(ex.calls().size(), 10000u);
}

}  // namespace
}  // namespace fops
