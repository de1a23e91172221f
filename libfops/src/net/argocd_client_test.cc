#include "fops/net/argocd_client.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "support/argocd_stand_in.h"
#include "support/loopback_http_server.h"

namespace fops {
namespace {

using ::fops::testing::ArgoAppState;
using ::fops::testing::ArgoCdStandIn;
using ::fops::testing::ArgoFault;
using ::fops::testing::IsOk;
using ::fops::testing::LoopbackHttpServer;
using ::fops::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const ArgoAppState kHealthy{.sync = "Synced", .health = "Healthy", .phase = "Succeeded",
                            .finished = true, .reconciled = true};

class ArgoCdClientTest : public ::testing::Test {
 protected:
  void SetUp() override { argo_.AddApp("fractalops-api", kHealthy, {kHealthy}); }
  absl::Time Deadline(absl::Duration d = absl::Seconds(10)) { return absl::Now() + d; }

  ArgoCdStandIn argo_;
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
};

TEST_F(ArgoCdClientTest, GetReadsTheApplicationStatusWithBearerAuth) {
  ArgoCdClient client(argo_.Options(), *http_);
  absl::StatusOr<ArgoApp> app = client.Get("fractalops-api", Deadline());
  ASSERT_THAT(app, IsOk());
  EXPECT_EQ(app->name, "fractalops-api");
  EXPECT_EQ(app->sync_status, "Synced");
  EXPECT_EQ(app->health_status, "Healthy");
  EXPECT_EQ(app->operation_phase, "Succeeded");
  EXPECT_EQ(app->revision, "0123456789abcdef0123");
  ASSERT_TRUE(app->operation_finished && app->reconciled_at);
  EXPECT_GE(*app->reconciled_at, *app->operation_finished);
  EXPECT_FALSE(app->operation_requested);
  EXPECT_EQ(app->Describe(), "Synced Healthy");
  auto request = argo_.requests().back();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.path, "/api/v1/applications/fractalops-api");
  EXPECT_EQ(request.header("authorization"), "Bearer " + argo_.token());
}

TEST_F(ArgoCdClientTest, SyncPostsTheSyncRequest) {
  ArgoCdClient client(argo_.Options(), *http_);
  ASSERT_THAT(client.Sync("fractalops-api", Deadline(), /*prune=*/true), IsOk());
  auto request = argo_.requests().back();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/api/v1/applications/fractalops-api/sync");
  nlohmann::json body = nlohmann::json::parse(request.body);
  EXPECT_EQ(body["name"], "fractalops-api");
  EXPECT_EQ(body["prune"], true);
  EXPECT_EQ(argo_.syncs("fractalops-api"), 1);
  // The next read shows the requested operation, as Argo CD does.
  absl::StatusOr<ArgoApp> app = client.Get("fractalops-api", Deadline());
  ASSERT_THAT(app, IsOk());
  EXPECT_TRUE(app->operation_requested);
}

TEST_F(ArgoCdClientTest, ASyncAnsweredWithSuccessIsAcceptedWhateverTheBody) {
  // Accepted is the HTTP answer: the sync is Argo CD's from then on, even
  // when the body is not the Application fops reads elsewhere.
  ::fops::testing::LoopbackHttpServer server([](const ::fops::testing::LoopbackHttpServer::Request&) {
    return ::fops::testing::LoopbackHttpServer::Response{.status = 200, .body = "{}"};
  });
  ArgoCdOptions options = argo_.Options();
  options.server = server.Url("");
  ArgoCdClient client(options, *http_);
  EXPECT_THAT(client.Sync("fractalops-api", Deadline()), IsOk());
  EXPECT_THAT(client.Get("fractalops-api", Deadline()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an Application")));
}

TEST_F(ArgoCdClientTest, AppsInOtherNamespacesUseTheQualifiedName) {
  ArgoCdClient client(argo_.Options(), *http_);
  ASSERT_THAT(client.Get("team-a/fractalops-api", Deadline()), IsOk());
  EXPECT_EQ(argo_.requests().back().query, "appNamespace=team-a");
}

TEST_F(ArgoCdClientTest, RetriesServerErrorsDropsAndSlowAnswers) {
  ArgoCdClient client(argo_.Options(), *http_);  // 500 ms per request
  argo_.QueueFaults({{.status = 500}, {.status = 503}, {.drop = true}, {.status = 429},
                     {.delay = absl::Seconds(2)}, {.drop = true}});
  absl::StatusOr<ArgoApp> app = client.Get("fractalops-api", Deadline());
  ASSERT_THAT(app, IsOk());
  EXPECT_EQ(app->health_status, "Healthy");
  EXPECT_GE(argo_.requests().size(), 7u);
}

TEST_F(ArgoCdClientTest, AnAttemptTheDeadlineCutsShortDoesNotHideTheLastAnswer) {
  ArgoCdClient client(argo_.Options(), *http_);  // 500 ms per request
  argo_.QueueFaults({{.status = 502}, {.delay = absl::Seconds(2)}, {.delay = absl::Seconds(2)}});
  EXPECT_THAT(client.Get("fractalops-api", Deadline(absl::Milliseconds(400))),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("(last: HTTP 502: stand-in fault")));
}

TEST_F(ArgoCdClientTest, EveryWaitEndsAtItsDeadline) {
  ArgoCdClient client(argo_.Options(), *http_);
  argo_.QueueFaults(std::vector<ArgoFault>(1000, ArgoFault{.status = 502}));
  EXPECT_THAT(client.Get("fractalops-api", Deadline(absl::Milliseconds(300))),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       AllOf(HasSubstr("argocd: GET /api/v1/applications/fractalops-api: no usable "
                                       "answer before the deadline"),
                             HasSubstr("(last: HTTP 502: stand-in fault"))));
}

TEST_F(ArgoCdClientTest, ConnectionRefusedIsRetriedUntilTheDeadline) {
  ArgoCdOptions options = argo_.Options();
  options.server = "127.0.0.1:1";  // nothing listens on port 1
  ArgoCdClient client(options, *http_);
  EXPECT_THAT(client.Get("fractalops-api", Deadline(absl::Milliseconds(200))),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("no usable answer")));
}

