// ProcessExecutor with real processes. Liveness is checked in /proc (see
// support/process_state.h): a zombie counts as gone.
#include "fops/exec/process_executor.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fops/base/atomic_file.h"
#include "fops/base/proc_stat.h"
#include "fops/base/status_matchers.h"
#include "fops/exec/process_ledger.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/process_state.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::KillOnExit;
using ::fops::testing::ProcessParent;
using ::fops::testing::ProcessRunning;
using ::fops::testing::ProcessStateLetter;
using ::fops::testing::TempDir;
using ::fops::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// Short enough to keep the suite fast, long enough for a shell to start.
constexpr absl::Duration kGrace = absl::Milliseconds(200);
constexpr absl::Duration kTimeout = absl::Milliseconds(200);
// Generous upper bound for a Wait in a test; never reached when it passes.
constexpr absl::Duration kTestDeadline = absl::Seconds(20);

class Lines : public OutputListener {
 public:
  void OnLine(uint64_t id, Stream stream, std::string_view line) override {
    (stream == Stream::kStdout ? out[id] : err[id]).emplace_back(line);
  }
  std::map<uint64_t, std::vector<std::string>> out;
  std::map<uint64_t, std::vector<std::string>> err;
};

// Waits until the command `id` has printed `count` stdout lines; the
// executor needs Wait() calls to read output at all.
void PumpUntilLines(ProcessExecutor& ex, Lines& lines, uint64_t id, size_t count) {
  absl::Time give_up = absl::Now() + kTestDeadline;
  while (lines.out[id].size() < count && absl::Now() < give_up) {
    std::optional<CommandResult> r = ex.Wait(absl::Now() + absl::Milliseconds(20), lines);
    ASSERT_FALSE(r.has_value()) << "command ended early: " << r->Describe();
  }
  ASSERT_GE(lines.out[id].size(), count);
}

pid_t PidFromLine(const std::string& line) {
  int pid = 0;
  EXPECT_TRUE(absl::SimpleAtoi(line, &pid)) << line;
  return pid;
}

// Stops a running command and waits for its report.
CommandResult StopAndWait(ProcessExecutor& ex, Lines& lines, uint64_t id) {
  ex.Stop(id);
  std::optional<CommandResult> r = ex.Wait(absl::Now() + kTestDeadline, lines);
  EXPECT_TRUE(r.has_value());
  EXPECT_EQ(r.value_or(CommandResult{}).id, id);
  return r.value_or(CommandResult{});
}

CommandResult RunOne(ProcessExecutor& ex, Lines& lines, CommandSpec spec) {
  EXPECT_THAT(ex.Start(spec), IsOk());
  std::optional<CommandResult> r = ex.Wait(absl::Now() + kTestDeadline, lines);
  EXPECT_TRUE(r.has_value());
  return r.value_or(CommandResult{});
}

TEST(ProcessExecutorTest, ReportsExitCodes) {
  ProcessExecutor ex;
  Lines lines;
  CommandResult ok = RunOne(ex, lines, {.id = 1, .resource = "t", .argv = {"true"}});
  EXPECT_EQ(ok.id, 1u);
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.Describe(), "exit 0");
  CommandResult three = RunOne(ex, lines, {.id = 2, .resource = "t", .argv = {"sh", "-c", "exit 3"}});
  EXPECT_EQ(three.id, 2u);
  EXPECT_EQ(three.kind, ExitKind::kExited);
  EXPECT_EQ(three.exit_code, 3);
  EXPECT_EQ(ex.running(), 0u);
}

TEST(ProcessExecutorTest, ReportsDeathBySignal) {
  ProcessExecutor ex;
  Lines lines;
  CommandResult r = RunOne(ex, lines, {.id = 1, .argv = {"sh", "-c", "kill -SEGV $$"}});
  EXPECT_EQ(r.kind, ExitKind::kSignaled);
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_EQ(r.Describe(), "killed by SIGSEGV");
}

TEST(ProcessExecutorTest, StreamsStdoutAndStderrLinesInOrder) {
  ProcessExecutor ex;
  Lines lines;
  RunOne(ex, lines,
         {.id = 7, .argv = {"sh", "-c", "echo a; echo b >&2; echo c; echo d >&2; echo e"}});
  EXPECT_THAT(lines.out[7], ElementsAre("a", "c", "e"));
  EXPECT_THAT(lines.err[7], ElementsAre("b", "d"));
}

TEST(ProcessExecutorTest, DeliversLastLineWithoutNewlineAndStripsCr) {
  ProcessExecutor ex;
  Lines lines;
  RunOne(ex, lines, {.id = 1, .argv = {"printf", "one\\r\\n\\ntwo"}});
  EXPECT_THAT(lines.out[1], ElementsAre("one", "", "two"));
}

TEST(ProcessExecutorTest, SplitsVeryLongLinesIntoChunks) {
  ProcessExecutor ex(ProcessExecutorOptions{.max_line_bytes = 10});
  Lines lines;
  RunOne(ex, lines, {.id = 1, .argv = {"printf", "0123456789abcdefghij12345\\nxy"}});
  EXPECT_THAT(lines.out[1], ElementsAre("0123456789", "abcdefghij", "12345", "xy"));
}

TEST(ProcessExecutorTest, ReadsMoreOutputThanAPipeHolds) {
  ProcessExecutor ex;
  Lines lines;
  CommandResult r = RunOne(ex, lines, {.id = 1, .argv = {"seq", "1", "200000"}});
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(lines.out[1].size(), 200000u);
  EXPECT_EQ(lines.out[1].back(), "200000");
}

