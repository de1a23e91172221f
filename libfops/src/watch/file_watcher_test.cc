// The watcher against real files in a temporary directory.
#include "fops/watch/file_watcher.h"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

namespace fs = std::filesystem;
using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Bounds a wait for a batch that should come; never reached when it does.
constexpr absl::Duration kPatience = absl::Seconds(10);

void Write(const fs::path& path, const std::string& text = "x") {
  std::ofstream(path) << text;
}

class FileWatcherTest : public ::testing::Test {
 protected:
  // Canonical, since the watcher reports paths as it resolves them.
  void SetUp() override { dir_ = fs::canonical(temp_.path()); }

  std::unique_ptr<FileWatcher> Watch(std::vector<fs::path> paths, FileWatcherOptions options = {}) {
    if (options.root.empty()) options.root = dir_;
    absl::StatusOr<std::unique_ptr<FileWatcher>> w = FileWatcher::Create(paths, std::move(options));
    EXPECT_THAT(w, IsOk());
    return w.ok() ? *std::move(w) : nullptr;
  }

  std::vector<std::string> Next(FileWatcher& w) { return w.Wait(absl::Now() + kPatience); }

  std::string P(const std::string& rel) const { return (dir_ / rel).string(); }

  ::fops::testing::TempDir temp_{"fops-watch"};
  fs::path dir_;
};

TEST_F(FileWatcherTest, OneSaveIsOneBatch) {
  Write(dir_ / "main.go", "package main");
  auto w = Watch({dir_});
  // What an editor does on save: write a temp file, rename it over, chmod.
  Write(dir_ / ".main.go.swp", "package main // edited");
  fs::rename(dir_ / ".main.go.swp", dir_ / "main.go");
  fs::permissions(dir_ / "main.go", fs::perms::owner_exec, fs::perm_options::add);
  std::vector<std::string> batch = Next(*w);
  EXPECT_THAT(batch, Contains(P("main.go")));
  EXPECT_THAT(w->ReadChanges(), IsEmpty()) << "the save was split into batches";
}

TEST_F(FileWatcherTest, ManyWritesInABurstCoalesce) {
  auto w = Watch({dir_}, {.debounce = absl::Milliseconds(300), .max_delay = absl::Seconds(30)});
  for (int i = 0; i < 20; ++i) Write(dir_ / absl::StrCat("f", i, ".txt"));
  std::vector<std::string> batch = Next(*w);
  EXPECT_EQ(batch.size(), 20u);
  EXPECT_TRUE(std::is_sorted(batch.begin(), batch.end()));
}

TEST_F(FileWatcherTest, FollowsNewSubdirectories) {
  auto w = Watch({dir_});
  fs::create_directories(dir_ / "pkg");
  EXPECT_THAT(Next(*w), ElementsAre(P("pkg")));
  Write(dir_ / "pkg" / "a.py");
  EXPECT_THAT(Next(*w), ElementsAre(P("pkg/a.py")));
}

TEST_F(FileWatcherTest, ReportsFilesWrittenIntoADirectoryBeforeItWasWatched) {
  auto w = Watch({dir_});
  // mkdir -p and a write, faster than the watcher can add the new watches.
  fs::create_directories(dir_ / "a" / "b" / "c");
  Write(dir_ / "a" / "b" / "c" / "deep.txt");
  std::vector<std::string> seen;
  while (std::find(seen.begin(), seen.end(), P("a/b/c/deep.txt")) == seen.end()) {
    std::vector<std::string> batch = Next(*w);
    ASSERT_THAT(batch, Not(IsEmpty())) << "deep.txt never reported";
    seen.insert(seen.end(), batch.begin(), batch.end());
  }
  Write(dir_ / "a" / "b" / "c" / "later.txt");
  EXPECT_THAT(Next(*w), Contains(P("a/b/c/later.txt")));
}

TEST_F(FileWatcherTest, DeletionIsAChange) {
  Write(dir_ / "gone.txt");
  auto w = Watch({dir_});
  fs::remove(dir_ / "gone.txt");
  EXPECT_THAT(Next(*w), ElementsAre(P("gone.txt")));
}

TEST_F(FileWatcherTest, IgnorePatternsGitAndStateDirAreNeverReported) {
  fs::create_directories(dir_ / ".git");
  fs::create_directories(dir_ / ".fops");
  fs::create_directories(dir_ / "web" / "node_modules" / "react");
  fs::create_directories(dir_ / "state");
  auto w = Watch({dir_}, {.ignore = {"*.log", "**/node_modules"}, .state_dir = "state"});
  Write(dir_ / ".git" / "index");
  Write(dir_ / ".fops" / "mode.json");
  Write(dir_ / "state" / "digests.json");
  Write(dir_ / "build.log");
  Write(dir_ / "web" / "node_modules" / "react" / "index.js");
  Write(dir_ / "web" / "app.js");
  EXPECT_THAT(Next(*w), ElementsAre(P("web/app.js")));
}

