// The libcurl client against a real HTTP/1.1 server on loopback.
#include <thread>

#include "fops/base/status_matchers.h"
#include "fops/net/http_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/loopback_http_server.h"
#include "support/tcp_listener.h"

namespace fops {
namespace {

using ::fops::testing::FreeLoopbackPort;
using ::fops::testing::IsOk;
using ::fops::testing::LoopbackHttpServer;
using ::fops::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

constexpr char kToken[] = "tok-canary-8c1f2e";

TEST(CurlHttpClientTest, GetReturnsStatusBodyAndLowercasedHeaders) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request&) {
    return LoopbackHttpServer::Response{
        .status = 200, .headers = {{"X-Argo-Revision", "abc123"}}, .body = "healthy"};
  });
  ASSERT_THAT(server.status(), IsOk());
  auto http = NewCurlHttpClient();
  absl::StatusOr<HttpResponse> r = http->Send({.url = server.Url("/healthz?verbose=1")});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "healthy");
  EXPECT_THAT(r->headers, Contains(Pair("x-argo-revision", "abc123")));
  EXPECT_EQ(r->header("X-Argo-Revision"), "abc123");

  std::vector<LoopbackHttpServer::Request> seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/healthz");
  EXPECT_EQ(seen[0].query, "verbose=1");
}

TEST(CurlHttpClientTest, PostSendsBodyAndHeaders) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request& req) {
    return LoopbackHttpServer::Response{.status = 201, .body = "got " + req.body};
  });
  ASSERT_THAT(server.status(), IsOk());
  auto http = NewCurlHttpClient();
  absl::StatusOr<HttpResponse> r = http->Send(
      {.method = "POST",
       .url = server.Url("/api/v1/applications/api/sync"),
       .headers = {{"Authorization", std::string("Bearer ") + kToken},
                   {"Content-Type", "application/json"}},
       .body = R"({"prune":false})"});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, R"(got {"prune":false})");

  std::vector<LoopbackHttpServer::Request> seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].body, R"({"prune":false})");
  EXPECT_EQ(seen[0].header("authorization"), std::string("Bearer ") + kToken);
  EXPECT_EQ(seen[0].header("content-type"), "application/json");
}

TEST(CurlHttpClientTest, PutAndDeleteUseTheirMethods) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request&) {
    return LoopbackHttpServer::Response{.status = 204};
  });
  ASSERT_THAT(server.status(), IsOk());
  auto http = NewCurlHttpClient();
  ASSERT_THAT(http->Send({.method = "PUT", .url = server.Url("/x"), .body = "v"}), IsOk());
  ASSERT_THAT(http->Send({.method = "DELETE", .url = server.Url("/x")}), IsOk());
  std::vector<LoopbackHttpServer::Request> seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "PUT");
  EXPECT_EQ(seen[0].body, "v");
  EXPECT_EQ(seen[1].method, "DELETE");
}

TEST(CurlHttpClientTest, ErrorStatusesAreResponsesNotErrors) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request& req) {
    int status = req.path == "/missing" ? 404 : 503;
    return LoopbackHttpServer::Response{.status = status, .body = "nope"};
  });
  ASSERT_THAT(server.status(), IsOk());
  auto http = NewCurlHttpClient();
  absl::StatusOr<HttpResponse> missing = http->Send({.url = server.Url("/missing")});
  ASSERT_THAT(missing, IsOk());
  EXPECT_EQ(missing->status, 404);
  absl::StatusOr<HttpResponse> down = http->Send({.url = server.Url("/down")});
  ASSERT_THAT(down, IsOk());
  EXPECT_EQ(down->status, 503);
  EXPECT_EQ(down->body, "nope");
}

TEST(CurlHttpClientTest, SlowServerIsDeadlineExceeded) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request&) {
    return LoopbackHttpServer::Response{.status = 200, .delay = absl::Seconds(5)};
  });
  ASSERT_THAT(server.status(), IsOk());
  auto http = NewCurlHttpClient();
  EXPECT_THAT(http->Send({.url = server.Url("/slow"), .timeout = absl::Milliseconds(200)}),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("/slow")));
}

TEST(CurlHttpClientTest, RefusedPortIsUnavailable) {
  auto http = NewCurlHttpClient();
  std::string url = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort()) + "/healthz";
  EXPECT_THAT(http->Send({.url = url}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("GET " + url)));
}

TEST(CurlHttpClientTest, DroppedConnectionIsUnavailable) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request&) {
    return LoopbackHttpServer::Response{.drop = true};
  });
  ASSERT_THAT(server.status(), IsOk());
  auto http = NewCurlHttpClient();
  EXPECT_THAT(http->Send({.url = server.Url("/flaky")}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("/flaky")));
}

TEST(CurlHttpClientTest, MalformedUrlIsInvalidArgument) {
  auto http = NewCurlHttpClient();
  EXPECT_THAT(http->Send({.url = "ftp://127.0.0.1/file"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ftp://127.0.0.1/file")));
  EXPECT_THAT(http->Send({.url = "http://[::1"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("GET")));
}

TEST(CurlHttpClientTest, ErrorsNeverCarryTokens) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request&) {
    return LoopbackHttpServer::Response{.drop = true};
  });
  ASSERT_THAT(server.status(), IsOk());
  auto http = NewCurlHttpClient();
  std::string authority = "bot:" + std::string(kToken) + "@127.0.0.1:" + std::to_string(server.port());
  absl::StatusOr<HttpResponse> dropped = http->Send(
      {.url = "http://" + authority + "/sync?token=" + kToken,
       .headers = {{"Authorization", std::string("Bearer ") + kToken}}});
  EXPECT_THAT(dropped, StatusIs(absl::StatusCode::kUnavailable,
                                AllOf(HasSubstr("/sync"), Not(HasSubstr(kToken)))));

  absl::StatusOr<HttpResponse> refused = http->Send(
      {.url = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort()) + "/?token=" + kToken,
       .headers = {{"Authorization", std::string("Bearer ") + kToken}}});
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kUnavailable, Not(HasSubstr(kToken))));
}

TEST(CurlHttpClientTest, ConcurrentSendsFromManyThreads) {
  LoopbackHttpServer server([](const LoopbackHttpServer::Request& req) {
    return LoopbackHttpServer::Response{.status = 200, .body = req.path};
  });
  ASSERT_THAT(server.status(), IsOk());
  auto http = NewCurlHttpClient();
  std::vector<std::thread> threads;
  std::vector<std::string> bodies(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<HttpResponse> r = http->Send({.url = server.Url("/n" + std::to_string(i))});
      if (r.ok()) bodies[i] = r->body;
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(bodies[i], "/n" + std::to_string(i));
  EXPECT_EQ(server.requests().size(), 8u);
}

}  // namespace
}  // namespace fops
