#include "fops/cli/smoke_http_command.h"

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/captured_output.h"
#include "support/loopback_http_server.h"

namespace fops {
namespace {

using ::fops::testing::CapturedOutput;
using ::fops::testing::IsOk;
using ::fops::testing::LoopbackHttpServer;
using ::fops::testing::StatusIs;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

TEST(SmokeHttpArgsTest, JoinsRoutesToTheBaseThenAddsFullUrls) {
  absl::StatusOr<SmokeHttpArgs> args = ParseSmokeHttpArgs(
      {"--base", "http://127.0.0.1:8080/", "--route", "/", "--route=/api/health", "--url",
       "http://127.0.0.1:9090/metrics", "--expect-status", "2xx", "--expect-text", "ok",
       "--expect-text-at", "/", "Welcome", "--retries", "0", "--retry-delay", "250ms",
       "--timeout=2s"});
  ASSERT_THAT(args, IsOk());
  ASSERT_THAT(args->routes, SizeIs(3));
  EXPECT_EQ(args->routes[0].url, "http://127.0.0.1:8080/");
  EXPECT_EQ(args->routes[0].expect_text, "Welcome");
  EXPECT_EQ(args->routes[1].label, "/api/health");
  EXPECT_EQ(args->routes[1].url, "http://127.0.0.1:8080/api/health");
  EXPECT_EQ(args->routes[1].expect_text, "ok");
  EXPECT_EQ(args->routes[2].label, "http://127.0.0.1:9090/metrics");
  EXPECT_EQ(args->routes[2].expect_status.ToString(), "2xx");
  EXPECT_EQ(args->options.retries, 0);
  EXPECT_EQ(args->options.retry_delay, absl::Milliseconds(250));
  EXPECT_EQ(args->options.timeout, absl::Seconds(2));
}

TEST(SmokeHttpArgsTest, ABaseAloneChecksItsRoot) {
  absl::StatusOr<SmokeHttpArgs> args = ParseSmokeHttpArgs({"--base", "http://127.0.0.1:8080"});
  ASSERT_THAT(args, IsOk());
  ASSERT_THAT(args->routes, SizeIs(1));
  EXPECT_EQ(args->routes[0].url, "http://127.0.0.1:8080/");
}

TEST(SmokeHttpArgsTest, RefusesBadUsageNamingTheFlag) {
  EXPECT_THAT(ParseSmokeHttpArgs({"--route", "/"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--route needs --base")));
  EXPECT_THAT(ParseSmokeHttpArgs({}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nothing to check")));
  EXPECT_THAT(ParseSmokeHttpArgs({"--url", "http://x/", "--retries", "-1"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--retries")));
  EXPECT_THAT(ParseSmokeHttpArgs({"--url", "http://x/", "--timeout", "0"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--timeout")));
  EXPECT_THAT(ParseSmokeHttpArgs({"--url", "http://x/", "--expect-status", "ok"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--expected status: 'ok' is not a status code")));
  EXPECT_THAT(ParseSmokeHttpArgs({"--url", "http://x/", "--expect-text-at", "/y", "t"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'/y' is not a --route or --url")));
  EXPECT_THAT(ParseSmokeHttpArgs({"--url", "http://x/", "--bogus"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown argument '--bogus'")));
  EXPECT_THAT(ParseSmokeHttpArgs({"--url"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--url needs a value")));
}

TEST(SmokeHttpMainTest, PrintsALinePerRouteAndTheSummaryLast) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request& req) {
    if (req.path == "/api/health") return LoopbackHttpServer::Response{.body = "ok"};
    return LoopbackHttpServer::Response{.body = "<h1>Welcome</h1>"};
  });
  ASSERT_THAT(server.status(), IsOk());
  CapturedOutput out, err;
  int code = SmokeHttpMain({"--base", server.Url(""), "--route", "/", "--route", "/api/health",
                            "--expect-text-at", "/", "Welcome"},
                           out.file(), err.file());
  EXPECT_EQ(code, 0);
  EXPECT_EQ(err.text(), "");
  std::string text = out.text();
  EXPECT_THAT(text, HasSubstr("GET " + server.Url("/api/health") + " → 200 in "));
  EXPECT_THAT(text, StartsWith("GET " + server.Url("/") + " → 200 in "));
  EXPECT_THAT(text, HasSubstr("\n2 routes ok, slowest "));
  EXPECT_THAT(text, EndsWith(" ms\n"));
}

TEST(SmokeHttpMainTest, AFailingRouteExits1WithTheFailureInTheSummary) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request&) {
    return LoopbackHttpServer::Response{.status = 503, .body = "upstream unavailable"};
  });
  ASSERT_THAT(server.status(), IsOk());
  CapturedOutput out, err;
  int code = SmokeHttpMain({"--base", server.Url(""), "--route", "/api/items", "--retries", "1",
                            "--retry-delay", "0"},
                           out.file(), err.file());
  EXPECT_EQ(code, 1);
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_THAT(out.text(), EndsWith("\n1 of 1 route failed: /api/items: expected status 200, got "
                                   "503: \"upstream unavailable\"\n"));
}

TEST(SmokeHttpMainTest, BadUsageExits2OnStderr) {
  CapturedOutput out, err;
  EXPECT_EQ(SmokeHttpMain({"--route", "/"}, out.file(), err.file()), 2);
  EXPECT_EQ(out.text(), "");
  EXPECT_THAT(err.text(), StartsWith("fops smoke http: --route needs --base"));
}

TEST(RunNativeSmokeTest, OnlySmokeHttpIsNative) {
  EXPECT_EQ(RunNativeSmoke({"smoke", "browser", "--url", "http://x/"}), std::nullopt);
  EXPECT_EQ(RunNativeSmoke({"ci"}), std::nullopt);
  EXPECT_EQ(RunNativeSmoke({"smoke"}), std::nullopt);
}

}  // namespace
}  // namespace fops
