// `fops mode deploy` and `fops down` as C++ transitions, end to end: a real
// second process holds the repo's session (as `fops up` would), the Argo CD
// stand-in plays scripted application states over HTTP, and the result,
// the lines and the recorded mode are what a user would see.
#include "fops/engine/mode_transition.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fops/base/atomic_file.h"
#include "fops/base/status_matchers.h"
#include "fops/model/mode_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/argocd_stand_in.h"
#include "support/tcp_listener.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

using ::fops::testing::ArgoAppState;
using ::fops::testing::ArgoCdStandIn;
using ::fops::testing::ArgoFault;
using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kHoldDir[] = "FOPS_TEST_DEPLOY_SESSION_DIR";
constexpr char kIgnoreTerm[] = "FOPS_TEST_DEPLOY_IGNORE_TERM";
constexpr char kLocked[] = "FOPS-DEPLOY-SESSION-LOCKED";

// The other process of these tests: holds the session as `fops up` does.
TEST(ModeTransitionHolder, HoldsTheSessionLikeFopsUp) {
  const char* dir = std::getenv(kHoldDir);
  if (dir == nullptr) GTEST_SKIP() << "helper process for ModeTransitionTest";
  if (std::getenv(kIgnoreTerm) != nullptr) signal(SIGTERM, SIG_IGN);
  absl::StatusOr<SessionLock> lock = SessionLock::Acquire(
      dir, {.pid = getpid(), .mode = "up", .tiltfile = "Tiltfile.py", .started = absl::Now()});
  std::printf("%s\n", lock.ok() ? kLocked : "FAILED");
  std::fflush(stdout);
  if (!lock.ok()) std::_Exit(1);
  while (true) pause();
}

// Argo CD states: an app that syncs and rolls out, one that is healthy at once.
const ArgoAppState kOutOfSync{.sync = "OutOfSync", .health = "Healthy", .phase = "Succeeded",
                              .finished = true, .reconciled = true};
const ArgoAppState kRunning{.sync = "OutOfSync", .health = "Progressing", .phase = "Running"};
const ArgoAppState kSyncedProgressing{.sync = "Synced", .health = "Progressing", .phase = "Succeeded",
                                      .finished = true, .reconciled = true};
const ArgoAppState kSyncedNotReconciled{.sync = "Synced", .health = "Healthy", .phase = "Succeeded",
                                        .finished = true, .reconciled = false};
const ArgoAppState kHealthy{.sync = "Synced", .health = "Healthy", .phase = "Succeeded",
                            .finished = true, .reconciled = true};

class ModeTransitionTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (holder_ > 0) {
      kill(holder_, SIGKILL);
      waitpid(holder_, nullptr, 0);
    }
  }

  void StartHolder(bool ignore_term = false) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      setenv(kHoldDir, state_dir_.c_str(), 1);
      if (ignore_term) setenv(kIgnoreTerm, "1", 1);
      execl("/proc/self/exe", "fops_tests",
            "--gtest_filter=ModeTransitionHolder.HoldsTheSessionLikeFopsUp", nullptr);
      std::_Exit(127);
    }
    holder_ = pid;
    close(out[1]);
    FILE* in = fdopen(out[0], "r");
    char line[4096];
    bool locked = false;
    while (!locked && std::fgets(line, sizeof line, in) != nullptr) {
      locked = std::string(line).find(kLocked) == 0;
    }
    std::fclose(in);
    ASSERT_TRUE(locked) << "the holder never took the session lock";
  }

  // True once the holder has exited (reaped here).
  bool HolderExited() {
    int status = 0;
    if (holder_ > 0 && waitpid(holder_, &status, 0) == holder_) {
      holder_ = 0;
      return true;
    }
    return false;
  }

  DeployTransition Deploy(std::vector<std::string> apps, absl::Duration timeout = absl::Seconds(20),
                          std::optional<ArgoCdOptions> argocd = std::nullopt) {
    return DeployTransition({.state_dir = state_dir_, .apps = std::move(apps),
                             .argocd = argocd ? *argocd : argo_.Options(), .timeout = timeout,
                             .stop_timeout = absl::Seconds(10)},
                            *http_);
  }

  // mode.json byte for byte ("<no file>" when there is none).
  std::string ModeFileText() {
    absl::StatusOr<std::string> text = ReadFile(ModeStatePath(state_dir_));
    return text.ok() ? *text : "<no file>";
  }

  // mode.json as `fops up` leaves it.
  std::string RecordDevelopmentMode() {
    UpTransition up(state_dir_);
    EXPECT_THAT(up.Execute(nullptr), IsOk());
    return ModeFileText();
  }

  // The first app's server hangs or drops every request: the second app
  // still gets its share of the deadline, is synced and confirmed.
  void ExpectTheSecondAppStillSynced(ArgoFault first_app_fault) {
    argo_.AddApp("fractalops-api", kOutOfSync, {kHealthy});
    argo_.AddApp("fractalops-portal", kOutOfSync, {kRunning, kHealthy});
    argo_.FaultApp("fractalops-api", first_app_fault);
    DeployTransition deploy = Deploy({"fractalops-api", "fractalops-portal"}, absl::Seconds(4));
    absl::StatusOr<TransitionResult> result = Run(deploy);
    ASSERT_THAT(result, IsOk());
    EXPECT_FALSE(result->ok);
    EXPECT_TRUE(result->recorded);
    EXPECT_EQ(argo_.syncs("fractalops-api"), 0);
    EXPECT_EQ(argo_.syncs("fractalops-portal"), 1);
    ASSERT_EQ(result->apps.size(), 2u);
    EXPECT_EQ(result->apps[0].state, "not reached");
    EXPECT_THAT(result->apps[0].line,
                HasSubstr("fractalops-api: not reached: argocd: GET /api/v1/applications/"
                          "fractalops-api: no usable answer before the deadline"));
    EXPECT_TRUE(result->apps[1].ok) << absl::StrJoin(result->lines, "\n");
    absl::StatusOr<ModeState> mode = LoadModeState(state_dir_);
    ASSERT_THAT(mode, IsOk());
    EXPECT_EQ(mode->mode, Mode::kDeployment);
    ASSERT_EQ(mode->apps.size(), 2u);
    EXPECT_EQ(mode->apps[0].confirmed, AppConfirmed::kNotReached);
    EXPECT_EQ(mode->apps[1].Describe(), "Synced Healthy at revision 0123456");
    EXPECT_EQ(mode->note, "1 of 2 apps Synced and Healthy; fractalops-api not reached");
  }

  absl::StatusOr<TransitionResult> Run(DeployTransition& deploy) {
    return deploy.Execute([this](std::string_view line) { printed_.emplace_back(line); });
  }

  ::fops::testing::TempDir temp_{"fops-mode-transition"};
  std::filesystem::path state_dir_ = temp_.path() / ".fops";
  ArgoCdStandIn argo_;
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  std::vector<std::string> printed_;
  pid_t holder_ = 0;
};

TEST_F(ModeTransitionTest, DeployStopsTheSessionSyncsWaitsAndRecordsTheMode) {
  StartHolder();
  const pid_t session = holder_;
  argo_.AddApp("fractalops-api", kOutOfSync,
               {kRunning, kSyncedProgressing, kSyncedNotReconciled, kHealthy});
  argo_.AddApp("fractalops-portal", kOutOfSync, {kHealthy});
  DeployTransition deploy = Deploy({"fractalops-api", "fractalops-portal"});

  TransitionPlan plan = deploy.Plan();
  EXPECT_EQ(plan.steps.size(), 4u);
  EXPECT_THAT(plan.ToString(), HasSubstr(absl::StrCat("stop the local session (fops up, PID ", session)));
  EXPECT_THAT(plan.ToString(), HasSubstr("sync fractalops-api, fractalops-portal"));
  EXPECT_EQ(argo_.requests().size(), 0u);  // planning touches nothing

  absl::StatusOr<TransitionResult> result = Run(deploy);
  ASSERT_THAT(result, IsOk());
  EXPECT_TRUE(result->ok);
  EXPECT_TRUE(HolderExited()) << "the session was not stopped";
  EXPECT_EQ(SessionLock::ReadHolder(state_dir_), std::nullopt);
  EXPECT_THAT(printed_[0], HasSubstr(absl::StrCat("stopped the local session: fops up (PID ", session, ")")));
  EXPECT_EQ(argo_.syncs("fractalops-api"), 1);
  EXPECT_EQ(argo_.syncs("fractalops-portal"), 1);
  // Ready only after the read that showed it reconciled after the sync.
  EXPECT_GE(argo_.reads("fractalops-api"), 6);
  ASSERT_EQ(result->apps.size(), 2u);
  EXPECT_THAT(result->apps[0].line, StartsWith("fractalops-api: Synced Healthy (revision 0123456, "));
  EXPECT_THAT(result->apps[1].line, StartsWith("fractalops-portal: Synced Healthy"));
  EXPECT_EQ(result->summary, "2 of 2 apps Synced and Healthy");
  absl::StatusOr<ModeState> mode = LoadModeState(state_dir_);
  ASSERT_THAT(mode, IsOk());
  EXPECT_EQ(mode->mode, Mode::kDeployment);
  EXPECT_EQ(mode->by, "fops mode deploy");
  EXPECT_EQ(mode->note, "2 of 2 apps Synced and Healthy");
  EXPECT_TRUE(result->recorded);
  ASSERT_EQ(mode->apps.size(), 2u);
  EXPECT_EQ(mode->apps[0].app, "fractalops-api");
  EXPECT_EQ(mode->apps[0].confirmed, AppConfirmed::kSyncedHealthy);
  EXPECT_EQ(mode->apps[0].revision, "0123456");
  EXPECT_EQ(mode->apps[1].Describe(), "Synced Healthy at revision 0123456");
  EXPECT_EQ(mode->apps[0], result->apps[0].record);
}

