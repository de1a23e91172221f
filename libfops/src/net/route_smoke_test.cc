// The route smoke against real HTTP servers on loopback, through the
// libcurl client a user's smoke uses.
#include "fops/net/route_smoke.h"

#include <atomic>
#include <string>
#include <vector>

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/loopback_http_server.h"
#include "support/tcp_listener.h"

namespace fops {
namespace {

using ::fops::testing::FreeLoopbackPort;
using ::fops::testing::IsOk;
using ::fops::testing::LoopbackHttpServer;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

using Response = LoopbackHttpServer::Response;

// Short waits so retries do not slow the suite.
RouteSmokeOptions Quick(int retries) {
  return {.retries = retries, .retry_delay = absl::Milliseconds(10), .timeout = absl::Seconds(5)};
}

class RouteSmokeTest : public ::testing::Test {
 protected:
  RouteSmoke Smoke(RouteSmokeOptions options) {
    return RouteSmoke(*http_, options, [this](std::string_view line) { lines_.emplace_back(line); });
  }
  static SmokeRoute Route(const LoopbackHttpServer& server, const std::string& path) {
    return {.label = path, .url = server.Url(path)};
  }

  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  std::vector<std::string> lines_;
};

TEST_F(RouteSmokeTest, PassesWhenEveryRouteAnswersItsStatusAndText) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request& req) {
    if (req.path == "/") return Response{.body = "<h1>Welcome to the portal</h1>"};
    if (req.path == "/api/health") return Response{.body = R"({"status":"ok"})"};
    return Response{.status = 404};
  });
  ASSERT_THAT(server.status(), IsOk());
  SmokeRoute home = Route(server, "/");
  home.expect_text = "Welcome";
  SmokeRoute health = Route(server, "/api/health");
  health.expect_text = R"("status":"ok")";

  RouteSmokeReport report = Smoke(Quick(3)).Run({home, health});

  EXPECT_TRUE(report.ok());
  ASSERT_THAT(report.routes, SizeIs(2));
  EXPECT_EQ(report.routes[1].status, 200);
  EXPECT_EQ(report.routes[1].attempts, 1);
  EXPECT_THAT(lines_, ElementsAre(AllOf(StartsWith("GET " + server.Url("/") + " → 200 in "),
                                        EndsWith(" ms ✔")),
                                  AllOf(StartsWith("GET " + server.Url("/api/health") + " → 200 in "),
                                        EndsWith(" ms ✔"))));
  EXPECT_THAT(report.Summary(), StartsWith("2 routes ok, slowest /"));
  EXPECT_THAT(report.Summary(), EndsWith(" ms"));
}

TEST_F(RouteSmokeTest, RetriesAWrongStatusUntilTheRoutePasses) {
  std::atomic<int> seen{0};
  LoopbackHttpServer server([&](const LoopbackHttpServer::Request&) {
    if (++seen <= 2) return Response{.status = 503, .body = "warming up"};
    return Response{.body = "ok"};
  });
  ASSERT_THAT(server.status(), IsOk());

  RouteResult result = Smoke(Quick(3)).Check(Route(server, "/api/health"));

  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.attempts, 3);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.failure, "");
  ASSERT_THAT(lines_, SizeIs(3));
  EXPECT_THAT(lines_[0], HasSubstr("→ 503 in "));
  EXPECT_THAT(lines_[0], EndsWith(" ✘ expected status 200, got 503: \"warming up\" "
                                  "(attempt 1 of 4, again in 10ms)"));
  EXPECT_THAT(lines_[1], HasSubstr("(attempt 2 of 4, again in 10ms)"));
  EXPECT_THAT(lines_[2], AllOf(HasSubstr("→ 200 in "), EndsWith("✔")));
}

TEST_F(RouteSmokeTest, AWrongStatusFailsAfterTheRetriesNamingWhatWasExpectedAndWhatCame) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request&) {
    return Response{.status = 500, .body = "database\n  is down"};
  });
  ASSERT_THAT(server.status(), IsOk());

  RouteSmokeReport report = Smoke(Quick(2)).Run({Route(server, "/api/items")});

  EXPECT_FALSE(report.ok());
  const RouteResult& r = report.routes[0];
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.failure, "expected status 200, got 500: \"database is down\"");
  EXPECT_THAT(lines_.back(), EndsWith("✘ expected status 200, got 500: \"database is down\" "
                                      "(after 3 attempts)"));
  EXPECT_EQ(report.Summary(),
            "1 of 1 route failed: /api/items: expected status 200, got 500: \"database is down\"");
}

TEST_F(RouteSmokeTest, AMissingTextFailsQuotingTheStartOfTheBody) {
  const std::string page = "<html><body><h1>Down for maintenance</h1>" + std::string(200, 'x');
  LoopbackHttpServer server([&](const LoopbackHttpServer::Request&) {
    return Response{.body = page};
  });
  ASSERT_THAT(server.status(), IsOk());
  SmokeRoute home = Route(server, "/");
  home.expect_text = "Welcome";

  RouteResult result = Smoke(Quick(0)).Check(home);

  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(result.failure, "expected text \"Welcome\", not in the body: \"" +
                                page.substr(0, 100) + "…\"");
  EXPECT_THAT(lines_, ElementsAre(AllOf(HasSubstr("→ 200 in "),
                                        HasSubstr("✘ expected text \"Welcome\""))));
}