TEST(ProcessExecutorTest, AddsEnvToInheritedEnvironmentAndRunsInDir) {
  TempDir temp("fops-exec-dir");
  const std::filesystem::path& dir = temp.path();
  ::setenv("FOPS_TEST_INHERITED", "from-parent", 1);
  ProcessExecutor ex;
  Lines lines;
  CommandResult r = RunOne(
      ex, lines,
      {.id = 1,
       .argv = {"sh", "-c", "echo $FOPS_TEST_ADDED; echo $FOPS_TEST_INHERITED; pwd -P; ls"},
       .dir = dir.string(),
       .env = {{"FOPS_TEST_ADDED", "from-spec"}}});
  ::unsetenv("FOPS_TEST_INHERITED");
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(lines.out[1], ElementsAre("from-spec", "from-parent",
                                        std::filesystem::canonical(dir).string()));
}

TEST(ProcessExecutorTest, SpecEnvOverridesInheritedValue) {
  ::setenv("FOPS_TEST_OVERRIDE", "old", 1);
  ProcessExecutor ex;
  Lines lines;
  RunOne(ex, lines,
         {.id = 1, .argv = {"sh", "-c", "echo $FOPS_TEST_OVERRIDE"}, .env = {{"FOPS_TEST_OVERRIDE", "new"}}});
  ::unsetenv("FOPS_TEST_OVERRIDE");
  EXPECT_THAT(lines.out[1], ElementsAre("new"));
}

TEST(ProcessExecutorTest, StdinIsDevNull) {
  ProcessExecutor ex;
  Lines lines;
  CommandResult r = RunOne(ex, lines, {.id = 1, .argv = {"sh", "-c", "cat; echo done"}});
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(lines.out[1], ElementsAre("done"));
}

TEST(ProcessExecutorTest, CommandsGetDefaultSignalHandlingEvenIfParentIgnoresSigpipe) {
  // Python ignores SIGPIPE; `yes | head -1` must still end quietly.
  struct sigaction old_action;
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old_action);
  ProcessExecutor ex;
  Lines lines;
  CommandResult r = RunOne(ex, lines, {.id = 1, .argv = {"sh", "-c", "yes | head -1"}});
  ::sigaction(SIGPIPE, &old_action, nullptr);
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(lines.out[1], ElementsAre("y"));
  EXPECT_THAT(lines.err[1], IsEmpty());
}

TEST(ProcessExecutorTest, MissingProgramIsNotFound) {
  ProcessExecutor ex;
  EXPECT_THAT(ex.Start({.id = 1, .argv = {"fops-no-such-program"}}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("command not found: fops-no-such-program")));
  EXPECT_EQ(ex.running(), 0u);
}

TEST(ProcessExecutorTest, MissingDirIsNotFoundNamingIt) {
  ProcessExecutor ex;
  EXPECT_THAT(ex.Start({.id = 1, .argv = {"true"}, .dir = "/nonexistent/fops-dir"}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("working directory does not exist: /nonexistent/fops-dir")));
  EXPECT_EQ(ex.running(), 0u);
}

TEST(ProcessExecutorTest, RejectsEmptyArgvAndDuplicateIds) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace});
  EXPECT_THAT(ex.Start({.id = 1}), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty command")));
  ASSERT_THAT(ex.Start({.id = 2, .argv = {"sleep", "30"}}), IsOk());
  EXPECT_THAT(ex.Start({.id = 2, .argv = {"true"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("command id 2 is already running")));
  EXPECT_EQ(ex.running(), 1u);
}

TEST(ProcessExecutorTest, RunsManyCommandsAndReportsEachOnce) {
  ProcessExecutor ex;
  Lines lines;
  for (uint64_t id = 1; id <= 20; ++id) {
    ASSERT_THAT(ex.Start({.id = id, .argv = {"sh", "-c", "echo $0; exit $0", std::to_string(id % 3)}}),
                IsOk());
  }
  std::map<uint64_t, int> codes;
  while (ex.running() > 0) {
    std::optional<CommandResult> r = ex.Wait(absl::Now() + kTestDeadline, lines);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(codes.emplace(r->id, r->exit_code).second) << "reported twice: " << r->id;
  }
  ASSERT_EQ(codes.size(), 20u);
  for (const auto& [id, code] : codes) {
    EXPECT_EQ(code, static_cast<int>(id % 3));
    EXPECT_THAT(lines.out[id], ElementsAre(std::to_string(id % 3)));
  }
}

TEST(ProcessExecutorTest, WaitReturnsNothingAtDeadlineWhileCommandsRun) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace});
  Lines lines;
  ASSERT_THAT(ex.Start({.id = 1, .argv = {"sleep", "30"}, .serve = true}), IsOk());
  EXPECT_EQ(ex.Wait(absl::Now() + absl::Milliseconds(30), lines), std::nullopt);
  EXPECT_EQ(ex.running(), 1u);
}

TEST(ProcessExecutorTest, TimeoutKillsTheWholeGroupIncludingGrandchild) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace});
  Lines lines;
  KillOnExit cleanup;
  CommandResult r = RunOne(ex, lines,
                           {.id = 1, .argv = {"sh", "-c", "sleep 30 & echo $!; wait"}, .timeout = kTimeout});
  EXPECT_EQ(r.kind, ExitKind::kTimedOut);
  EXPECT_EQ(r.Describe(), "timed out");
  ASSERT_EQ(lines.out[1].size(), 1u);
  pid_t grandchild = PidFromLine(lines.out[1][0]);
  cleanup.pids.push_back(grandchild);
  EXPECT_FALSE(ProcessRunning(grandchild)) << "grandchild " << grandchild << " survived the timeout";
}

