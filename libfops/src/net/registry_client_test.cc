#include "fops/net/registry_client.h"

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fops/base/status_matchers.h"
#include "fops/base/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/loopback_http_server.h"
#include "support/tcp_listener.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::LoopbackHttpServer;
using ::fops::testing::StatusIs;
using ::fops::testing::TcpListener;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDigest[] =
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
constexpr char kSecret[] = "canary-registry-password-7f3a";
constexpr char kToken[] = "canary-bearer-token-91c2";

// The distribution API's answer for one manifest: 200 with the digest for
// `tag` of team/app, 404 for anything else.
LoopbackHttpServer::Response Manifest(const LoopbackHttpServer::Request& req,
                                      const std::string& tag = "dev-1") {
  if (req.method == "HEAD" && req.path == "/v2/team/app/manifests/" + tag) {
    return {.status = 200,
            .headers = {{"Docker-Content-Digest", kDigest},
                        {"Content-Type", "application/vnd.oci.image.manifest.v1+json"}}};
  }
  return {.status = 404, .body = R"({"errors":[{"code":"MANIFEST_UNKNOWN"}]})"};
}

class RegistryClientTest : public ::testing::Test {
 protected:
  // The loopback server speaks plain HTTP: an insecure registry, as a local
  // docker-registry is.
  ImageRef Ref(const LoopbackHttpServer& server, std::string_view tag = "dev-1") {
    return *ImageRef::Parse(absl::StrCat("127.0.0.1:", server.port(), "/team/app:", ToAbsl(tag)));
  }
  absl::Time Deadline() { return absl::Now() + absl::Seconds(10); }

  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  RegistryClient client_{*http_};
};

TEST_F(RegistryClientTest, FindsATagWithItsDigestAndAcceptsEveryManifestKind) {
  LoopbackHttpServer server([](const auto& req) { return Manifest(req); });
  ASSERT_THAT(server.status(), IsOk());
  absl::StatusOr<ManifestHead> head =
      client_.HeadManifest(Ref(server), {.tls_verify = false}, Deadline());
  ASSERT_THAT(head, IsOk());
  EXPECT_TRUE(head->found);
  EXPECT_EQ(head->digest, kDigest);
  EXPECT_EQ(head->media_type, "application/vnd.oci.image.manifest.v1+json");
  const auto requests = server.requests();
  ASSERT_FALSE(requests.empty());
  std::string accept = requests.back().header("accept").value_or("");
  EXPECT_THAT(accept, AllOf(HasSubstr("application/vnd.oci.image.index.v1+json"),
                            HasSubstr("application/vnd.docker.distribution.manifest.v2+json")));
}

TEST_F(RegistryClientTest, AMissingTagIsNotFoundNotAnError) {
  LoopbackHttpServer server([](const auto& req) { return Manifest(req); });
  absl::StatusOr<ManifestHead> head =
      client_.HeadManifest(Ref(server, "dev-2"), {.tls_verify = false}, Deadline());
  ASSERT_THAT(head, IsOk());
  EXPECT_FALSE(head->found);
}

TEST_F(RegistryClientTest, FetchesABearerTokenFromTheRealmWithTheCredential) {
  LoopbackHttpServer auth([](const LoopbackHttpServer::Request& req) -> LoopbackHttpServer::Response {
    std::string expected =
        absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat("dev:", kSecret)));
    if (req.path != "/token" || req.header("authorization") != expected) return {.status = 401};
    if (!absl::StrContains(req.query, "scope=repository%3Ateam%2Fapp%3Apull") ||
        !absl::StrContains(req.query, "service=test-registry")) {
      return {.status = 400};
    }
    return {.status = 200, .body = absl::StrCat(R"({"token":")", kToken, R"("})")};
  });
  ASSERT_THAT(auth.status(), IsOk());
  const std::string realm = auth.Url("/token");
  LoopbackHttpServer registry([realm](const LoopbackHttpServer::Request& req) {
    if (req.header("authorization") != absl::StrCat("Bearer ", kToken)) {
      return LoopbackHttpServer::Response{
          .status = 401,
          .headers = {{"WWW-Authenticate",
                       absl::StrCat("Bearer realm=\"", realm,
                                    "\",service=\"test-registry\",scope=\"repository:team/app:pull\"")}}};
    }
    return Manifest(req);
  });
  RegistryAccess access{.tls_verify = false,
                        .credential = RegistryCredential{.username = "dev", .secret = kSecret}};
  absl::StatusOr<ManifestHead> head = client_.HeadManifest(Ref(registry), access, Deadline());
  ASSERT_THAT(head, IsOk());
  EXPECT_TRUE(head->found);
  EXPECT_EQ(head->digest, kDigest);
}

TEST_F(RegistryClientTest, ARefusedLoginNamesTheRegistryButNeverTheSecret) {
  LoopbackHttpServer auth([](const auto&) { return LoopbackHttpServer::Response{.status = 401}; });
  const std::string realm = auth.Url("/token");
  LoopbackHttpServer registry([realm](const auto&) {
    return LoopbackHttpServer::Response{
        .status = 401,
        .headers = {{"WWW-Authenticate", absl::StrCat("Bearer realm=\"", realm, "\"")}}};
  });
  RegistryAccess access{.tls_verify = false,
                        .credential = RegistryCredential{.username = "dev", .secret = kSecret}};
  absl::StatusOr<ManifestHead> head = client_.HeadManifest(Ref(registry), access, Deadline());
  EXPECT_THAT(head, StatusIs(absl::StatusCode::kPermissionDenied,
                             AllOf(HasSubstr(absl::StrCat("127.0.0.1:", registry.port())),
                                   HasSubstr("with the credential configured"),
                                   Not(HasSubstr(kSecret)))));
}