TEST_F(ModeTransitionTest, DegradedFailsFastAndTheOthersAreStillReported) {
  argo_.AddApp("fractalops-api", kOutOfSync,
               {kRunning, {.sync = "Synced", .health = "Degraded",
                           .health_message = "Deployment fractalops-api exceeded its progress deadline",
                           .phase = "Succeeded", .finished = true, .reconciled = true}});
  argo_.AddApp("fractalops-worker", kOutOfSync, {kRunning, kHealthy});
  DeployTransition deploy = Deploy({"fractalops-api", "fractalops-worker"}, absl::Hours(1));
  absl::StatusOr<TransitionResult> result = Run(deploy);
  ASSERT_THAT(result, IsOk());
  EXPECT_FALSE(result->ok);
  EXPECT_EQ(result->apps[0].line,
            "fractalops-api: Degraded after the sync: Deployment fractalops-api exceeded its "
            "progress deadline");
  EXPECT_TRUE(result->apps[1].ok);
  EXPECT_EQ(result->summary, "1 of 2 apps Synced and Healthy; fractalops-api Degraded");
  absl::StatusOr<ModeState> mode = LoadModeState(state_dir_);
  ASSERT_THAT(mode, IsOk());
  EXPECT_EQ(mode->note, result->summary);
  ASSERT_EQ(mode->apps.size(), 2u);
  EXPECT_EQ(mode->apps[0].Describe(),
            "Degraded: Deployment fractalops-api exceeded its progress deadline");
  EXPECT_EQ(mode->apps[1].confirmed, AppConfirmed::kSyncedHealthy);
}

TEST_F(ModeTransitionTest, TimesOutWithTheLastStateSeen) {
  argo_.AddApp("fractalops-portal", kOutOfSync, {kRunning, kSyncedProgressing});
  DeployTransition deploy = Deploy({"fractalops-portal"}, absl::Milliseconds(300));
  absl::StatusOr<TransitionResult> result = Run(deploy);
  ASSERT_THAT(result, IsOk());
  EXPECT_FALSE(result->ok);
  EXPECT_EQ(result->apps[0].line, "fractalops-portal: timed out after 300ms: Synced Progressing");
  EXPECT_EQ(result->apps[0].state, "timed out");
  // Argo CD took the sync, so it owns the app: deployment mode, saying so.
  absl::StatusOr<ModeState> mode = LoadModeState(state_dir_);
  ASSERT_THAT(mode, IsOk());
  EXPECT_EQ(mode->mode, Mode::kDeployment);
  ASSERT_EQ(mode->apps.size(), 1u);
  EXPECT_EQ(mode->apps[0].Describe(), "timed out: last seen Synced Progressing");
}