TEST(ProcessExecutorTest, TimeoutGivesTheWholeGroupSigtermFirst) {
  // The grandchild shuts down cleanly on SIGTERM and says so; it would not
  // get the chance if only the leader were signalled (or all got SIGKILL).
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = absl::Seconds(5)});
  Lines lines;
  CommandResult r = RunOne(
      ex, lines,
      {.id = 1,
       .argv = {"sh", "-c",
                "sh -c 'trap \"echo clean shutdown; exit 0\" TERM; while :; do sleep 0.05; done' & wait"},
       .timeout = kTimeout});
  EXPECT_EQ(r.kind, ExitKind::kTimedOut);
  EXPECT_THAT(lines.out[1], ElementsAre("clean shutdown"));
}

TEST(ProcessExecutorTest, GroupIgnoringSigtermIsKilledAfterGrace) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace});
  Lines lines;
  KillOnExit cleanup;
  // `trap "" TERM` makes the shell and the sleep it forks ignore SIGTERM.
  CommandResult r = RunOne(
      ex, lines,
      {.id = 1, .argv = {"sh", "-c", "trap '' TERM; sleep 30 & echo $$; echo $!; wait"}, .timeout = kTimeout});
  EXPECT_EQ(r.kind, ExitKind::kTimedOut);
  ASSERT_EQ(lines.out[1].size(), 2u);
  for (const std::string& line : lines.out[1]) {
    pid_t pid = PidFromLine(line);
    cleanup.pids.push_back(pid);
    EXPECT_FALSE(ProcessRunning(pid)) << pid << " survived SIGKILL";
  }
}

TEST(ProcessExecutorTest, LeaderExitingOnSigtermStillWaitsForItsGroup) {
  // The shell dies on SIGTERM at once; its child ignores SIGTERM and must
  // be gone (SIGKILL after the grace) before the command is reported.
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace});
  Lines lines;
  KillOnExit cleanup;
  CommandResult r = RunOne(
      ex, lines,
      {.id = 1, .argv = {"sh", "-c", "sh -c 'trap \"\" TERM; exec sleep 30' & echo $!; wait"},
       .timeout = kTimeout});
  EXPECT_EQ(r.kind, ExitKind::kTimedOut);
  ASSERT_EQ(lines.out[1].size(), 1u);
  pid_t stubborn = PidFromLine(lines.out[1][0]);
  cleanup.pids.push_back(stubborn);
  EXPECT_FALSE(ProcessRunning(stubborn));
}

TEST(ProcessExecutorTest, StopEndsAServeProcessAsStopped) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace});
  Lines lines;
  KillOnExit cleanup;
  ASSERT_THAT(ex.Start({.id = 4, .resource = "web",
                        .argv = {"sh", "-c", "echo $$; sleep 30 & echo $!; wait"}, .serve = true}),
              IsOk());
  PumpUntilLines(ex, lines, 4, 2);
  pid_t leader = PidFromLine(lines.out[4][0]);
  pid_t child = PidFromLine(lines.out[4][1]);
  cleanup.pids = {leader, child};
  ASSERT_TRUE(ProcessRunning(leader));
  CommandResult r = StopAndWait(ex, lines, 4);
  EXPECT_EQ(r.kind, ExitKind::kStopped);
  EXPECT_EQ(r.Describe(), "stopped");
  EXPECT_FALSE(ProcessRunning(leader));
  EXPECT_FALSE(ProcessRunning(child));
  EXPECT_EQ(ex.running(), 0u);
}

TEST(ProcessExecutorTest, StopOfUnknownOrFinishedCommandChangesNothing) {
  ProcessExecutor ex;
  Lines lines;
  ex.Stop(99);
  CommandResult r = RunOne(ex, lines, {.id = 1, .argv = {"sh", "-c", "exit 4"}});
  ex.Stop(1);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(ex.running(), 0u);
}

TEST(ProcessExecutorTest, AbortStopsEverythingAndReaps) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace});
  Lines lines;
  KillOnExit cleanup;
  ASSERT_THAT(ex.Start({.id = 1, .argv = {"sh", "-c", "echo $$; exec sleep 30"}, .serve = true}), IsOk());
  ASSERT_THAT(ex.Start({.id = 2, .argv = {"sh", "-c", "trap '' TERM; echo $$; sleep 30 & wait"}}), IsOk());
  PumpUntilLines(ex, lines, 1, 1);
  PumpUntilLines(ex, lines, 2, 1);
  pid_t first = PidFromLine(lines.out[1][0]);
  pid_t second = PidFromLine(lines.out[2][0]);
  cleanup.pids = {first, second};
  ex.Abort();
  EXPECT_EQ(ex.running(), 0u);
  EXPECT_FALSE(ProcessRunning(first));
  EXPECT_FALSE(ProcessRunning(second));
  EXPECT_EQ(ProcessStateLetter(first), 0) << "not reaped";
  EXPECT_EQ(ProcessStateLetter(second), 0) << "not reaped";
  EXPECT_EQ(ex.Wait(absl::Now(), lines), std::nullopt);
}

TEST(ProcessExecutorTest, DestructorLeavesNothingRunning) {
  Lines lines;
  KillOnExit cleanup;
  pid_t leader = 0;
  pid_t grandchild = 0;
  {
    ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace});
    ASSERT_THAT(ex.Start({.id = 1, .argv = {"sh", "-c", "echo $$; sleep 30 & echo $!; wait"}, .serve = true}),
                IsOk());
    PumpUntilLines(ex, lines, 1, 2);
    leader = PidFromLine(lines.out[1][0]);
    grandchild = PidFromLine(lines.out[1][1]);
    cleanup.pids = {leader, grandchild};
    ASSERT_TRUE(ProcessRunning(grandchild));
  }
  EXPECT_FALSE(ProcessRunning(leader));
  EXPECT_FALSE(ProcessRunning(grandchild));
}

