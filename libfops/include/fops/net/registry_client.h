// Asks a container registry whether an image is there, the way `skopeo
// inspect` or `docker manifest inspect` start: `HEAD /v2/<path>/manifests/
// <tag or digest>` of the OCI distribution API, accepting OCI and Docker
// manifests and indexes. The answer is the manifest's digest
// (Docker-Content-Digest), or "not there" for a 404.
//
// It speaks the registries' auth protocol: it asks anonymously first; on a
// 401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…` it fetches a
// token from the realm (sending the credential, if any, as Basic auth) and
// asks again with it; on `Basic` it asks again with the credential. TLS is
// verified unless the registry is marked otherwise; such a registry is asked
// over HTTPS without verification first and over plain HTTP if that fails,
// as Docker treats insecure registries (the scheme that worked is kept for
// the client's lifetime). `docker.io` is asked at registry-1.docker.io.
// Every call is bounded by a deadline. Credentials and tokens never appear
// in a status message.
//
//   RegistryClient registry(*http);
//   FOPS_ASSIGN_OR_RETURN(ImageRef ref, ImageRef::Parse("127.0.0.1:5000/app:dev-1"));
//   FOPS_ASSIGN_OR_RETURN(ManifestHead head,
//       registry.HeadManifest(ref, {.tls_verify = false}, absl::Now() + absl::Seconds(5)));
//   if (head.found) use(head.digest);   // "sha256:…"
#ifndef FOPS_NET_REGISTRY_CLIENT_H_
#define FOPS_NET_REGISTRY_CLIENT_H_

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fops/model/image_ref.h"
#include "fops/net/http_client.h"

namespace fops {

/// A registry login: a user name and a password or token.
struct RegistryCredential {
  std::string username;
  std::string secret;  ///< password or token; never shown
};

/// How to reach one registry.
struct RegistryAccess {
  bool tls_verify = true;  ///< false: untrusted certificate or plain HTTP
  std::string ca_file;     ///< PEM bundle to verify its certificate with ("" : the system's)
  std::optional<RegistryCredential> credential;  ///< none: anonymous
  absl::Duration request_timeout = absl::Seconds(5);  ///< per request, within the deadline
};

/// What a manifest HEAD found.
struct ManifestHead {
  bool found = false;      ///< false: the registry answered 404 (no such tag or repository)
  std::string digest;      ///< "sha256:…" (Docker-Content-Digest), when found and given
  std::string media_type;  ///< the manifest's Content-Type, when found
};

/// Thread-safe: calls may run on several threads at once.
class RegistryClient {
 public:
  /// `http` is not owned and must outlive the client.
  explicit RegistryClient(HttpClient& http);

  /// HEAD of `ref`'s manifest (by digest when the reference has one, else
  /// by tag; a reference with neither is asked for `latest`). Errors:
  /// kUnavailable (could not connect, 5xx), kDeadlineExceeded,
  /// kPermissionDenied (401/403 after authenticating, naming the registry
  /// and whether a credential was sent), kInvalidArgument (an answer that
  /// breaks the protocol: a bad challenge or token response).
  absl::StatusOr<ManifestHead> HeadManifest(const ImageRef& ref, const RegistryAccess& access,
                                            absl::Time deadline);

  /// Whether registry `host` accepts `access`'s login: `GET /v2/`,
  /// authenticating as the registry asks. OK on 200; kPermissionDenied when
  /// the registry refuses the login (or wants one and none is configured);
  /// kUnavailable / kDeadlineExceeded when it cannot be asked.
  absl::Status CheckLogin(std::string_view host, const RegistryAccess& access,
                          absl::Time deadline);

 private:
  absl::StatusOr<HttpResponse> Send(HttpRequest request, const RegistryAccess& access,
                                    absl::Time deadline);
  // `request` (url: the path) at scheme://host, answering a 401 challenge
  // with a token or Basic auth once; `repository` scopes a token.
  absl::StatusOr<HttpResponse> Ask(const std::string& scheme, const std::string& host,
                                   HttpRequest request, std::string_view repository,
                                   const RegistryAccess& access, absl::Time deadline);
  absl::StatusOr<std::string> FetchToken(const std::string& challenge, const std::string& host,
                                         std::string_view repository,
                                         const RegistryAccess& access, absl::Time deadline);
  absl::StatusOr<ManifestHead> HeadOver(const std::string& scheme, const ImageRef& ref,
                                        const RegistryAccess& access, absl::Time deadline);
  absl::Status CheckLoginOver(const std::string& scheme, const std::string& host,
                              const RegistryAccess& access, absl::Time deadline);
  // Runs `ask` over https, or for an insecure registry over the scheme that
  // worked before (https first, then http).
  template <typename Result>
  Result OverScheme(const std::string& host, const RegistryAccess& access,
                    const std::function<Result(const std::string& scheme,
                                               const RegistryAccess&)>& ask);

  HttpClient& http_;
  std::mutex mu_;
  std::map<std::string, std::string> scheme_;  // by registry host, for insecure ones: what worked
};

/// The host to talk to for an image's domain: registry-1.docker.io for
/// docker.io, the domain itself otherwise.
std::string RegistryHost(const ImageRef& ref);

}  // namespace fops

#endif  // FOPS_NET_REGISTRY_CLIENT_H_