TEST_F(FileWatcherTest, IgnoredDirectoriesAreNotEvenWatched) {
  fs::create_directories(dir_ / "node_modules" / "a" / "b");
  fs::create_directories(dir_ / "src");
  auto w = Watch({dir_}, {.ignore = {"node_modules"}});
  EXPECT_EQ(w->watch_count(), 2u) << "the root and src/ only";
}

TEST_F(FileWatcherTest, AFileRootReportsOnlyThatFile) {
  Write(dir_ / "Tiltfile.py");
  auto w = Watch({"Tiltfile.py"});  // relative to root
  Write(dir_ / "README.md");
  Write(dir_ / "Tiltfile.py", "local_resource('api')");
  EXPECT_THAT(Next(*w), ElementsAre(P("Tiltfile.py")));
}

TEST_F(FileWatcherTest, AMissingRootIsPickedUpWhenCreated) {
  auto w = Watch({dir_ / "gen" / "out" / "api.pb.go"});
  fs::create_directories(dir_ / "gen" / "out");
  Write(dir_ / "gen" / "out" / "api.pb.go");
  std::vector<std::string> batch = Next(*w);
  EXPECT_THAT(batch, ElementsAre(P("gen/out/api.pb.go")));
  Write(dir_ / "gen" / "out" / "api.pb.go", "again");
  EXPECT_THAT(Next(*w), ElementsAre(P("gen/out/api.pb.go")));
}

TEST_F(FileWatcherTest, ADirectoryRootThatIsRecreatedIsWatchedAgain) {
  fs::create_directories(dir_ / "api");
  auto w = Watch({dir_ / "api"});
  fs::remove_all(dir_ / "api");
  EXPECT_THAT(Next(*w), Contains(P("api")));
  fs::create_directories(dir_ / "api");
  Write(dir_ / "api" / "main.go");
  std::vector<std::string> seen;
  while (std::find(seen.begin(), seen.end(), P("api/main.go")) == seen.end()) {
    std::vector<std::string> batch = Next(*w);
    ASSERT_THAT(batch, Not(IsEmpty())) << "api/main.go never reported";
    seen.insert(seen.end(), batch.begin(), batch.end());
  }
}

TEST_F(FileWatcherTest, FdIsReadableWhileABatchIsReadyAndCallbackFires) {
  std::atomic<int> calls{0};
  auto w = Watch({dir_}, {.on_changes = [&calls] { calls.fetch_add(1); }});
  Write(dir_ / "x.txt");
  pollfd p{w->fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(kPatience))), 1);
  // The watcher thread marks the fd readable, then calls back: this thread
  // may wake in between.
  for (absl::Time end = absl::Now() + kPatience; calls.load() == 0 && absl::Now() < end;) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_GE(calls.load(), 1);
  EXPECT_THAT(w->ReadChanges(), ElementsAre(P("x.txt")));
  p.revents = 0;
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "still readable after the batch was taken";
}

TEST_F(FileWatcherTest, WaitReturnsEmptyAtDeadline) {
  auto w = Watch({dir_});
  EXPECT_THAT(w->Wait(absl::Now() + absl::Milliseconds(20)), IsEmpty());
  EXPECT_THAT(w->status(), IsOk());
}

TEST_F(FileWatcherTest, EachChangeComesWithTheTimeOfItsLatestEvent) {
  auto w = Watch({dir_});
  const absl::Time before = absl::Now();
  Write(dir_ / "a.txt");
  std::vector<FileChange> changes;
  for (absl::Time end = absl::Now() + kPatience; changes.empty() && absl::Now() < end;) {
    changes = w->ReadFileChanges();
    if (changes.empty()) absl::SleepFor(absl::Milliseconds(5));
  }
  const absl::Time after = absl::Now();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].path, P("a.txt"));
  // absl::Now() read on two threads (the watcher's and this one) may
  // disagree by a millisecond or two: it interpolates between kernel reads.
  EXPECT_GE(changes[0].time, before - absl::Milliseconds(5));
  EXPECT_LE(changes[0].time, after + absl::Milliseconds(5));
}

TEST_F(FileWatcherTest, ProjectIgnoreWithNegationAndDirectories) {
  fs::create_directories(dir_ / "build" / "obj");
  fs::create_directories(dir_ / "logs");
  auto w = Watch({dir_}, {.ignore = {"build", "logs", "!logs/keep.log"}});
  Write(dir_ / "build" / "obj" / "a.o");
  Write(dir_ / "logs" / "today.log");
  Write(dir_ / "logs" / "keep.log");
  EXPECT_THAT(Next(*w), ElementsAre(P("logs/keep.log")));
}

TEST_F(FileWatcherTest, BadIgnorePatternIsRejected) {
  EXPECT_THAT(FileWatcher::Create({dir_}, {.root = dir_, .ignore = {"[z-a]"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ignore pattern \"[z-a]\"")));
}

}  // namespace
}  // namespace fops