TEST(ProcessExecutorTest, LeftoverOfAFinishedCommandLivesUntilAbort) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace});
  Lines lines;
  KillOnExit cleanup;
  // A command that starts a background server and exits at once.
  CommandResult r = RunOne(ex, lines, {.id = 1, .argv = {"sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!"}});
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(lines.out[1].size(), 1u);
  pid_t server = PidFromLine(lines.out[1][0]);
  cleanup.pids.push_back(server);
  EXPECT_TRUE(ProcessRunning(server));
  ex.Abort();
  EXPECT_FALSE(ProcessRunning(server));
}

TEST(ProcessExecutorTest, LeftoverThatKeepsWritingDoesNotHoldTheCommandOpen) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace});
  Lines lines;
  // `yes` inherits the output pipe and never stops writing to it.
  CommandResult r = RunOne(ex, lines, {.id = 1, .argv = {"sh", "-c", "yes & echo started"}});
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(lines.out[1], Contains("started"));
  ex.Abort();
  EXPECT_EQ(ex.running(), 0u);
}

TEST(ProcessExecutorTest, SubreaperAdoptsAndStopsADoubleForkedDaemon) {
  KillOnExit cleanup;
  pid_t daemon = 0;
  {
    ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace, .subreaper = true});
    Lines lines;
    // The subshell forks `setsid sleep` into its own session and exits:
    // the classic double fork, leaving the daemon outside every group of ours.
    CommandResult r = RunOne(
        ex, lines, {.id = 1, .argv = {"sh", "-c", "(setsid sleep 30 >/dev/null 2>&1 & echo $!)"}});
    EXPECT_TRUE(r.ok());
    ASSERT_EQ(lines.out[1].size(), 1u);
    daemon = PidFromLine(lines.out[1][0]);
    cleanup.pids.push_back(daemon);
    ASSERT_TRUE(ProcessRunning(daemon));
    EXPECT_EQ(ProcessParent(daemon), ::getpid()) << "adopted by the subreaper";
  }
  EXPECT_FALSE(ProcessRunning(daemon));
  EXPECT_EQ(ProcessStateLetter(daemon), 0) << "adopted daemon was not reaped";
}

TEST(ProcessExecutorTest, StopAlsoStopsDaemonsThatLeftTheGroup) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace, .subreaper = true});
  Lines lines;
  KillOnExit cleanup;
  ASSERT_THAT(ex.Start({.id = 3,
                        .argv = {"sh", "-c", "(setsid sleep 30 >/dev/null 2>&1 & echo $!); exec sleep 30"},
                        .serve = true}),
              IsOk());
  PumpUntilLines(ex, lines, 3, 1);
  pid_t daemon = PidFromLine(lines.out[3][0]);
  cleanup.pids.push_back(daemon);
  EXPECT_EQ(StopAndWait(ex, lines, 3).kind, ExitKind::kStopped);
  EXPECT_FALSE(ProcessRunning(daemon));
}

TEST(ProcessExecutorTest, StopGivesASetsidChildOfTheLiveLeaderSigtermToo) {
  // Out of the group (own session) but not orphaned: its parent, the
  // leader, still runs. It must get SIGTERM and its grace, not just SIGKILL.
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = absl::Seconds(5), .subreaper = true});
  Lines lines;
  KillOnExit cleanup;
  ASSERT_THAT(
      ex.Start({.id = 5,
                .argv = {"sh", "-c",
                         "setsid sh -c 'trap \"echo daemon stopped cleanly; exit 0\" TERM; echo $$; "
                         "while :; do sleep 0.05; done' & wait"},
                .serve = true}),
      IsOk());
  PumpUntilLines(ex, lines, 5, 1);
  pid_t escaped = PidFromLine(lines.out[5][0]);
  cleanup.pids.push_back(escaped);
  EXPECT_EQ(StopAndWait(ex, lines, 5).kind, ExitKind::kStopped);
  EXPECT_THAT(lines.out[5], Contains("daemon stopped cleanly"));
  EXPECT_FALSE(ProcessRunning(escaped));
}

TEST(ProcessExecutorTest, InterruptWakesAnInfiniteWaitFromAnotherThread) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace});
  Lines lines;
  ASSERT_THAT(ex.Start({.id = 1, .argv = {"sleep", "30"}, .serve = true}), IsOk());
  std::thread waker([&ex] {
    absl::SleepFor(absl::Milliseconds(50));
    ex.Interrupt();
  });
  EXPECT_EQ(ex.Wait(absl::InfiniteFuture(), lines), std::nullopt);
  waker.join();
  EXPECT_EQ(ex.running(), 1u);
}

TEST(ProcessExecutorTest, InterruptBeforeWaitIsNotLost) {
  ProcessExecutor ex;
  Lines lines;
  ex.Interrupt();
  EXPECT_EQ(ex.Wait(absl::InfiniteFuture(), lines), std::nullopt);
}

// ---- String commands without `sh -c` --------------------------------------
//
// A plain-words string command is spawned directly; everything a user can
// see must be what `sh -c` gives. Each equivalence test runs the same spec
// with direct_exec on and off and compares.

// What a user sees of one command: how it ended and what it printed.
struct Outcome {
  CommandResult result;
  std::vector<std::string> out;
  std::vector<std::string> err;

  std::string Show() const {
    return absl::StrCat(result.Describe(), " | out: ", absl::StrJoin(out, "\\n"),
                        " | err: ", absl::StrJoin(err, "\\n"));
  }
};

Outcome RunWith(bool direct, CommandSpec spec) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace, .direct_exec = direct});
  Lines lines;
  spec.id = 1;
  Outcome outcome;
  outcome.result = RunOne(ex, lines, spec);
  outcome.out = lines.out[1];
  outcome.err = lines.err[1];
  return outcome;
}