TEST_F(ModeTransitionTest, AFailedSyncAndAnUnknownAppAreReported) {
  argo_.AddApp("fractalops-api", kOutOfSync,
               {{.sync = "OutOfSync", .health = "Healthy", .phase = "Failed",
                 .phase_message = "one or more objects failed to apply", .finished = true}});
  DeployTransition deploy = Deploy({"fractalops-api", "fractalops-typo"});
  absl::StatusOr<TransitionResult> result = Run(deploy);
  ASSERT_THAT(result, IsOk());
  EXPECT_FALSE(result->ok);
  EXPECT_EQ(result->apps[0].line, "fractalops-api: sync Failed: one or more objects failed to apply");
  EXPECT_THAT(result->apps[1].line, HasSubstr("fractalops-typo: not reached: argocd: GET application "
                                              "'fractalops-typo': HTTP 403: permission denied"));
  EXPECT_EQ(argo_.syncs("fractalops-api"), 1);
  absl::StatusOr<ModeState> mode = LoadModeState(state_dir_);
  ASSERT_THAT(mode, IsOk());
  EXPECT_EQ(mode->mode, Mode::kDeployment);
  ASSERT_EQ(mode->apps.size(), 2u);
  EXPECT_EQ(mode->apps[0].Describe(), "sync failed: Failed: one or more objects failed to apply");
  EXPECT_THAT(mode->apps[1].Describe(),
              StartsWith("not reached: argocd: GET application 'fractalops-typo': HTTP 403"));
}

TEST_F(ModeTransitionTest, AnUnreachableServerRecordsNothingAndNamesTheServer) {
  const std::string before = RecordDevelopmentMode();
  ::fops::testing::TcpListener closed;
  closed.Close();  // the port now refuses connections
  ArgoCdOptions options = argo_.Options();
  options.server = absl::StrCat("127.0.0.1:", closed.port());
  DeployTransition deploy = Deploy({"fractalops-api", "fractalops-portal"}, absl::Seconds(1), options);
  absl::StatusOr<TransitionResult> result = Run(deploy);
  ASSERT_THAT(result, IsOk());
  EXPECT_FALSE(result->ok);
  EXPECT_FALSE(result->recorded);
  const std::string server = absl::StrCat("http://127.0.0.1:", closed.port());
  EXPECT_EQ(printed_.back(),
            absl::StrCat("deployment mode not recorded: Argo CD at ", server,
                         " accepted no sync request (fractalops-api, fractalops-portal not "
                         "reached); the mode stays development"));
  ASSERT_EQ(result->apps.size(), 2u);
  EXPECT_THAT(result->apps[1].line,
              AllOf(StartsWith("fractalops-portal: not reached: "), HasSubstr(server)));
  EXPECT_EQ(ModeFileText(), before);
  for (const std::string& line : printed_) EXPECT_THAT(line, Not(HasSubstr(argo_.token())));
}

// The kernel's file size limit makes the write of mode.json fail as a full
// disk does, after Argo CD took the apps: the error says both.
TEST_F(ModeTransitionTest, AModeThatCannotBeWrittenAfterTheSyncSaysArgoTookTheApps) {
  const std::string before = RecordDevelopmentMode();
  argo_.AddApp("fractalops-api", kOutOfSync, {kHealthy});
  argo_.AddApp("fractalops-portal", kOutOfSync, {kHealthy});
  DeployTransition deploy = Deploy({"fractalops-api", "fractalops-portal"});
  struct rlimit saved {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto old_handler = signal(SIGXFSZ, SIG_IGN);
  struct rlimit tight = saved;
  tight.rlim_cur = 16;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &tight), 0);
  absl::StatusOr<TransitionResult> result = Run(deploy);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &saved), 0);
  signal(SIGXFSZ, old_handler);

  EXPECT_THAT(result.status(),
              StatusIs(absl::StatusCode::kInternal,
                       AllOf(HasSubstr("Argo CD took fractalops-api, fractalops-portal, but "
                                       "deployment mode was not recorded (recording the mode: "
                                       "writing '"),
                             HasSubstr("mode.json': File too large); the mode on record stays "
                                       "development: make room and run `fops mode deploy` "
                                       "again"))));
  EXPECT_EQ(argo_.syncs("fractalops-api"), 1);
  EXPECT_EQ(ModeFileText(), before);
}

TEST_F(ModeTransitionTest, ATokenArgoCdRefusesRecordsNothingAndIsNeverShown) {
  argo_.AddApp("fractalops-api", kOutOfSync, {kHealthy});
  ArgoCdOptions options = argo_.Options();
  options.token = "canary-token-never-printed-9f8e";
  DeployTransition deploy = Deploy({"fractalops-api"}, absl::Seconds(20), options);
  absl::StatusOr<TransitionResult> result = Run(deploy);
  ASSERT_THAT(result, IsOk());
  EXPECT_FALSE(result->recorded);
  EXPECT_EQ(argo_.syncs("fractalops-api"), 0);
  EXPECT_THAT(result->apps[0].line,
              HasSubstr("fractalops-api: not reached: argocd: GET application 'fractalops-api': "
                        "HTTP 401: invalid session"));
  EXPECT_EQ(ModeFileText(), "<no file>");
  for (const std::string& line : printed_) {
    EXPECT_THAT(line, Not(HasSubstr("canary-token-never-printed-9f8e")));
  }
}