TEST_F(RegistryClientTest, BasicAuthWithoutACredentialIsPermissionDenied) {
  LoopbackHttpServer registry([](const LoopbackHttpServer::Request& req) {
    if (!req.header("authorization").has_value()) {
      return LoopbackHttpServer::Response{.status = 401,
                                          .headers = {{"WWW-Authenticate", "Basic realm=\"r\""}}};
    }
    return Manifest(req);
  });
  EXPECT_THAT(client_.HeadManifest(Ref(registry), {.tls_verify = false}, Deadline()),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("no credential is configured")));
  RegistryAccess access{.tls_verify = false,
                        .credential = RegistryCredential{.username = "dev", .secret = kSecret}};
  absl::StatusOr<ManifestHead> head = client_.HeadManifest(Ref(registry), access, Deadline());
  ASSERT_THAT(head, IsOk());
  EXPECT_TRUE(head->found);
}

TEST_F(RegistryClientTest, AnswersThatBreakTheProtocolAreNamed) {
  LoopbackHttpServer registry([](const auto&) {
    return LoopbackHttpServer::Response{
        .status = 401, .headers = {{"WWW-Authenticate", "Bearer realm=\"unterminated"}}};
  });
  EXPECT_THAT(client_.HeadManifest(Ref(registry), {.tls_verify = false}, Deadline()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unterminated")));
  registry.SetHandler([](const auto&) {
    return LoopbackHttpServer::Response{.status = 401,
                                        .headers = {{"WWW-Authenticate", "Bearer service=\"x\""}}};
  });
  EXPECT_THAT(client_.HeadManifest(Ref(registry), {.tls_verify = false}, Deadline()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("without naming a realm")));
}

// Found by fuzz/registry_client_fuzzer.cc: whatever Docker-Content-Digest
// held was handed on as the image's digest, which the input gate records in
// a JSON state file (whose writer throws on bytes that are not UTF-8).
TEST_F(RegistryClientTest, ADigestThatIsNotADigestBreaksTheProtocol) {
  for (const std::string& digest : {std::string("sha256:0123\x18\x18"), std::string("\xff\xfe"),
                                   std::string("md5:d41d8cd98f00b204e9800998ecf8427e")}) {
    LoopbackHttpServer registry([digest](const auto&) {
      return LoopbackHttpServer::Response{.status = 200,
                                          .headers = {{"Docker-Content-Digest", digest}}};
    });
    ASSERT_THAT(registry.status(), IsOk());
    EXPECT_THAT(client_.HeadManifest(Ref(registry), {.tls_verify = false}, Deadline()),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("Docker-Content-Digest that is not a digest"),
                               Not(HasSubstr(digest)))));
  }
}

TEST_F(RegistryClientTest, ServerErrorsAndRefusedConnectionsAreUnavailable) {
  LoopbackHttpServer registry([](const auto&) {
    return LoopbackHttpServer::Response{.status = 503, .body = "maintenance"};
  });
  EXPECT_THAT(client_.HeadManifest(Ref(registry), {.tls_verify = false}, Deadline()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("HTTP 503")));
  TcpListener closed;
  closed.Close();  // now the port refuses
  ImageRef nowhere =
      *ImageRef::Parse(absl::StrCat("127.0.0.1:", closed.port(), "/team/app:dev-1"));
  EXPECT_THAT(client_.HeadManifest(nowhere, {.tls_verify = false}, Deadline()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("127.0.0.1")));
  EXPECT_THAT(client_.HeadManifest(nowhere, {.tls_verify = false}, absl::Now()),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("no time left")));
}

// A slow machine (seen under AddressSanitizer) spent a short deadline on the
// HTTPS probe of an insecure registry; the plain-HTTP attempt then had no
// time left, and its error did not say which registry.
TEST_F(RegistryClientTest, NoTimeLeftNamesTheRegistry) {
  LoopbackHttpServer registry([](const auto& req) { return Manifest(req); });
  ASSERT_THAT(registry.status(), IsOk());
  EXPECT_THAT(client_.HeadManifest(Ref(registry), {.tls_verify = false}, absl::Now()),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr(absl::StrCat("no time left to ask the registry 127.0.0.1:",
                                              registry.port()))));
  EXPECT_THAT(client_.HeadManifest(Ref(registry), {.tls_verify = true}, absl::Now()),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr(absl::StrCat("127.0.0.1:", registry.port()))));
}

TEST_F(RegistryClientTest, ARegistryThatAnswersTooLateIsDeadlineExceededNamingIt) {
  LoopbackHttpServer registry([](const auto& req) {
    LoopbackHttpServer::Response answer = Manifest(req);
    answer.delay = absl::Seconds(30);  // past every deadline below
    return answer;
  });
  ASSERT_THAT(registry.status(), IsOk());
  EXPECT_THAT(client_.HeadManifest(Ref(registry),
                                   {.tls_verify = false, .request_timeout = absl::Milliseconds(300)},
                                   Deadline()),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr(absl::StrCat("127.0.0.1:", registry.port()))));
  // The call's own deadline bounds it too, whatever the per-request timeout.
  EXPECT_THAT(client_.HeadManifest(Ref(registry), {.tls_verify = false},
                                   absl::Now() + absl::Milliseconds(300)),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr(absl::StrCat("127.0.0.1:", registry.port()))));
}

TEST_F(RegistryClientTest, DockerHubIsAskedAtItsRegistryHost) {
  EXPECT_EQ(RegistryHost(*ImageRef::Parse("ubuntu:22.04")), "registry-1.docker.io");
  EXPECT_EQ(RegistryHost(*ImageRef::Parse("ghcr.io/yamonco/api:dev-1")), "ghcr.io");
}

}  // namespace
}  // namespace fops
