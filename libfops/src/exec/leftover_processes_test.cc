// Leftovers of a fops that was killed, with real processes: a helper
// process (this binary, as the first test below) records a command through
// a ProcessExecutor and is SIGKILLed; what it started keeps running until
// StopLeftovers() stops it. Records written by hand check the rules one by
// one: a reused pid is refused, a live writer's record is left alone, a
// process that ignores SIGTERM gets SIGKILL.
#include "fops/exec/leftover_processes.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fops/base/proc_stat.h"
#include "fops/base/status_matchers.h"
#include "fops/exec/process_executor.h"
#include "fops/exec/process_ledger.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/process_state.h"
#include "support/temp_dir.h"

extern char** environ;

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::KillOnExit;
using ::fops::testing::ProcessRunning;
using ::fops::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

constexpr char kStateVariable[] = "FOPS_TEST_LEFTOVER_STATE_DIR";
constexpr char kReadyMarker[] = "FOPS-LEFTOVER-READY";

// The leader, a member of its group, and a daemon that left the group
// (`setsid`), each writing its pid; then the leader becomes `sleep 301`.
constexpr char kScript[] =
    "sleep 300 & echo $! >> pids; setsid sleep 302 & echo $! >> pids; echo $$ >> pids; "
    "exec sleep 301";

// Not a test of its own: the fops that gets killed. The test binary runs
// itself with this filter and a state dir in the environment; it records a
// command as `fops up` does, says when its processes run, and waits.
TEST(LeftoverProcessesHelper, RecordsACommandAndWaitsToBeKilled) {
  const char* state = std::getenv(kStateVariable);
  if (state == nullptr) GTEST_SKIP() << "helper process for LeftoverProcessesTest";
  ProcessExecutor executor(ProcessExecutorOptions{
      .subreaper = true, .process_record = state, .record_owner = "fops up"});
  std::filesystem::path pids = std::filesystem::path(state) / "pids";
  absl::Status started = executor.Start(
      {.id = 1, .resource = "web", .argv = {"sh", "-c", kScript}, .dir = state, .serve = true});
  if (!started.ok()) {
    std::printf("FAILED %s\n", started.ToString().c_str());
    std::fflush(stdout);
    std::_Exit(1);
  }
  while (true) {
    std::ifstream in(pids);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (std::vector<std::string>(absl::StrSplit(text, '\n', absl::SkipEmpty())).size() == 3) break;
    ::usleep(10000);
  }
  std::printf("%s %s\n", kReadyMarker, executor.process_record().c_str());
  std::fflush(stdout);
  while (true) ::pause();
}

std::vector<pid_t> ReadPids(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<pid_t> pids;
  int pid = 0;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

// A child in its own process group (a leader), reaped at the end.
pid_t SpawnGroup(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  EXPECT_EQ(::posix_spawnp(&pid, argv[0], nullptr, &attr, argv.data(), environ), 0);
  posix_spawnattr_destroy(&attr);
  return pid;
}

// A pid no process has now: a child that ran and was reaped.
pid_t DeadPid() {
  pid_t pid = SpawnGroup({"true"});
  ::waitpid(pid, nullptr, 0);
  return pid;
}

uint64_t StartTicks(pid_t pid) {
  std::optional<ProcStat> stat = ReadProcStat(pid);
  EXPECT_TRUE(stat.has_value()) << pid;
  return stat ? stat->start_ticks : 0;
}

class LeftoverProcessesTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (pid_t pid : children_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }

  // A record as a fops with `owner` would have written it: the header line,
  // then one line per group started.
  std::filesystem::path WriteRecord(RecordedProcess owner, std::vector<RecordedGroup> groups,
                                    std::string tag = "", uint64_t started_ticks = 0) {
    std::string text = absl::StrCat(R"({"version": 1, "owner": {"pid": )", owner.pid,
                                    R"(, "start_ticks": )", owner.start_ticks,
                                    R"(, "command": "fops up"}, "tag": ")", tag,
                                    R"(", "started_ticks": )", started_ticks, "}\n");
    for (const RecordedGroup& g : groups) {
      absl::StrAppend(&text, R"({"add": {"id": )", g.id, R"(, "pgid": )", g.pgid,
                      R"(, "resource": ")", g.resource, R"(", "command": ")", g.command,
                      R"(", "started_ticks": )", g.started_ticks, R"(, "processes": [)");
      for (size_t j = 0; j < g.processes.size(); ++j) {
        absl::StrAppend(&text, j == 0 ? "" : ", ", R"({"pid": )", g.processes[j].pid,
                        R"(, "start_ticks": )", g.processes[j].start_ticks, "}");
      }
      absl::StrAppend(&text, "]}}\n");
    }
    std::filesystem::path file = ProcessLedger::Directory(state_) /
                                 absl::StrCat(owner.pid, "-", owner.start_ticks, "-1.jsonl");
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }

  RecordedGroup GroupOf(pid_t leader, std::string resource, std::string command) {
    uint64_t ticks = StartTicks(leader);
    return RecordedGroup{.id = 1,
                         .pgid = leader,
                         .resource = std::move(resource),
                         .command = std::move(command),
                         .started_ticks = ticks,
                         .processes = {{leader, ticks}}};
  }

  pid_t Spawn(std::vector<std::string> args) {
    pid_t pid = SpawnGroup(std::move(args));
    children_.push_back(pid);
    return pid;
  }

  TempDir temp_{"fops-leftovers"};
  const std::filesystem::path state_ = temp_.path();
  std::vector<pid_t> children_;
};

