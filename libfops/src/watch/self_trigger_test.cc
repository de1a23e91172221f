// The self-trigger rule on its own, with explicit times: a resource's own
// writes during its runs pause it on the third re-run in a row; a person's
// edits never do, however often they land while it runs.
#include "fops/watch/self_trigger.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::testing::HasSubstr;

const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
absl::Time At(int ms) { return t0 + absl::Milliseconds(ms); }

// One run of resource 0 from `start` to `end`; `written` changed at `when`.
struct Loop {
  SelfTriggerGuard guard{"/repo", 1};
  // Returns what the re-run the changes ask for would do: true = paused.
  bool Run(int start, int end, std::vector<FileChange> changes) {
    guard.RunStarted(0, At(start));
    guard.RunEnded(0, At(end));
    guard.Changed(0, changes);
    return guard.ShouldPause(0);
  }
};

TEST(SelfTriggerTest, ACommandWritingItsOwnDepsIsPausedOnItsThirdReRunInARow) {
  Loop loop;
  // Each run writes out/stamp.txt while it runs; the batch arrives after.
  EXPECT_FALSE(loop.Run(0, 10, {{"/repo/out/stamp.txt", At(5)}}));
  EXPECT_FALSE(loop.Run(30, 40, {{"/repo/out/stamp.txt", At(35)}}));
  EXPECT_TRUE(loop.Run(60, 70, {{"/repo/out/stamp.txt", At(65)}}));
  EXPECT_TRUE(loop.guard.paused(0));
  EXPECT_EQ(loop.guard.Reason(0, "gen", "local"),
            "paused: it re-triggered itself 3 times in a row by writing in its own deps: "
            "out/stamp.txt; add ignore=['out/stamp.txt'] to local_resource('gen') or the line "
            "out/stamp.txt to .tiltignore; an edit or `fops trigger gen` resumes it");
}

TEST(SelfTriggerTest, AFileItDeletesIsItsOwnThoughStampedJustAfterTheRunEnds) {
  Loop loop;
  // A gone file has no modification time: the watcher stamps it when it
  // reads the event, a little after the exit.
  EXPECT_FALSE(loop.Run(0, 10, {{"/repo/a.pyc", At(40)}}));
  EXPECT_FALSE(loop.Run(100, 110, {{"/repo/a.pyc", At(140)}}));
  EXPECT_TRUE(loop.Run(200, 210, {{"/repo/a.pyc", At(240)}}));
}

TEST(SelfTriggerTest, AFileModifiedJustAfterTheRunEndedIsNotItsOwn) {
  Loop loop;
  // A person saving as soon as the run ended: its modification time says so.
  for (int run = 0; run < 5; ++run) {
    const int start = run * 100;
    EXPECT_FALSE(loop.Run(start, start + 10, {{"/repo/app.py", At(start + 11), true}}));
  }
}

TEST(SelfTriggerTest, AModificationTimeATickBeforeTheStartIsStillWithinTheRun) {
  Loop loop;
  EXPECT_FALSE(loop.Run(100, 110, {{"/repo/out", At(96), true}}));
  EXPECT_FALSE(loop.Run(200, 210, {{"/repo/out", At(196), true}}));
  EXPECT_TRUE(loop.Run(300, 310, {{"/repo/out", At(296), true}}));
}

TEST(SelfTriggerTest, APersonSavingAFileSeveralTimesInARowIsNeverPaused) {
  Loop loop;
  SelfTriggerGuard& g = loop.guard;
  // The first save comes while nothing runs...
  g.Changed(0, {{"/repo/src/app.py", At(0)}});
  EXPECT_FALSE(g.ShouldPause(0));
  // ...and every later save of that file lands while a run is going on.
  for (int run = 0; run < 10; ++run) {
    const int start = 20 + run * 100;
    g.RunStarted(0, At(start));
    g.Changed(0, {{"/repo/src/app.py", At(start + 50)}});
    g.RunEnded(0, At(start + 90));
    EXPECT_FALSE(g.ShouldPause(0)) << "save " << run + 2;
  }
  EXPECT_FALSE(g.paused(0));
}

TEST(SelfTriggerTest, EditsBetweenRunsEndTheStreak) {
  Loop loop;
  EXPECT_FALSE(loop.Run(0, 10, {{"/repo/out.txt", At(5)}}));
  EXPECT_FALSE(loop.Run(30, 40, {{"/repo/out.txt", At(35)}}));
  // A person's edit well after the run: an outside change.
  EXPECT_FALSE(loop.Run(60, 70, {{"/repo/out.txt", At(65)}, {"/repo/src.txt", At(5000)}}));
  EXPECT_FALSE(loop.Run(6000, 6010, {{"/repo/out.txt", At(6005)}}));
  EXPECT_FALSE(loop.Run(6030, 6040, {{"/repo/out.txt", At(6035)}}));
  EXPECT_TRUE(loop.Run(6060, 6070, {{"/repo/out.txt", At(6065)}}));
}