// The string command `script` as the engine hands it over.
std::vector<std::string> Sh(std::string script) { return {"sh", "-c", std::move(script)}; }

void WriteFile(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

// What a child saw: its parent and its environment, printed by
// `cat /proc/self/stat /proc/self/environ` (plain words, so direct).
struct ChildView {
  pid_t ppid = 0;
  std::vector<std::string> entries;  // in the order the child got them
  std::map<std::string, std::string> env;
};

constexpr char kProbe[] = "cat /proc/self/stat /proc/self/environ";

ChildView ParseProbe(const std::vector<std::string>& out) {
  ChildView view;
  if (out.empty()) return view;
  // stat: "pid (comm) S ppid ..."; the environment follows, NUL-separated
  // (a value holding a newline spans lines).
  std::vector<std::string> stat = absl::StrSplit(out[0].substr(out[0].rfind(')') + 2), ' ');
  if (stat.size() > 1) view.ppid = static_cast<pid_t>(std::atoi(stat[1].c_str()));
  std::string environ_text =
      absl::StrJoin(std::vector<std::string>(out.begin() + 1, out.end()), "\n");
  for (absl::string_view entry : absl::StrSplit(environ_text, '\0', absl::SkipEmpty())) {
    view.entries.emplace_back(entry);
    std::pair<std::string, std::string> kv = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    view.env[kv.first] = kv.second;
  }
  return view;
}

TEST(ProcessExecutorDirectTest, PlainStringCommandRunsWithoutAShell) {
  TempDir temp("fops-direct");
  WriteFile(temp.path() / "ppid.sh", "#!/bin/sh\necho $PPID\n", 0755);
  const std::string me = std::to_string(::getpid());
  // Direct: the script's parent is this process.
  Outcome direct = RunWith(true, {.argv = Sh("./ppid.sh"), .dir = temp.path().string()});
  EXPECT_THAT(direct.out, ElementsAre(me));
  // With the shell (opt-out, or shell syntax) its parent is the `sh -c`.
  Outcome shell = RunWith(false, {.argv = Sh("./ppid.sh"), .dir = temp.path().string()});
  ASSERT_THAT(shell.out, SizeIs(1));
  EXPECT_NE(shell.out[0], me);
  Outcome syntax = RunWith(true, {.argv = Sh("./ppid.sh; :"), .dir = temp.path().string()});
  ASSERT_THAT(syntax.out, SizeIs(1));
  EXPECT_NE(syntax.out[0], me);
  // An argv command of the same shape but more words is not a string command.
  Outcome args = RunWith(true, {.argv = {"sh", "-c", "./ppid.sh", "name"}, .dir = temp.path().string()});
  ASSERT_THAT(args.out, SizeIs(1));
  EXPECT_NE(args.out[0], me);
}

TEST(ProcessExecutorDirectTest, PwdIsWhatTheShellSets) {
  TempDir temp("fops-direct-pwd");
  const std::filesystem::path real = temp.path() / "real";
  const std::filesystem::path other = temp.path() / "other";
  const std::filesystem::path link = temp.path() / "link";
  std::filesystem::create_directories(real);
  std::filesystem::create_directories(other);
  std::filesystem::create_directory_symlink(real, link);
  const std::string physical = std::filesystem::canonical(real).string();
  struct Case {
    std::string dir;
    std::optional<std::string> pwd;  // set in the command's env
    std::string expected;            // what dash gives
  };
  const std::vector<Case> cases = {
      {real.string(), std::nullopt, physical},          // an inherited PWD naming elsewhere
      {link.string(), std::nullopt, physical},          // a symlinked dir: the physical path
      {link.string(), link.string(), link.string()},    // PWD names it: kept, symlink and all
      {link.string(), link.string() + "/", link.string() + "/"},  // kept verbatim
      {real.string(), link.string(), link.string()},    // another name of the same dir
      {link.string(), other.string(), physical},        // names another dir
      {real.string(), "real", physical},                // relative
  };
  for (const Case& c : cases) {
    std::map<std::string, std::string> env;
    if (c.pwd) env["PWD"] = *c.pwd;
    Outcome shell = RunWith(true, {.argv = Sh("echo \"$PWD\""), .dir = c.dir, .env = env});
    ChildView direct = ParseProbe(RunWith(true, {.argv = Sh(kProbe), .dir = c.dir, .env = env}).out);
    EXPECT_EQ(direct.ppid, ::getpid()) << "not run directly";
    EXPECT_THAT(shell.out, ElementsAre(c.expected)) << c.dir << " PWD=" << c.pwd.value_or("-");
    EXPECT_EQ(direct.env["PWD"], c.expected) << c.dir << " PWD=" << c.pwd.value_or("-");
  }
}

TEST(ProcessExecutorDirectTest, PwdWithoutAnyInheritedPwd) {
  TempDir temp("fops-direct-nopwd");
  const std::filesystem::path link = temp.path() / "link";
  std::filesystem::create_directory_symlink(temp.path(), link);
  const char* saved = std::getenv("PWD");
  std::string saved_pwd = saved != nullptr ? saved : "";
  ::unsetenv("PWD");
  Outcome shell = RunWith(true, {.argv = Sh("echo \"$PWD\""), .dir = link.string()});
  ChildView direct = ParseProbe(RunWith(true, {.argv = Sh(kProbe), .dir = link.string()}).out);
  Outcome shell_here = RunWith(true, {.argv = Sh("echo \"$PWD\"")});
  ChildView direct_here = ParseProbe(RunWith(true, {.argv = Sh(kProbe)}).out);
  if (saved != nullptr) ::setenv("PWD", saved_pwd.c_str(), 1);
  EXPECT_EQ(direct.ppid, ::getpid()) << "not run directly";
  EXPECT_THAT(shell.out, ElementsAre(std::filesystem::canonical(temp.path()).string()));
  EXPECT_EQ(direct.env["PWD"], shell.out[0]);
  ASSERT_THAT(shell_here.out, SizeIs(1));
  EXPECT_EQ(direct_here.env["PWD"], shell_here.out[0]);
}

TEST(ProcessExecutorDirectTest, EnvironmentIsWhatTheShellPassesOn) {
  // dash drops entries that are not shell names (bash's exported functions
  // among them), adds PWD, and lists the rest in its own order (`env`
  // prints it): ZZ and PATH share a bucket of its table, PATH first.
  std::map<std::string, std::string> env = {{"A-B", "dropped"},
                                            {"BASH_FUNC_f%%", "() { :; }"},
                                            {"FOPS_OK_1", "kept"},
                                            {"ZZ", "after PATH"},
                                            {"_x", "kept"}};
  ChildView direct = ParseProbe(RunWith(true, {.argv = Sh(kProbe), .env = env}).out);
  ChildView shell = ParseProbe(RunWith(true, {.argv = Sh(absl::StrCat("exec ", kProbe)), .env = env}).out);
  EXPECT_EQ(direct.ppid, ::getpid()) << "not run directly";
  EXPECT_EQ(direct.env.count("A-B"), 0u);
  EXPECT_EQ(direct.env["FOPS_OK_1"], "kept");
  EXPECT_EQ(direct.entries, shell.entries);
}

TEST(ProcessExecutorDirectTest, VariablesTheShellResetsKeepTheShell) {
  // dash sets PPID to its parent, OPTIND to 1 and IFS to the default even
  // when exported to it; only the shell itself gets that right.
  for (const char* name : {"PPID", "OPTIND", "IFS"}) {
    std::map<std::string, std::string> env = {{name, "7"}};
    ChildView direct = ParseProbe(RunWith(true, {.argv = Sh(kProbe), .env = env}).out);
    ChildView shell = ParseProbe(RunWith(true, {.argv = Sh(absl::StrCat("exec ", kProbe)), .env = env}).out);
    EXPECT_NE(direct.ppid, ::getpid()) << name;
    EXPECT_NE(direct.env[name], "7") << name;
    EXPECT_EQ(direct.entries, shell.entries) << name;
  }
}

TEST(ProcessExecutorDirectTest, SpawnFailuresReportAsTheShellDoes) {
  // The direct spawn fails; the shell then meets the same failure and
  // reports it in its own words, or (no #! line) runs the script itself.
  TempDir temp("fops-direct-spawn");
  WriteFile(temp.path() / "tool", "#!/bin/sh\necho ran\n", 0644);
  WriteFile(temp.path() / "build", "echo no shebang line; exit 3\n", 0755);
  struct Case {
    std::string script;
    int exit_code;
    std::vector<std::string> out;
    std::vector<std::string> err;
  };
  const std::vector<Case> cases = {
      {"fops-no-such-program --flag", 127, {}, {"sh: 1: fops-no-such-program: not found"}},
      {"./tool", 126, {}, {"sh: 1: ./tool: Permission denied"}},
      {"./build", 3, {"no shebang line"}, {}},
  };
  for (const Case& c : cases) {
    CommandSpec spec{.argv = Sh(c.script), .dir = temp.path().string()};
    Outcome direct = RunWith(true, spec);
    EXPECT_EQ(direct.Show(), RunWith(false, spec).Show()) << c.script;
    EXPECT_EQ(direct.result.kind, ExitKind::kExited) << c.script;
    EXPECT_EQ(direct.result.exit_code, c.exit_code) << c.script;
    EXPECT_EQ(direct.out, c.out) << c.script;
    EXPECT_EQ(direct.err, c.err) << c.script;
  }
}

TEST(ProcessExecutorDirectTest, PathSetForTheCommandIsSearchedByTheShell) {
  // `id` is also on this process's PATH; the command's own PATH must win.
  TempDir temp("fops-direct-path");
  WriteFile(temp.path() / "id", "#!/bin/sh\necho the command PATH won\n", 0755);
  Outcome r = RunWith(true, {.argv = Sh("id"),
                             .env = {{"PATH", temp.path().string() + ":/usr/bin:/bin"}}});
  EXPECT_TRUE(r.result.ok());
  EXPECT_THAT(r.out, ElementsAre("the command PATH won"));
}

TEST(ProcessExecutorDirectTest, DeathBySignalReportsAsTheShellDoes) {
  TempDir temp("fops-direct-signal");
  struct Case {
    std::string script;
    int exit_code;
    std::vector<std::string> err;
  };
  const std::vector<Case> cases = {
      {"echo before; kill -SEGV $$", 139, {"Segmentation fault"}},
      {"kill -KILL $$", 137, {"Killed"}},
      {"kill -TERM $$", 143, {"Terminated"}},
      {"kill -INT $$", 130, {}},  // the shell says nothing for SIGINT
      // the message lands on an unfinished last line, as the shell's write does
      {"printf partial >&2; kill -ABRT $$", 134, {"partialAborted"}},
  };
  // No core files: "(core dumped)" would be appended (by both) where cores
  // are enabled.
  rlimit saved_core;
  ::getrlimit(RLIMIT_CORE, &saved_core);
  rlimit no_core = saved_core;
  no_core.rlim_cur = 0;
  ::setrlimit(RLIMIT_CORE, &no_core);
  for (const Case& c : cases) {
    WriteFile(temp.path() / "die", "#!/bin/sh\n" + c.script + "\n", 0755);
    CommandSpec spec{.argv = Sh("./die"), .dir = temp.path().string()};
    Outcome direct = RunWith(true, spec);
    Outcome shell = RunWith(false, spec);
    EXPECT_EQ(direct.Show(), shell.Show()) << c.script;
    EXPECT_EQ(direct.result.kind, ExitKind::kExited) << c.script;
    EXPECT_EQ(direct.result.exit_code, c.exit_code) << c.script;
    EXPECT_EQ(direct.err, c.err) << c.script;
  }
  ::setrlimit(RLIMIT_CORE, &saved_core);
}

TEST(ProcessExecutorDirectTest, TimeoutAndStopStillEndTheWholeGroup) {
  TempDir temp("fops-direct-group");
  WriteFile(temp.path() / "serve", "#!/bin/sh\nsleep 30 &\necho $!\nwait\n", 0755);
  KillOnExit cleanup;
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace});
  Lines lines;
  CommandResult timed_out = RunOne(
      ex, lines, {.id = 1, .argv = Sh("./serve"), .dir = temp.path().string(), .timeout = kTimeout});
  EXPECT_EQ(timed_out.Describe(), "timed out");
  EXPECT_THAT(lines.err[1], IsEmpty()) << "no shell message for a signal fops sent";
  ASSERT_THAT(lines.out[1], SizeIs(1));
  pid_t grandchild = PidFromLine(lines.out[1][0]);
  cleanup.pids.push_back(grandchild);
  EXPECT_FALSE(ProcessRunning(grandchild)) << "grandchild survived the timeout";

  ASSERT_THAT(ex.Start({.id = 2, .argv = Sh("./serve"), .dir = temp.path().string(), .serve = true}),
              IsOk());
  PumpUntilLines(ex, lines, 2, 1);
  pid_t served = PidFromLine(lines.out[2][0]);
  cleanup.pids.push_back(served);
  EXPECT_EQ(StopAndWait(ex, lines, 2).Describe(), "stopped");
  EXPECT_THAT(lines.err[2], IsEmpty());
  EXPECT_FALSE(ProcessRunning(served));
}