TEST_F(ModeTransitionTest, AFirstAppWhoseAnswersHangLeavesTheNextItsShare) {
  ExpectTheSecondAppStillSynced({.delay = absl::Seconds(60)});
}

TEST_F(ModeTransitionTest, AFirstAppWhoseConnectionsDropLeavesTheNextItsShare) {
  ExpectTheSecondAppStillSynced({.drop = true});
}

TEST_F(ModeTransitionTest, AnUnreadableModeFileStopsTheDeployBeforeAnything) {
  StartHolder();
  argo_.AddApp("fractalops-api", kOutOfSync, {kHealthy});
  ASSERT_THAT(WriteFileAtomic(ModeStatePath(state_dir_), "{\"mode\": "), IsOk());
  DeployTransition deploy = Deploy({"fractalops-api"});
  EXPECT_THAT(Run(deploy), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("mode.json: not a JSON object")));
  EXPECT_EQ(argo_.requests().size(), 0u);
  EXPECT_EQ(SessionLock::ReadHolder(state_dir_)->pid, holder_);  // still running
  EXPECT_EQ(ModeFileText(), "{\"mode\": ");
}

TEST_F(ModeTransitionTest, ServerErrorsAndDropsDuringTheWaitAreRetried) {
  argo_.AddApp("fractalops-api", kOutOfSync, {kRunning, kHealthy});
  argo_.QueueFaults({{.status = 500}, {.drop = true}, {}, {.status = 503}, {}, {.drop = true},
                     {.status = 502}});
  DeployTransition deploy = Deploy({"fractalops-api"});
  absl::StatusOr<TransitionResult> result = Run(deploy);
  ASSERT_THAT(result, IsOk());
  EXPECT_TRUE(result->ok) << absl::StrJoin(result->lines, "\n");
}

TEST_F(ModeTransitionTest, ASessionThatDoesNotStopMeansNothingIsSynced) {
  StartHolder(/*ignore_term=*/true);
  argo_.AddApp("fractalops-api", kOutOfSync, {kHealthy});
  DeployTransition deploy({.state_dir = state_dir_, .apps = {"fractalops-api"},
                           .argocd = argo_.Options(), .stop_timeout = absl::Milliseconds(200)},
                          *http_);
  EXPECT_THAT(Run(deploy), StatusIs(absl::StatusCode::kDeadlineExceeded,
                                    HasSubstr("did not stop within 200ms of SIGTERM")));
  EXPECT_EQ(argo_.requests().size(), 0u);
  EXPECT_FALSE(LoadModeState(state_dir_)->recorded());
}

TEST_F(ModeTransitionTest, NoAppsIsAnError) {
  DeployTransition deploy = Deploy({});
  EXPECT_THAT(Run(deploy), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("argocd_apps")));
}

TEST_F(ModeTransitionTest, DownStopsTheSessionAndTouchesNothingElse) {
  DownTransition down(state_dir_);
  EXPECT_THAT(down.Plan().ToString(), HasSubstr("nothing to stop"));
  StartHolder();
  const pid_t session = holder_;
  EXPECT_THAT(down.Plan().ToString(), HasSubstr(absl::StrCat("PID ", session)));
  std::vector<std::string> lines;
  absl::StatusOr<TransitionResult> result =
      down.Execute([&lines](std::string_view line) { lines.emplace_back(line); });
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(lines, ElementsAre(absl::StrCat("stopped fops up (PID ", session, ")")));
  EXPECT_TRUE(HolderExited());
  EXPECT_FALSE(LoadModeState(state_dir_)->recorded());  // down changes no mode
  EXPECT_EQ(argo_.requests().size(), 0u);
  EXPECT_THAT(down.Execute(nullptr)->summary, "no fops session is running");
}

TEST_F(ModeTransitionTest, UpRecordsDevelopmentMode) {
  UpTransition up(state_dir_);
  EXPECT_THAT(up.Plan().ToString(), HasSubstr("record development mode"));
  ASSERT_THAT(up.Execute(nullptr), IsOk());
  EXPECT_EQ(LoadModeState(state_dir_)->mode, Mode::kDevelopment);
  EXPECT_EQ(LoadModeState(state_dir_)->by, "fops up");
}

}  // namespace
}  // namespace fops