TEST_F(RouteSmokeTest, ARefusedConnectionIsRetriedThenReportedAsNoAnswer) {
  const int port = FreeLoopbackPort();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";

  RouteResult result = Smoke(Quick(1)).Check({.label = "/", .url = url});

  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.attempts, 2);
  EXPECT_THAT(result.failure, StartsWith("no answer: "));
  EXPECT_THAT(result.failure, HasSubstr("onnect"));  // curl: "Failed to connect … Couldn't connect"
  EXPECT_THAT(result.failure, Not(HasSubstr("GET ")));
  ASSERT_THAT(lines_, SizeIs(2));
  EXPECT_THAT(lines_[0], StartsWith("GET " + url + " ✘ no answer: "));
  EXPECT_THAT(lines_[1], EndsWith("(after 2 attempts)"));
}

TEST_F(RouteSmokeTest, ASlowRouteTimesOut) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request&) {
    return Response{.body = "late", .delay = absl::Seconds(5)};
  });
  ASSERT_THAT(server.status(), IsOk());
  RouteSmokeOptions options = Quick(0);
  options.timeout = absl::Milliseconds(200);

  RouteResult result = Smoke(options).Check(Route(server, "/slow"));

  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.failure, "no answer within 200ms");
}

TEST_F(RouteSmokeTest, AFailedRouteDoesNotStopTheOthers) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request& req) {
    if (req.path == "/broken") return Response{.status = 404, .body = "not found"};
    return Response{.status = 204};
  });
  ASSERT_THAT(server.status(), IsOk());
  SmokeRoute broken = Route(server, "/broken");
  SmokeRoute empty = Route(server, "/empty");
  ASSERT_THAT(ExpectedStatus::Parse("2xx"), IsOk());
  empty.expect_status = *ExpectedStatus::Parse("2xx");

  RouteSmokeReport report = Smoke(Quick(0)).Run({broken, empty});

  EXPECT_FALSE(report.ok());
  EXPECT_FALSE(report.routes[0].ok);
  EXPECT_TRUE(report.routes[1].ok);
  EXPECT_EQ(report.routes[1].status, 204);
  EXPECT_EQ(report.Summary(),
            "1 of 2 routes failed: /broken: expected status 200, got 404: \"not found\"");
}

TEST_F(RouteSmokeTest, ARedirectIsCheckedAsItsOwnStatus) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request& req) {
    if (req.path == "/") return Response{.status = 302, .headers = {{"Location", "/login"}}};
    return Response{.body = "login"};
  });
  ASSERT_THAT(server.status(), IsOk());

  RouteResult result = Smoke(Quick(0)).Check(Route(server, "/"));

  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.status, 302);
  EXPECT_EQ(result.failure, "expected status 200, got 302: (empty body)");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(RouteSmokeTest, CredentialsInTheUrlNeverAppearInLines) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request&) {
    return Response{.status = 401, .body = "who are you"};
  });
  ASSERT_THAT(server.status(), IsOk());
  const std::string url =
      "http://portal:pw-canary-71d3@127.0.0.1:" + std::to_string(server.port()) + "/";

  RouteResult result = Smoke(Quick(0)).Check({.label = "/", .url = url});

  EXPECT_FALSE(result.ok);
  ASSERT_THAT(lines_, SizeIs(1));
  EXPECT_THAT(lines_[0], Not(HasSubstr("pw-canary-71d3")));
  EXPECT_THAT(lines_[0], HasSubstr("→ 401 in "));
}

TEST(JoinUrlTest, PutsExactlyOneSlashBetweenBaseAndRoute) {
  EXPECT_EQ(JoinUrl("http://127.0.0.1:8080", "/api/health"), "http://127.0.0.1:8080/api/health");
  EXPECT_EQ(JoinUrl("http://127.0.0.1:8080/", "api/health"), "http://127.0.0.1:8080/api/health");
  EXPECT_EQ(JoinUrl("http://127.0.0.1:8080/app/", "/"), "http://127.0.0.1:8080/app/");
  EXPECT_EQ(JoinUrl("http://127.0.0.1:8080", "/search?q=a=b"),
            "http://127.0.0.1:8080/search?q=a=b");
}

TEST(SmokeMillisTest, ShowsMillisecondsThenSeconds) {
  EXPECT_EQ(SmokeMillis(absl::Microseconds(400)), "0.4 ms");
  EXPECT_EQ(SmokeMillis(absl::Milliseconds(41)), "41 ms");
  EXPECT_EQ(SmokeMillis(absl::Milliseconds(1250)), "1.25 s");
}

}  // namespace
}  // namespace fops