TEST(ProcessExecutorDirectTest, OptOutKeepsTheShell) {
  TempDir temp("fops-direct-optout");
  WriteFile(temp.path() / "ppid.sh", "#!/bin/sh\necho $PPID\n", 0755);
  const std::string me = std::to_string(::getpid());
  CommandSpec spec{.argv = Sh("./ppid.sh"), .dir = temp.path().string()};
  // For one command, through its env.
  CommandSpec one = spec;
  one.env = {{"FOPS_DIRECT_EXEC", "0"}};
  EXPECT_THAT(RunWith(true, one).out, ElementsAre(Not(me)));
  // For the process, through its environment (read when an executor is made).
  ::setenv("FOPS_DIRECT_EXEC", "off", 1);
  Outcome off = RunWith(true, spec);
  ::unsetenv("FOPS_DIRECT_EXEC");
  EXPECT_THAT(off.out, ElementsAre(Not(me)));
  EXPECT_THAT(RunWith(true, spec).out, ElementsAre(me));
}

// The record of what runs (process_ledger.h), as the `fops` command keeps
// it: a crashed fops' processes are found from it.
class ProcessExecutorRecordTest : public ::testing::Test {
 protected:
  absl::StatusOr<LedgerRecord> Record(const ProcessExecutor& ex) {
    return ProcessLedger::Read(ex.process_record());
  }