TEST_F(LeftoverProcessesTest, WhatAKilledFopsLeftIsFoundAndStopped) {
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::setenv(kStateVariable, state_.c_str(), 1);
    ::execl("/proc/self/exe", "fops_tests",
            "--gtest_filter=LeftoverProcessesHelper.RecordsACommandAndWaitsToBeKilled", nullptr);
    std::_Exit(127);
  }
  children_.push_back(helper);
  ::close(out[1]);
  FILE* in = ::fdopen(out[0], "r");
  char line[4096];
  std::string record;
  while (record.empty() && std::fgets(line, sizeof line, in) != nullptr) {
    std::string text = line;
    ASSERT_EQ(text.find("FAILED"), std::string::npos) << text;
    if (text.rfind(kReadyMarker, 0) == 0) {
      // "<marker> <record file>\n"
      record = text.substr(sizeof kReadyMarker, text.size() - sizeof kReadyMarker - 1);
    }
  }
  std::fclose(in);
  ASSERT_FALSE(record.empty()) << "the helper never ran its command";
  std::vector<pid_t> pids = ReadPids(state_ / "pids");
  ASSERT_THAT(pids, SizeIs(3));
  const pid_t member = pids[0];
  const pid_t daemon = pids[1];
  const pid_t leader = pids[2];
  KillOnExit cleanup{pids};
  EXPECT_TRUE(std::filesystem::exists(record));

  // kill -9: no chance to stop anything or remove its record.
  ::kill(helper, SIGKILL);
  ::waitpid(helper, nullptr, 0);
  children_.clear();
  for (pid_t pid : pids) EXPECT_TRUE(ProcessRunning(pid)) << pid;
  ASSERT_TRUE(std::filesystem::exists(record));

  // Finding changes nothing.
  LeftoverReport found = FindLeftovers(state_);
  EXPECT_THAT(found.problems, IsEmpty());
  ASSERT_THAT(found.found, SizeIs(1));
  const Leftovers& left = found.found[0];
  EXPECT_EQ(left.owner_pid, helper);
  EXPECT_EQ(left.owner, "fops up");
  EXPECT_FALSE(left.stopped);
  ASSERT_THAT(left.groups, SizeIs(1));
  EXPECT_EQ(left.groups[0].pid, leader);
  EXPECT_EQ(left.groups[0].resource, "web");
  EXPECT_EQ(left.groups[0].command, kScript);
  // The daemon left the group; its tag says whose it is.
  EXPECT_THAT(left.groups[0].pids, UnorderedElementsAre(leader, member, daemon));
  for (pid_t pid : pids) EXPECT_TRUE(ProcessRunning(pid)) << pid;
  EXPECT_TRUE(std::filesystem::exists(record));

  LeftoverReport stopped = StopLeftovers(state_, absl::Seconds(5));
  ASSERT_THAT(stopped.found, SizeIs(1));
  EXPECT_TRUE(stopped.found[0].stopped);
  EXPECT_THAT(stopped.found[0].still_running, IsEmpty());
  EXPECT_THAT(stopped.Lines(),
              ElementsAre(absl::StrCat("stopped 3 processes left by fops up (PID ", helper,
                                       "), which did not exit cleanly: PID ", leader, " web (",
                                       kScript, ") and 2 processes it started")));
  for (pid_t pid : pids) EXPECT_FALSE(ProcessRunning(pid)) << pid;
  EXPECT_FALSE(std::filesystem::exists(record));
  EXPECT_FALSE(std::filesystem::exists(ProcessLedger::Directory(state_)));
  // Nothing left to stop the next time.
  EXPECT_THAT(StopLeftovers(state_).found, IsEmpty());
}