TEST_F(ArgoCdClientTest, ASyncRefusedWhileAnotherRunsIsRetried) {
  ArgoCdClient client(argo_.Options(), *http_);
  argo_.RefuseSyncs("fractalops-api", 2);
  ASSERT_THAT(client.Sync("fractalops-api", Deadline()), IsOk());
  EXPECT_EQ(argo_.syncs("fractalops-api"), 1);
  EXPECT_EQ(argo_.requests().size(), 3u);
}

TEST_F(ArgoCdClientTest, BadTokenAndUnknownAppNameTheProblemNotTheToken) {
  ArgoCdOptions options = argo_.Options();
  options.token = "wrong-token-value-5678";
  ArgoCdClient wrong(options, *http_);
  EXPECT_THAT(wrong.Get("fractalops-api", Deadline()),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       AllOf(HasSubstr("HTTP 401: invalid session"), HasSubstr("ARGOCD_AUTH_TOKEN"),
                             Not(HasSubstr("wrong-token-value-5678")))));
  ArgoCdClient client(argo_.Options(), *http_);
  EXPECT_THAT(client.Get("no-such-app", Deadline()),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       AllOf(HasSubstr("application 'no-such-app': HTTP 403: permission denied"),
                             HasSubstr("does not exist"), Not(HasSubstr(argo_.token())))));
}

// Found by fuzz/argocd_client_fuzzer.cc: a long error message was cut at
// 300 bytes, in the middle of a character, and the message (kept in
// mode.json and sent to telemetry) was no longer UTF-8.
TEST(ArgoCdClientErrorsTest, ALongMessageIsCutBetweenCharacters) {
  const std::string message = std::string(299, 'x') + "\xc3\xa9t\xc3\xa9";  // "été" at byte 299
  LoopbackHttpServer server([&message](const LoopbackHttpServer::Request&) {
    return LoopbackHttpServer::Response{
        .status = 403, .body = nlohmann::json{{"message", message}}.dump()};
  });
  ASSERT_THAT(server.status(), IsOk());
  std::unique_ptr<HttpClient> http = NewCurlHttpClient();
  ArgoCdClient client({.server = absl::StrCat("127.0.0.1:", server.port()), .token = "t0ken-value",
                       .plaintext = true},
                      *http);
  absl::Status status = client.Get("fractalops-api", absl::Now() + absl::Seconds(10)).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kPermissionDenied,
                               HasSubstr(std::string(299, 'x') + "\xe2\x80\xa6")));  // x…, no half é
}

