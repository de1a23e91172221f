#include "fops/base/proc_stat.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

extern char** environ;

namespace fops {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A child of this process running `argv` in its own process group, killed
// and reaped at the end of the test.
class Child {
 public:
  explicit Child(std::vector<std::string> args, std::vector<std::string> env = {}) {
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    EXPECT_EQ(::posix_spawnp(&pid_, argv[0], nullptr, &attr, argv.data(),
                             env.empty() ? environ : envp.data()),
              0);
    posix_spawnattr_destroy(&attr);
    // posix_spawn returns while the kernel may still be setting up the new
    // program's arguments and environment: wait until they are readable.
    for (int i = 0; i < 500 && ReadCommandLine(pid_).empty(); ++i) ::usleep(10000);
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = 0;
};

TEST(ProcStatTest, ReadsThisProcess) {
  std::optional<ProcStat> stat = ReadProcStat(::getpid());
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->ppid, ::getppid());
  EXPECT_EQ(stat->pgrp, ::getpgrp());
  EXPECT_GT(stat->start_ticks, 0u);
  EXPECT_LE(stat->start_ticks, BootTicksFloor() + 1);
  EXPECT_FALSE(IsDeadState(stat->state));
}

TEST(ProcStatTest, TheSameProcessNeedsTheSameStartTime) {
  Child sleeper({"sleep", "30"});
  std::optional<ProcStat> stat = ReadProcStat(sleeper.pid());
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->pgrp, sleeper.pid());  // its own group
  EXPECT_TRUE(IsSameProcess(sleeper.pid(), stat->start_ticks));
  // Another start time is another process that had this pid.
  EXPECT_FALSE(IsSameProcess(sleeper.pid(), stat->start_ticks + 1));
  EXPECT_TRUE(ScanProcesses().contains(sleeper.pid()));
}

TEST(ProcStatTest, AZombieIsNotTheProcessItWas) {
  pid_t pid = 0;
  std::optional<ProcStat> stat;
  {
    char arg0[] = "true";
    char* argv[] = {arg0, nullptr};
    ASSERT_EQ(::posix_spawnp(&pid, "true", nullptr, nullptr, argv, environ), 0);
    stat = ReadProcStat(pid);
  }
  ASSERT_TRUE(stat.has_value());
  siginfo_t info;
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);  // a zombie now
  EXPECT_FALSE(IsSameProcess(pid, stat->start_ticks));
  EXPECT_FALSE(ScanProcesses().contains(pid));
  ::waitpid(pid, nullptr, 0);
  EXPECT_EQ(ReadProcStat(pid), std::nullopt);
}

TEST(ProcStatTest, CommandLineIsJoinedAndCut) {
  Child sleeper({"sleep", "30.5"});
  EXPECT_EQ(ReadCommandLine(sleeper.pid()), "sleep 30.5");
  EXPECT_EQ(ReadCommandLine(sleeper.pid(), 8), "sleep...");
  EXPECT_EQ(ReadCommandLine(-1), "");
}

TEST(ProcStatTest, EnvironValuesOfAChild) {
  Child tagged({"sleep", "30"}, {"FOPS_EXEC_TAG=a:1,b:2", "OTHER=x"});
  EXPECT_THAT(ReadEnvironValues(tagged.pid(), "FOPS_EXEC_TAG"), ElementsAre("a:1,b:2"));
  EXPECT_THAT(ReadEnvironValues(tagged.pid(), "FOPS_EXEC"), IsEmpty());
  EXPECT_THAT(ReadEnvironValues(tagged.pid(), "MISSING"), IsEmpty());
}

}  // namespace
}  // namespace fops