  TempDir temp_{"fops-record"};
  const std::filesystem::path state_ = temp_.path() / "state";
  Lines lines_;
};

TEST_F(ProcessExecutorRecordTest, RecordsEachRunningGroupAndNothingOnceItEnds) {
  std::filesystem::path file;
  {
    ProcessExecutor ex(ProcessExecutorOptions{
        .kill_grace = kGrace, .process_record = state_, .record_owner = "fops up"});
    ASSERT_TRUE(ex.recording());
    ASSERT_THAT(ex.Start({.id = 7, .resource = "api", .argv = Sh("echo $$; exec sleep 30"),
                          .serve = true}),
                IsOk());
    PumpUntilLines(ex, lines_, 7, 1);
    const pid_t leader = PidFromLine(lines_.out[7][0]);
    KillOnExit cleanup{{leader}};
    file = ex.process_record();
    EXPECT_EQ(file.parent_path(), ProcessLedger::Directory(state_));
    absl::StatusOr<LedgerRecord> record = Record(ex);
    ASSERT_THAT(record, IsOk());
    EXPECT_EQ(record->owner.pid, ::getpid());
    EXPECT_EQ(record->owner_command, "fops up");
    ASSERT_THAT(record->groups, SizeIs(1));
    const RecordedGroup& group = record->groups[0];
    EXPECT_EQ(group.id, 7u);
    EXPECT_EQ(group.pgid, leader);
    EXPECT_EQ(group.resource, "api");
    EXPECT_EQ(group.command, "echo $$; exec sleep 30");
    // Named with its start time: a later process with this pid is not it.
    ASSERT_THAT(group.processes, SizeIs(1));
    EXPECT_EQ(group.processes[0].pid, leader);
    std::optional<ProcStat> stat = ReadProcStat(leader);
    ASSERT_TRUE(stat.has_value());
    EXPECT_TRUE(group.processes[0].StartedAt(stat->start_ticks));
    EXPECT_FALSE(group.processes[0].StartedAt(stat->start_ticks + 100));

    EXPECT_EQ(StopAndWait(ex, lines_, 7).Describe(), "stopped");
    record = Record(ex);
    ASSERT_THAT(record, IsOk());
    EXPECT_THAT(record->groups, IsEmpty());
  }
  // A clean end leaves the state directory as it was.
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_FALSE(std::filesystem::exists(ProcessLedger::Directory(state_)));
}