TEST_F(LeftoverProcessesTest, AReusedPidIsNotTheProcessRecordedUnderIt) {
  pid_t stranger = Spawn({"sleep", "300"});
  RecordedGroup group = GroupOf(stranger, "web", "sleep 300");
  // Recorded when another process had this pid: another start time.
  group.processes[0].start_ticks -= 1;
  group.started_ticks -= 1;
  std::filesystem::path record = WriteRecord({DeadPid(), 1}, {group});

  EXPECT_THAT(FindLeftovers(state_).found, IsEmpty());
  LeftoverReport report = StopLeftovers(state_, absl::Milliseconds(200));
  EXPECT_THAT(report.found, IsEmpty());
  EXPECT_TRUE(ProcessRunning(stranger));
  // A dead writer's record with nothing alive is done with.
  EXPECT_FALSE(std::filesystem::exists(record));
}

TEST_F(LeftoverProcessesTest, ALiveWritersRecordIsNeverTouched) {
  pid_t server = Spawn({"sleep", "300"});
  // Written by this process, which runs.
  std::filesystem::path record =
      WriteRecord({::getpid(), StartTicks(::getpid())}, {GroupOf(server, "web", "sleep 300")});
  EXPECT_THAT(StopLeftovers(state_, absl::Milliseconds(200)).found, IsEmpty());
  EXPECT_TRUE(ProcessRunning(server));
  EXPECT_TRUE(std::filesystem::exists(record));
}

TEST_F(LeftoverProcessesTest, AProcessThatIgnoresSigtermGetsSigkillAfterTheGrace) {
  // The shell ignores SIGTERM and keeps forking sleeps into its group.
  const std::filesystem::path trapped = state_ / "trapped";
  pid_t stubborn = Spawn({"sh", "-c", "trap '' TERM; touch '" + trapped.string() +
                                          "'; while :; do sleep 0.05; done"});
  for (int i = 0; i < 500 && !std::filesystem::exists(trapped); ++i) ::usleep(10000);
  ASSERT_TRUE(std::filesystem::exists(trapped));
  std::filesystem::path record =
      WriteRecord({DeadPid(), 1}, {GroupOf(stubborn, "worker", "./worker")});
  LeftoverReport report = StopLeftovers(state_, absl::Milliseconds(200));
  ASSERT_THAT(report.found, SizeIs(1));
  ASSERT_THAT(report.found[0].groups, SizeIs(1));
  EXPECT_EQ(report.found[0].groups[0].pid, stubborn);
  EXPECT_THAT(report.Lines()[0], StartsWith("stopped "));
  EXPECT_THAT(report.Lines()[0], HasSubstr(absl::StrCat("PID ", stubborn, " worker (./worker)")));
  // Our own child: a zombie until reaped here, which counts as gone.
  EXPECT_FALSE(ProcessRunning(stubborn));
  EXPECT_FALSE(std::filesystem::exists(record));
}

TEST_F(LeftoverProcessesTest, ARecordThatIsNotOneIsReportedAndKept) {
  std::filesystem::path bad = ProcessLedger::Directory(state_) / "1-1-1.jsonl";
  std::filesystem::create_directories(bad.parent_path());
  std::ofstream(bad) << "garbage";
  LeftoverReport report = StopLeftovers(state_);
  EXPECT_THAT(report.found, IsEmpty());
  ASSERT_THAT(report.problems, SizeIs(1));
  EXPECT_THAT(report.problems[0], HasSubstr(absl::StrCat(bad.string(), ":1: not a record")));
  EXPECT_TRUE(std::filesystem::exists(bad));
}

TEST_F(LeftoverProcessesTest, NoRecordsNoWork) {
  LeftoverReport report = StopLeftovers(state_ / "missing");
  EXPECT_THAT(report.found, IsEmpty());
  EXPECT_THAT(report.Lines(), IsEmpty());
}

}  // namespace
}  // namespace fops