TEST(SelfTriggerTest, RunsThatShareNoFileAreNoStreak) {
  Loop loop;
  EXPECT_FALSE(loop.Run(0, 10, {{"/repo/a", At(5)}}));
  EXPECT_FALSE(loop.Run(30, 40, {{"/repo/b", At(35)}}));
  EXPECT_FALSE(loop.Run(60, 70, {{"/repo/c", At(65)}}));
  EXPECT_FALSE(loop.guard.paused(0));
}

TEST(SelfTriggerTest, ATriggerIsNotASelfTriggerAndEndsAPause) {
  Loop loop;
  loop.Run(0, 10, {{"/repo/out", At(5)}});
  loop.Run(30, 40, {{"/repo/out", At(35)}});
  ASSERT_TRUE(loop.Run(60, 70, {{"/repo/out", At(65)}}));
  loop.guard.Triggered(0);
  EXPECT_FALSE(loop.guard.paused(0));
  EXPECT_FALSE(loop.guard.ShouldPause(0));
  // The streak starts again from the triggered run.
  EXPECT_FALSE(loop.Run(100, 110, {{"/repo/out", At(105)}}));
  EXPECT_FALSE(loop.Run(130, 140, {{"/repo/out", At(135)}}));
  EXPECT_TRUE(loop.Run(160, 170, {{"/repo/out", At(165)}}));
}

TEST(SelfTriggerTest, AReloadKeepsAKeptResourcesPauseAndGivesNewOnesAFreshStart) {
  SelfTriggerGuard guard("/repo", 2);
  for (int run = 0; run < 3; ++run) {
    const int start = run * 100;
    guard.RunStarted(1, At(start));
    guard.RunEnded(1, At(start + 10));
    guard.Changed(1, {{"/repo/out/stamp.txt", At(start + 5)}});
    guard.ShouldPause(1);
  }
  ASSERT_TRUE(guard.paused(1));
  // The reload drops resource 0 and adds two: old 1 is new 0.
  guard.Renumber({-1, 0}, 3);
  EXPECT_TRUE(guard.paused(0));
  EXPECT_FALSE(guard.paused(1));
  EXPECT_FALSE(guard.paused(2));
  // The added resources are tracked like any other (no out-of-range state).
  guard.RunStarted(2, At(1000));
  guard.RunEnded(2, At(1010));
  EXPECT_FALSE(guard.Changed(2, {{"/repo/gen.txt", At(1005)}}));
  EXPECT_FALSE(guard.ShouldPause(2));
}

TEST(SelfTriggerTest, ChangedSaysWhetherAChangeCameFromOutside) {
  SelfTriggerGuard g("/repo", 1);
  g.RunStarted(0, At(0));
  g.RunEnded(0, At(10));
  EXPECT_FALSE(g.Changed(0, {{"/repo/out", At(40)}})) << "a deletion stamped just after the run";
  EXPECT_TRUE(g.Changed(0, {{"/repo/other", At(11), true}})) << "modified after the run";
  EXPECT_TRUE(g.Changed(0, {{"/repo/src", At(1000)}}));
  EXPECT_TRUE(g.Changed(0, {{"/repo/src", At(5)}})) << "once outside, always outside";
}

TEST(SelfTriggerTest, TheSuggestedIgnoreIsTheCommonDirectoryOrTheDirectoryName) {
  EXPECT_EQ(SelfTriggerGuard::SuggestIgnore("/repo", {"/repo/build/a.o", "/repo/build/sub/b.o"}),
            "build");
  EXPECT_EQ(SelfTriggerGuard::SuggestIgnore(
                "/repo", {"/repo/__pycache__/a.pyc", "/repo/pkg/__pycache__/b.pyc"}),
            "**/__pycache__");
  EXPECT_EQ(SelfTriggerGuard::SuggestIgnore("/repo", {"/repo/x.txt"}), "x.txt");
  EXPECT_EQ(SelfTriggerGuard::SuggestIgnore("/repo", {"/repo/a/x", "/repo/b/y"}), "");
}

TEST(SelfTriggerTest, TheReasonOfAnImageNamesTiltignoreAndListsAtMostFiveFiles) {
  Loop loop;
  std::vector<FileChange> many;
  for (int i = 0; i < 7; ++i) many.push_back({"/repo/ctx/gen/f" + std::to_string(i), At(5)});
  loop.Run(0, 10, many);
  for (auto& c : many) c.time = At(35);
  loop.Run(30, 40, many);
  for (auto& c : many) c.time = At(65);
  ASSERT_TRUE(loop.Run(60, 70, many));
  const std::string reason = loop.guard.Reason(0, "app-image", "image");
  EXPECT_THAT(reason, HasSubstr("ctx/gen/f0, ctx/gen/f1, ctx/gen/f2, ctx/gen/f3, ctx/gen/f4 "
                                "and 2 more; add the line ctx/gen to .tiltignore"));
}

}  // namespace
}  // namespace fops
