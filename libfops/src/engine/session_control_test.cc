#include "fops/engine/session_control.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fops/base/status_matchers.h"
#include "fops/engine/status_board.h"
#include "fops/exec/scripted_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::fops::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Resource Named(std::string name, std::string cmd, TriggerMode mode = TriggerMode::kAuto) {
  Resource r;
  r.name = std::move(name);
  r.cmd = Command::Shell(std::move(cmd));
  r.trigger_mode = mode;
  return r;
}

Project MakeProject() {
  Project p;
  p.tiltfile = "/src/app/Tiltfile.py";
  p.root = "/src/app";
  p.resources = {Named("api", "make api"), Named("fill", "fill db", TriggerMode::kManual)};
  return p;
}

// Stops the session once `fill` has finished.
struct StopAfterFill : Observer {
  void OnResourceFinished(const Resource& r, const ResourceResult&) override {
    if (r.name == "fill") engine->RequestStop();
  }
  Engine* engine = nullptr;
};

TEST(SessionControlTest, TriggersAResourceOfTheRunningSessionAndRemovesTheSocketOnClose) {
  TempDir dir("fops-control");
  const std::filesystem::path state = dir.path() / ".fops";
  ScriptedExecutor ex;
  StopAfterFill stop;
  auto engine = Engine::Create(MakeProject(), ex, {.observers = {&stop}});
  ASSERT_THAT(engine, IsOk());
  stop.engine = engine->get();
  auto control = SessionControl::Start(state, **engine);
  ASSERT_THAT(control, IsOk());
  const std::filesystem::path socket = state / "session.sock";
  EXPECT_EQ((*control)->path(), socket);
  ASSERT_TRUE(std::filesystem::is_socket(socket));
  struct stat st{};
  ASSERT_EQ(stat(socket.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  RunResult result;
  std::thread up([&] { result = (*engine)->Up(); });
  absl::StatusOr<std::string> answer;
  do {  // until Up() is in session
    answer = RequestTrigger(state, {"fill"});
  } while (answer.status().code() == absl::StatusCode::kFailedPrecondition);
  up.join();
  ASSERT_THAT(answer, IsOk());
  EXPECT_EQ(*answer, "triggered fill");
  EXPECT_TRUE(result.ok);
  ASSERT_EQ(ex.calls().size(), 2u);
  EXPECT_EQ(ex.calls()[1].argv.back(), "fill db");

  (*control)->Close();
  EXPECT_FALSE(std::filesystem::exists(socket));
  EXPECT_THAT(RequestTrigger(state, {"fill"}),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr(absl::StrCat("no fops up session is listening in ", state.string()))));
}

TEST(SessionControlTest, UnknownNamesTriggerNothingAndNameTheDefinedOnes) {
  TempDir dir("fops-control");
  ScriptedExecutor ex;
  auto engine = Engine::Create(MakeProject(), ex, {});
  ASSERT_THAT(engine, IsOk());
  auto control = SessionControl::Start(dir.path(), **engine);
  ASSERT_THAT(control, IsOk());
  EXPECT_THAT(RequestTrigger(dir.path(), {"api", "fil"}),
              StatusIs(absl::StatusCode::kNotFound,
                       "unknown resource 'fil' (did you mean 'fill'?); defined: api, fill"));
  EXPECT_THAT(RequestTrigger(dir.path(), {"x", "fil"}),
              StatusIs(absl::StatusCode::kNotFound,
                       "unknown resource 'x'; unknown resource 'fil' (did you mean 'fill'?); "
                       "defined: api, fill"));
  // Known names, but the engine is not in an Up() session.
  EXPECT_THAT(RequestTrigger(dir.path(), {"fill"}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "cannot trigger 'fill': no `fops up` session is running"));
  EXPECT_THAT(SendSessionRequest(dir.path(), "restart api"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unknown request 'restart'; expected: trigger NAME..., enable NAME, "
                       "disable NAME, status, logs [NAME] [after=N] [wait=S]"));
  EXPECT_THAT(RequestTrigger(dir.path(), {"two words"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a resource name")));
  EXPECT_TRUE(ex.calls().empty());
}

TEST(SessionControlTest, AnswersStatusAndLogsAndAWaitingLogsRequestHoldsUpNobody) {
  TempDir dir("fops-control");
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "fill db", .output = {"filled 3 rows"}});
  const Project project = MakeProject();
  StatusBoard board(project, {.command = "up", .mode = "development"});
  StopAfterFill stop;
  auto engine = Engine::Create(project, ex, {.observers = {&board, &stop}});
  ASSERT_THAT(engine, IsOk());
  stop.engine = engine->get();
  auto control = SessionControl::Start(dir.path(), **engine, &board);
  ASSERT_THAT(control, IsOk());
  EXPECT_THAT(SendSessionRequest(dir.path(), "logs after=x"),
              StatusIs(absl::StatusCode::kInvalidArgument, "logs: after=x is not a number"));
  EXPECT_THAT(SendSessionRequest(dir.path(), "logs fil"),
              StatusIs(absl::StatusCode::kNotFound, "unknown resource 'fil'; defined: api, fill"));

  RunResult result;
  std::thread up([&] { result = (*engine)->Up(); });
  // A follower waits for fill's lines while the trigger is answered.
  absl::StatusOr<std::string> followed;
  std::thread follower([&] {
    followed = SendSessionRequest(dir.path(), "logs fill after=0 wait=30", absl::Seconds(60));
  });
  absl::StatusOr<std::string> answer;
  do {
    answer = RequestTrigger(dir.path(), {"fill"});
  } while (answer.status().code() == absl::StatusCode::kFailedPrecondition);
  ASSERT_THAT(answer, IsOk());
  follower.join();
  up.join();
  ASSERT_THAT(followed, IsOk());
  EXPECT_THAT(*followed, HasSubstr("\"resource\":\"fill\""));

  absl::StatusOr<std::string> status = SendSessionRequest(dir.path(), "status");
  ASSERT_THAT(status, IsOk());
  EXPECT_THAT(*status, HasSubstr("\"command\":\"up\""));
  EXPECT_THAT(*status, HasSubstr("\"finished\":true"));
  absl::StatusOr<std::string> logs = SendSessionRequest(dir.path(), "logs fill");
  ASSERT_THAT(logs, IsOk());
  EXPECT_THAT(*logs, HasSubstr("\"text\":\"filled 3 rows\""));
  EXPECT_THAT(*logs, ::testing::Not(HasSubstr("make api")));
  EXPECT_THAT(SendSessionRequest(dir.path(), "disable fill"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no `fops up` session")));
}

TEST(SessionControlTest, AStateDirectoryTooLongForSunPathStillWorks) {
  TempDir dir("fops-control");
  const std::filesystem::path state = dir.path() / std::string(120, 'x') / ".fops";
  ASSERT_GT(SessionSocketPath(state).string().size(), sizeof(sockaddr_un{}.sun_path));
  ScriptedExecutor ex;
  auto engine = Engine::Create(MakeProject(), ex, {});
  ASSERT_THAT(engine, IsOk());
  auto control = SessionControl::Start(state, **engine);
  ASSERT_THAT(control, IsOk());
  EXPECT_TRUE(std::filesystem::is_socket(state / "session.sock"));
  EXPECT_THAT(RequestTrigger(state, {"fill"}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no `fops up` session")));
  (*control)->Close();
  EXPECT_FALSE(std::filesystem::exists(state / "session.sock"));
}

TEST(SessionControlTest, ReplacesASocketADeadSessionLeftAndRefusesToShareALiveOne) {
  TempDir dir("fops-control");
  const std::filesystem::path socket = SessionSocketPath(dir.path());
  {  // a socket file nobody listens on, as a killed session leaves it
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, socket.c_str());
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    close(fd);
  }
  ScriptedExecutor ex;
  auto engine = Engine::Create(MakeProject(), ex, {});
  ASSERT_THAT(engine, IsOk());
  auto control = SessionControl::Start(dir.path(), **engine);
  ASSERT_THAT(control, IsOk());
  EXPECT_THAT(SessionControl::Start(dir.path(), **engine),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("another fops session already listens on")));
  EXPECT_THAT(RequestTrigger(dir.path(), {"fill"}),
              StatusIs(absl::StatusCode::kFailedPrecondition,  // the first one still answers
                       HasSubstr("no `fops up` session is running")));
}

TEST(SessionControlTest, AnswersNoOtherUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  TempDir dir("fops-control");
  chmod(dir.path().c_str(), 0755);
  int go[2], result[2];
  ASSERT_EQ(pipe(go), 0);
  ASSERT_EQ(pipe(result), 0);
  // Forked before the session's thread exists; the child becomes nobody
  // and asks once told the socket is there.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    char c;
    if (setgid(65534) != 0 || setuid(65534) != 0 || read(go[0], &c, 1) != 1) _exit(3);
    absl::StatusOr<std::string> answer = RequestTrigger(dir.path(), {"fill"});
    const std::string text = answer.ok() ? "ok" : std::string(answer.status().message());
    (void)!write(result[1], text.data(), text.size());
    _exit(0);
  }
  ScriptedExecutor ex;
  auto engine = Engine::Create(MakeProject(), ex, {});
  ASSERT_THAT(engine, IsOk());
  auto control = SessionControl::Start(dir.path(), **engine);
  ASSERT_THAT(control, IsOk());
  // Past the file mode, so the uid check itself is what answers.
  chmod((*control)->path().c_str(), 0666);
  ASSERT_EQ(write(go[1], "g", 1), 1);
  close(result[1]);
  std::string text;
  char buffer[512];
  for (ssize_t n; (n = read(result[0], buffer, sizeof(buffer))) > 0;) text.append(buffer, n);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_EQ(text, "this session belongs to uid 0");
}

}  // namespace
}  // namespace fops
