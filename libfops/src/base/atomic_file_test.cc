#include "fops/base/atomic_file.h"

#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::HasSubstr;

TEST(AtomicFileTest, WritesCreatesParentsAndReplaces) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "atomic_file_test";
  std::filesystem::remove_all(dir);
  std::filesystem::path file = dir / "state" / "mode";
  ASSERT_THAT(WriteFileAtomic(file, "development\n"), IsOk());
  ASSERT_THAT(WriteFileAtomic(file, "staging\n"), IsOk());
  EXPECT_EQ(ReadFile(file).value(), "staging\n");
  // No temporary is left beside it.
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(file.parent_path())) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

// A real process, running `sleep 60` until Kill().
class Sleeper {
 public:
  Sleeper() {
    char arg0[] = "sleep";
    char arg1[] = "60";
    char* argv[] = {arg0, arg1, nullptr};
    if (::posix_spawnp(&pid_, "sleep", nullptr, nullptr, argv, environ) != 0) pid_ = -1;
  }
  ~Sleeper() { Kill(); }
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

std::set<std::string> Names(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

TEST(AtomicFileTest, TemporariesOfAKilledWriterGoWithTheNextWriteOfTheirFile) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "atomic_file_leftover";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Sleeper killed;
  Sleeper running;
  ASSERT_GT(killed.pid(), 0);
  ASSERT_GT(running.pid(), 0);
  const std::string dead_tmp = absl::StrCat("mode.json.tmp.", killed.pid());
  const std::string live_tmp = absl::StrCat("mode.json.tmp.", running.pid());
  const std::string other_tmp = absl::StrCat("session.json.tmp.", killed.pid());
  // What writers killed (or still running) between writing and renaming leave.
  for (const std::string& name : {dead_tmp, live_tmp, other_tmp}) {
    std::ofstream(dir / name) << "{\"mode\": \"depl";
  }
  killed.Kill();

  ASSERT_THAT(WriteFileAtomic(dir / "mode.json", "{}\n"), IsOk());
  // The dead writer's temporary of this file is gone; a live writer's, and
  // another file's, stay.
  EXPECT_EQ(Names(dir), (std::set<std::string>{"mode.json", live_tmp, other_tmp}));
  EXPECT_EQ(RemoveAbandonedTemporaries(dir), 1);
  EXPECT_EQ(Names(dir), (std::set<std::string>{"mode.json", live_tmp}));
  running.Kill();
  EXPECT_EQ(RemoveAbandonedTemporaries(dir, "mode.json"), 1);
  EXPECT_EQ(Names(dir), (std::set<std::string>{"mode.json"}));
}

// The kernel's file size limit stops the write part-way, as a full disk
// does: the error names the file (not its temporary), the old content
// stays, and no temporary is left.
TEST(AtomicFileTest, AWriteThatFailsNamesTheFileAndKeepsTheOldContent) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "atomic_file_full";
  std::filesystem::remove_all(dir);
  const std::filesystem::path file = dir / "mode.json";
  ASSERT_THAT(WriteFileAtomic(file, "{\"mode\": \"development\"}\n"), IsOk());

  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit tight = saved;
  tight.rlim_cur = 10;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &tight), 0);
  absl::Status written = WriteFileAtomic(file, "{\"mode\": \"deployment\"}\n");
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_THAT(written, StatusIs(absl::StatusCode::kInternal,
                                HasSubstr(absl::StrCat("writing '", file.string(),
                                                       "': File too large"))));
  EXPECT_EQ(ReadFile(file).value(), "{\"mode\": \"development\"}\n");
  EXPECT_EQ(Names(dir), (std::set<std::string>{"mode.json"}));
}

TEST(AtomicFileTest, MissingFileIsNotFoundAndNamesThePath) {
  EXPECT_THAT(ReadFile("/nonexistent/fops/file"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/fops/file")));
}

}  // namespace
}  // namespace fops