TEST_F(ProcessExecutorRecordTest, ALingeringGroupIsRecordedByItsMembers) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace, .process_record = state_});
  ASSERT_THAT(ex.Start({.id = 1, .resource = "db", .argv = Sh("sleep 30 & echo $!")}), IsOk());
  std::optional<CommandResult> r = ex.Wait(absl::Now() + kTestDeadline, lines_);
  ASSERT_TRUE(r.has_value());
  ASSERT_THAT(lines_.out[1], SizeIs(1));
  const pid_t member = PidFromLine(lines_.out[1][0]);
  KillOnExit cleanup{{member}};
  absl::StatusOr<LedgerRecord> record = Record(ex);
  ASSERT_THAT(record, IsOk());
  ASSERT_THAT(record->groups, SizeIs(1));
  ASSERT_THAT(record->groups[0].processes, SizeIs(1));
  EXPECT_EQ(record->groups[0].processes[0].pid, member);
  EXPECT_TRUE(IsSameProcess(member, record->groups[0].processes[0].start_ticks));
  ex.Abort();
  EXPECT_FALSE(ProcessRunning(member));
  record = Record(ex);
  ASSERT_THAT(record, IsOk());
  EXPECT_THAT(record->groups, IsEmpty());
}

TEST_F(ProcessExecutorRecordTest, SecretsNeverReachTheRecord) {
  Redactor run;  // the run's secrets, as ProjectRedactor gives them
  run.AddSecret("other-resource-secret");
  ProcessExecutor ex(ProcessExecutorOptions{
      .kill_grace = kGrace, .process_record = state_, .record_redactor = run});
  ASSERT_THAT(ex.Start({.id = 1,
                        .argv = Sh("exec sleep 30 # own-secret-value other-resource-secret"),
                        .env = {{"API_TOKEN", "own-secret-value"}},
                        .serve = true}),
              IsOk());
  absl::StatusOr<std::string> text = ReadFile(ex.process_record());
  ASSERT_THAT(text, IsOk());
  EXPECT_THAT(*text, Not(HasSubstr("secret-value")));
  EXPECT_THAT(*text, Not(HasSubstr("other-resource-secret")));
  absl::StatusOr<LedgerRecord> record = Record(ex);
  ASSERT_THAT(record, IsOk());
  EXPECT_EQ(record->groups.at(0).command, "exec sleep 30 # [REDACTED] [REDACTED]");
  ex.Abort();
}

TEST_F(ProcessExecutorRecordTest, WithoutTheOptionNothingIsWritten) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace});
  EXPECT_FALSE(ex.recording());
  EXPECT_EQ(ex.process_record(), std::filesystem::path());
  ASSERT_THAT(ex.Start({.id = 1, .argv = {"true"}}), IsOk());
  ASSERT_TRUE(ex.Wait(absl::Now() + kTestDeadline, lines_).has_value());
  EXPECT_FALSE(std::filesystem::exists(state_));
}

TEST_F(ProcessExecutorRecordTest, ACommandThatCannotBeRecordedDoesNotRun) {
  std::filesystem::create_directories(temp_.path());
  WriteFile(temp_.path() / "file", "not a directory\n", 0644);
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace,
                                            .process_record = temp_.path() / "file"});
  const std::filesystem::path marker = temp_.path() / "ran";
  EXPECT_THAT(ex.Start({.id = 1, .argv = {"sh", "-c", "sleep 0.2; touch " + marker.string()}}),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("recording the processes fops runs")));
  EXPECT_EQ(ex.running(), 0u);
  ::usleep(400 * 1000);
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(ProcessExecutorRecordTest, RecordingStartsBeforeTheFirstCommandOrNotAtAll) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace});
  ASSERT_THAT(ex.Start({.id = 1, .argv = {"true"}}), IsOk());
  EXPECT_THAT(ex.RecordProcesses(state_, "fops up"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("has started some")));
  ProcessExecutor fresh(ProcessExecutorOptions{.kill_grace = kGrace});
  ASSERT_THAT(fresh.RecordProcesses(state_, "fops mode staging"), IsOk());
  EXPECT_TRUE(fresh.recording());
  EXPECT_THAT(fresh.RecordProcesses(state_, "again"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("records already")));
}

TEST(ProcessExecutorOwnsTest, ACommandOwnsItsGroupAndItsDescendantsOnly) {
  ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = kGrace, .subreaper = true});
  Lines lines;
  // A member of its group, and a child that left the group (setsid).
  ASSERT_THAT(ex.Start({.id = 1,
                        .argv = Sh("sleep 30 & echo $!; setsid sleep 31 & echo $!; wait"),
                        .serve = true}),
              IsOk());
  PumpUntilLines(ex, lines, 1, 2);
  const pid_t member = PidFromLine(lines.out[1][0]);
  const pid_t escaped = PidFromLine(lines.out[1][1]);
  KillOnExit cleanup{{member, escaped}};
  EXPECT_EQ(ex.OwnsProcess(1, member), std::optional<bool>(true));
  EXPECT_EQ(ex.OwnsProcess(1, escaped), std::optional<bool>(true));
  EXPECT_EQ(ex.OwnsProcess(1, ::getpid()), std::optional<bool>(false));
  EXPECT_EQ(ex.OwnsProcess(2, member), std::nullopt);  // no such command
  EXPECT_EQ(StopAndWait(ex, lines, 1).Describe(), "stopped");
  EXPECT_EQ(ex.OwnsProcess(1, member), std::nullopt);  // ended
}

}  // namespace
}  // namespace fops