TEST(ArgoCdOptionsTest, FromTheArgocdCliVariables) {
  setenv("ARGOCD_SERVER", "argocd.lab:8443", 1);
  setenv("ARGOCD_AUTH_TOKEN", "tok-123456", 1);
  setenv("ARGOCD_OPTS", "--grpc-web --insecure", 1);
  absl::StatusOr<ArgoCdOptions> options = ArgoCdOptions::FromEnvironment();
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->BaseUrl(), "https://argocd.lab:8443");
  EXPECT_EQ(options->token, "tok-123456");
  EXPECT_TRUE(options->insecure);
  EXPECT_FALSE(options->plaintext);
  setenv("ARGOCD_OPTS", "--plaintext --server=other:80", 1);
  options = ArgoCdOptions::FromEnvironment();
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->BaseUrl(), "http://argocd.lab:8443");  // ARGOCD_SERVER wins
  unsetenv("ARGOCD_SERVER");
  options = ArgoCdOptions::FromEnvironment();
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->BaseUrl(), "http://other:80");
  unsetenv("ARGOCD_OPTS");
  unsetenv("ARGOCD_AUTH_TOKEN");
  EXPECT_THAT(ArgoCdOptions::FromEnvironment(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("set ARGOCD_SERVER")));
  EXPECT_EQ((ArgoCdOptions{.server = "https://argocd.example.com/"}).BaseUrl(),
            "https://argocd.example.com");
  EXPECT_EQ((ArgoCdOptions{.server = "http://127.0.0.1:8080"}).BaseUrl(), "http://127.0.0.1:8080");
}

TEST(ArgoWaitTest, JudgesAsArgocdAppWaitSyncHealth) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  ArgoApp before{.sync_status = "OutOfSync", .health_status = "Healthy", .operation_phase = "Succeeded",
                 .operation_started = t0, .operation_finished = t0 + absl::Seconds(5),
                 .reconciled_at = t0 + absl::Seconds(6)};
  // The state from before the sync, even if it looks fine, is not ours.
  ArgoApp old = before;
  old.sync_status = "Synced";
  EXPECT_EQ(JudgeWait(old, before), ArgoWaitVerdict::kWaiting);
  ArgoApp requested = old;
  requested.operation_requested = true;
  EXPECT_EQ(JudgeWait(requested, before), ArgoWaitVerdict::kWaiting);

  ArgoApp running{.sync_status = "OutOfSync", .health_status = "Progressing", .operation_phase = "Running",
                  .operation_started = t0 + absl::Seconds(100)};
  EXPECT_EQ(JudgeWait(running, before), ArgoWaitVerdict::kWaiting);
  ArgoApp finished = running;
  finished.sync_status = "Synced";
  finished.health_status = "Healthy";
  finished.operation_phase = "Succeeded";
  finished.operation_finished = t0 + absl::Seconds(110);
  finished.reconciled_at = t0 + absl::Seconds(105);  // reconciled before it finished: not trusted
  EXPECT_EQ(JudgeWait(finished, before), ArgoWaitVerdict::kWaiting);
  finished.reconciled_at = t0 + absl::Seconds(110);  // equal is enough
  EXPECT_EQ(JudgeWait(finished, before), ArgoWaitVerdict::kReady);
  ArgoApp progressing = finished;
  progressing.health_status = "Progressing";
  EXPECT_EQ(JudgeWait(progressing, before), ArgoWaitVerdict::kWaiting);
  ArgoApp degraded = finished;
  degraded.health_status = "Degraded";
  EXPECT_EQ(JudgeWait(degraded, before), ArgoWaitVerdict::kDegraded);
  ArgoApp failed = running;
  failed.operation_phase = "Failed";
  EXPECT_EQ(JudgeWait(failed, before), ArgoWaitVerdict::kSyncFailed);
  // No previous operation at all: the first one is ours.
  EXPECT_EQ(JudgeWait(finished, ArgoApp{}), ArgoWaitVerdict::kReady);
}

TEST(ArgoAppTest, RejectsWhatIsNotAnApplication) {
  EXPECT_THAT(ArgoApp::FromJson("{\"error\": \"x\"}"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an Application")));
  EXPECT_THAT(ArgoApp::FromJson("<html>"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an Application")));
  absl::StatusOr<ArgoApp> bare = ArgoApp::FromJson("{\"metadata\": {\"name\": \"a\"}}");
  ASSERT_THAT(bare, IsOk());
  EXPECT_EQ(bare->Describe(), "Unknown Unknown");
}

}  // namespace
}  // namespace fops
