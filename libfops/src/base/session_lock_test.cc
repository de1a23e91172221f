#include "fops/base/session_lock.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "fops/base/atomic_file.h"
#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kHoldDirVariable[] = "FOPS_TEST_HOLD_SESSION_DIR";
constexpr char kLockedMarker[] = "FOPS-SESSION-LOCKED";

// Not a test of its own: the other process of the two-process tests. The
// test binary runs itself with this filter and the state dir in the
// environment; the helper takes the lock, says so and waits to be killed.
TEST(SessionLockHolder, HoldsTheLockForTheTwoProcessTests) {
  const char* dir = std::getenv(kHoldDirVariable);
  if (dir == nullptr) GTEST_SKIP() << "helper process for SessionLockTest";
  absl::StatusOr<SessionLock> lock = SessionLock::Acquire(
      dir, {.pid = ::getpid(), .mode = "up", .tiltfile = "Tiltfile.py", .started = absl::Now()});
  std::printf("%s %s\n", lock.ok() ? kLockedMarker : "FAILED", lock.status().ToString().c_str());
  std::fflush(stdout);
  if (!lock.ok()) std::_Exit(1);
  while (true) ::pause();
}

class SessionLockTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (holder_ > 0) {
      ::kill(holder_, SIGKILL);
      ::waitpid(holder_, nullptr, 0);
    }
  }

  SessionInfo Me(std::string mode = "ci") const {
    return {.pid = ::getpid(), .mode = std::move(mode), .tiltfile = "/repo/Tiltfile.py",
            .started = absl::Now()};
  }

  // Starts another process (this binary, as the helper above) that takes
  // the lock; returns once it holds it.
  void StartHolder() {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      ::setenv(kHoldDirVariable, dir_.c_str(), 1);
      ::execl("/proc/self/exe", "fops_tests",
              "--gtest_filter=SessionLockHolder.HoldsTheLockForTheTwoProcessTests", nullptr);
      std::_Exit(127);
    }
    holder_ = pid;
    ::close(out[1]);
    FILE* in = ::fdopen(out[0], "r");
    char line[4096];
    bool locked = false;
    while (!locked && std::fgets(line, sizeof line, in) != nullptr) {
      locked = std::string(line).find(kLockedMarker) == 0;
      ASSERT_EQ(std::string(line).find("FAILED"), std::string::npos) << line;
    }
    std::fclose(in);
    ASSERT_TRUE(locked) << "helper never took the lock";
  }

  void KillHolder() {
    ::kill(holder_, SIGKILL);
    ::waitpid(holder_, nullptr, 0);
    holder_ = 0;
  }

  ::fops::testing::TempDir temp_{"fops-session"};
  std::filesystem::path dir_ = temp_.path() / "state";  // Acquire creates it
  pid_t holder_ = 0;
};

TEST_F(SessionLockTest, SecondProcessIsRefusedUntilTheHolderDies) {
  StartHolder();
  pid_t holder = holder_;
  EXPECT_THAT(SessionLock::Acquire(dir_, Me()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("another fops session holds this repo"),
                             HasSubstr(absl::StrCat("PID ", holder, " (fops up, started ")),
                             HasSubstr("Tiltfile.py"))));
  std::optional<SessionInfo> read = SessionLock::ReadHolder(dir_);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->pid, holder);
  EXPECT_EQ(read->mode, "up");

  // SIGKILL: no chance to clean up, session.json stays behind, stale.
  KillHolder();
  EXPECT_TRUE(std::filesystem::exists(dir_ / "session.json"));
  EXPECT_EQ(SessionLock::ReadHolder(dir_), std::nullopt);
  absl::StatusOr<SessionLock> lock = SessionLock::Acquire(dir_, Me("ci"));
  ASSERT_THAT(lock, IsOk());
  read = SessionLock::ReadHolder(dir_);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->pid, ::getpid());
  EXPECT_EQ(read->mode, "ci");
  EXPECT_EQ(read->tiltfile, "/repo/Tiltfile.py");
}

TEST_F(SessionLockTest, HolderInThisProcessAlsoRefusesASecondAcquire) {
  absl::StatusOr<SessionLock> first = SessionLock::Acquire(dir_, Me("up"));
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(SessionLock::Acquire(dir_, Me("ci")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat("PID ", ::getpid(), " (fops up"))));
  first->Release();
  EXPECT_THAT(SessionLock::Acquire(dir_, Me("ci")), IsOk());
}

TEST_F(SessionLockTest, ReleaseRemovesTheRecordButKeepsTheLockFile) {
  {
    absl::StatusOr<SessionLock> lock = SessionLock::Acquire(dir_, Me());
    ASSERT_THAT(lock, IsOk());
    EXPECT_TRUE(std::filesystem::exists(dir_ / "session.json"));
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "session.json"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "session.lock"));
  EXPECT_EQ(SessionLock::ReadHolder(dir_), std::nullopt);
}

TEST_F(SessionLockTest, StaleRecordOfADeadProcessIsIgnoredAndReplaced) {
  pid_t dead = ::fork();
  ASSERT_GE(dead, 0);
  if (dead == 0) std::_Exit(0);
  ::waitpid(dead, nullptr, 0);
  ASSERT_THAT(WriteFileAtomic(dir_ / "session.json",
                              absl::StrCat(R"({"pid": )", dead,
                                           R"(, "mode": "up", "tiltfile": "x", "started": "2020-01-01T00:00:00Z"})")),
              IsOk());
  EXPECT_EQ(SessionLock::ReadHolder(dir_), std::nullopt);
  absl::StatusOr<SessionLock> lock = SessionLock::Acquire(dir_, Me());
  ASSERT_THAT(lock, IsOk());
  EXPECT_EQ(SessionLock::ReadHolder(dir_)->pid, ::getpid());
}

TEST_F(SessionLockTest, MovedLockIsReleasedOnceByItsLastOwner) {
  absl::StatusOr<SessionLock> acquired = SessionLock::Acquire(dir_, Me());
  ASSERT_THAT(acquired, IsOk());
  std::optional<SessionLock> kept;
  {
    SessionLock moved = std::move(*acquired);
    kept.emplace(std::move(moved));
  }
  EXPECT_TRUE(SessionLock::ReadHolder(dir_).has_value()) << "released by a moved-from lock";
  kept.reset();
  EXPECT_EQ(SessionLock::ReadHolder(dir_), std::nullopt);
}

TEST_F(SessionLockTest, NoStateDirMeansNoHolder) {
  EXPECT_EQ(SessionLock::ReadHolder(dir_ / "missing"), std::nullopt);
}

}  // namespace
}  // namespace fops
