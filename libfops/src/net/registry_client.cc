#include "fops/net/registry_client.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fops/base/string_view.h"
#include "nlohmann/json.hpp"
#include "percent_encode.h"

namespace fops {
namespace {

using json = nlohmann::json;

// Every manifest kind a tag may point at: a registry that holds an index
// answers 404 to a client that accepts only single manifests.
constexpr char kAccept[] =
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

constexpr size_t kMaxShownBody = 200;

// How long HTTPS is tried first on a registry marked insecure.
constexpr absl::Duration kHttpsProbeTimeout = absl::Seconds(1);

// `Bearer realm="https://auth/token",service="registry",scope="repository:x:pull"`:
// the scheme in lower case and the parameters (quoted strings unescaped).
struct Challenge {
  std::string scheme;
  std::map<std::string, std::string> params;
};

absl::StatusOr<Challenge> ParseChallenge(std::string_view header) {
  Challenge c;
  size_t i = 0;
  while (i < header.size() && header[i] == ' ') ++i;
  size_t start = i;
  while (i < header.size() && header[i] != ' ') ++i;
  c.scheme = absl::AsciiStrToLower(ToAbsl(header.substr(start, i - start)));
  if (c.scheme.empty()) return absl::InvalidArgumentError("an empty WWW-Authenticate challenge");
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) ++i;
    if (i >= header.size()) break;
    size_t key_start = i;
    while (i < header.size() && header[i] != '=' && header[i] != ',') ++i;
    if (i >= header.size() || header[i] != '=') {
      return absl::InvalidArgumentError(
          absl::StrCat("a WWW-Authenticate parameter without a value near '",
                       ToAbsl(header.substr(key_start, 40)), "'"));
    }
    std::string key = absl::AsciiStrToLower(
        absl::StripAsciiWhitespace(ToAbsl(header.substr(key_start, i - key_start))));
    ++i;  // '='
    std::string value;
    if (i < header.size() && header[i] == '"') {
      ++i;
      bool closed = false;
      while (i < header.size()) {
        char ch = header[i++];
        if (ch == '\\' && i < header.size()) {
          value.push_back(header[i++]);
        } else if (ch == '"') {
          closed = true;
          break;
        } else {
          value.push_back(ch);
        }
      }
      if (!closed) {
        return absl::InvalidArgumentError(
            absl::StrCat("an unterminated quoted value for '", key, "' in WWW-Authenticate"));
      }
    } else {
      size_t value_start = i;
      while (i < header.size() && header[i] != ',') ++i;
      value = std::string(absl::StripAsciiWhitespace(
          ToAbsl(header.substr(value_start, i - value_start))));
    }
    c.params[key] = std::move(value);
  }
  return c;
}

std::string BasicAuth(const RegistryCredential& credential) {
  return absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(credential.username, ":",
                                                                credential.secret)));
}

std::string ShortBody(const std::string& body) {
  std::string text(absl::StripAsciiWhitespace(body));
  if (text.size() > kMaxShownBody) text = absl::StrCat(text.substr(0, kMaxShownBody), "…");
  return text;
}

absl::Status StatusOf(const absl::Status& status) { return status; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}

std::string Reference(const ImageRef& ref) {
  if (!ref.digest().empty()) return ref.digest();
  return ref.tag().empty() ? "latest" : ref.tag();
}

}  // namespace

std::string RegistryHost(const ImageRef& ref) {
  return ref.domain() == ImageRef::kDefaultDomain ? "registry-1.docker.io" : ref.domain();
}

RegistryClient::RegistryClient(HttpClient& http) : http_(http) {}

absl::StatusOr<HttpResponse> RegistryClient::Send(HttpRequest request,
                                                  const RegistryAccess& access,
                                                  absl::Time deadline) {
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) {
    // Named, like every other failure: the time may have gone on an
    // earlier attempt (the HTTPS probe of an insecure registry).
    std::string_view server = request.url;
    if (size_t scheme = server.find("://"); scheme != std::string_view::npos) {
      server.remove_prefix(scheme + 3);
    }
    server = server.substr(0, server.find('/'));
    return absl::DeadlineExceededError(
        absl::StrCat("no time left to ask the registry ", ToAbsl(server)));
  }
  request.timeout = std::min(access.request_timeout, left);
  request.verify_tls = access.tls_verify;
  request.ca_file = access.ca_file;
  return http_.Send(request);
}

absl::StatusOr<std::string> RegistryClient::FetchToken(const std::string& challenge_text,
                                                       const std::string& host,
                                                       std::string_view repository,
                                                       const RegistryAccess& access,
                                                       absl::Time deadline) {
  absl::StatusOr<Challenge> challenge = ParseChallenge(challenge_text);
  if (!challenge.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("registry ", host, " sent ", challenge.status().message()));
  }
  auto realm = challenge->params.find("realm");
  if (realm == challenge->params.end() || realm->second.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("registry ", host, " asked for a Bearer token without naming a realm"));
  }
  if (!absl::StartsWith(realm->second, "https://") && !absl::StartsWith(realm->second, "http://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("registry ", host, " named a token realm that is not an http(s) URL"));
  }
  std::string url = realm->second;
  char sep = absl::StrContains(url, "?") ? '&' : '?';
  if (auto service = challenge->params.find("service"); service != challenge->params.end()) {
    absl::StrAppend(&url, std::string(1, sep), "service=", PercentEncode(service->second));
    sep = '&';
  }
  auto scope = challenge->params.find("scope");
  std::string wanted = scope != challenge->params.end() ? scope->second
                       : repository.empty()
                           ? ""
                           : absl::StrCat("repository:", ToAbsl(repository), ":pull");
  if (!wanted.empty()) absl::StrAppend(&url, std::string(1, sep), "scope=", PercentEncode(wanted));

  HttpRequest request{.method = "GET", .url = url};
  if (access.credential) request.headers.emplace_back("Authorization", BasicAuth(*access.credential));
  // The realm is another server: its TLS is verified unless the registry's is not.
  absl::StatusOr<HttpResponse> response = Send(std::move(request), access, deadline);
  if (!response.ok()) {
    return absl::Status(response.status().code(),
                        absl::StrCat("registry ", host, ": token request: ",
                                     response.status().message()));
  }
  if (response->status == 401 || response->status == 403) {
    return absl::PermissionDeniedError(absl::StrCat(
        "registry ", host, " refused a token", repository.empty() ? "" : " for ",
        ToAbsl(repository), " (HTTP ", response->status, ", ",
        access.credential ? "with the credential configured" : "anonymously", ")"));
  }
  if (response->status != 200) {
    return absl::UnavailableError(absl::StrCat("registry ", host, ": token request answered HTTP ",
                                               response->status));
  }
  json body = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  for (const char* key : {"token", "access_token"}) {
    if (body.is_object() && body.contains(key) && body[key].is_string() &&
        !body[key].get<std::string>().empty()) {
      return body[key].get<std::string>();
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("registry ", host, ": the token response holds no token"));
}

absl::StatusOr<HttpResponse> RegistryClient::Ask(const std::string& scheme, const std::string& host,
                                                 HttpRequest request, std::string_view repository,
                                                 const RegistryAccess& access,
                                                 absl::Time deadline) {
  request.url = absl::StrCat(scheme, "://", host, request.url);
  absl::StatusOr<HttpResponse> response = Send(request, access, deadline);
  if (!response.ok() || response->status != 401) return response;
  std::optional<std::string> challenge = response->header("www-authenticate");
  std::string kind =
      challenge ? absl::AsciiStrToLower(ToAbsl(challenge->substr(0, challenge->find(' ')))) : "";
  std::string authorization;
  if (kind == "bearer") {
    absl::StatusOr<std::string> token = FetchToken(*challenge, host, repository, access, deadline);
    if (!token.ok()) return token.status();
    authorization = absl::StrCat("Bearer ", *token);
  } else if (kind == "basic" && access.credential) {
    authorization = BasicAuth(*access.credential);
  } else {
    return absl::PermissionDeniedError(absl::StrCat(
        "registry ", host, " wants a login", repository.empty() ? "" : " for ",
        ToAbsl(repository), " (HTTP 401", kind.empty() ? "" : absl::StrCat(", ", kind),
        ") and no credential is configured"));
  }
  request.headers.emplace_back("Authorization", std::move(authorization));
  return Send(std::move(request), access, deadline);
}

absl::StatusOr<ManifestHead> RegistryClient::HeadOver(const std::string& scheme,
                                                      const ImageRef& ref,
                                                      const RegistryAccess& access,
                                                      absl::Time deadline) {
  const std::string host = RegistryHost(ref);
  HttpRequest request{.method = "HEAD",
                      .url = absl::StrCat("/v2/", ref.path(), "/manifests/",
                                          PercentEncode(Reference(ref)))};
  request.headers.emplace_back("Accept", kAccept);
  absl::StatusOr<HttpResponse> response =
      Ask(scheme, host, std::move(request), ref.path(), access, deadline);
  if (!response.ok()) return response.status();
  if (response->status == 200) {
    ManifestHead head{.found = true};
    head.digest = response->header("docker-content-digest").value_or("");
    // The digest is recorded in state files and compared with later
    // answers: anything but algorithm:hex breaks the protocol.
    if (!head.digest.empty() && !ImageRef::CheckDigest(head.digest).ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "registry ", host, " answered ", ref.Name(), ":", Reference(ref),
          " with a Docker-Content-Digest that is not a digest (algorithm:hex)"));
    }
    head.media_type = response->header("content-type").value_or("");
    return head;
  }
  if (response->status == 404) return ManifestHead{.found = false};
  if (response->status == 401 || response->status == 403) {
    return absl::PermissionDeniedError(absl::StrCat(
        "registry ", host, " refused access to ", ref.Name(), " (HTTP ", response->status, ", ",
        access.credential ? "with the credential configured" : "anonymously", ")"));
  }
  std::string why = absl::StrCat("registry ", host, " answered HTTP ", response->status, " for ",
                                 ref.Name(), ":", Reference(ref));
  if (!response->body.empty()) absl::StrAppend(&why, ": ", ShortBody(response->body));
  return response->status >= 500 || response->status == 429
             ? absl::UnavailableError(why)
             : absl::InvalidArgumentError(why);
}

absl::Status RegistryClient::CheckLoginOver(const std::string& scheme, const std::string& host,
                                            const RegistryAccess& access, absl::Time deadline) {
  absl::StatusOr<HttpResponse> response =
      Ask(scheme, host, HttpRequest{.method = "GET", .url = "/v2/"}, "", access, deadline);
  if (!response.ok()) return response.status();
  if (response->status == 200) return absl::OkStatus();
  if (response->status == 401 || response->status == 403) {
    return absl::PermissionDeniedError(absl::StrCat("registry ", host, " refused the login (HTTP ",
                                                    response->status, ")"));
  }
  return absl::UnavailableError(
      absl::StrCat("registry ", host, " answered HTTP ", response->status, " on /v2/"));
}

template <typename Result>
Result RegistryClient::OverScheme(const std::string& host, const RegistryAccess& access,
                                  const std::function<Result(const std::string& scheme,
                                                             const RegistryAccess&)>& ask) {
  if (access.tls_verify) return ask("https", access);
  std::string known;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = scheme_.find(host); it != scheme_.end()) known = it->second;
  }
  if (!known.empty()) return ask(known, access);
  // An insecure registry may serve HTTPS with an untrusted certificate or
  // plain HTTP: HTTPS first, as Docker does, briefly (a plain HTTP server
  // may wait for a request line that a TLS handshake never sends).
  RegistryAccess probe = access;
  probe.request_timeout = std::min(access.request_timeout, kHttpsProbeTimeout);
  Result result = ask("https", probe);
  std::string worked = "https";
  absl::Status status = StatusOf(result);
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    result = ask("http", access);
    worked = "http";
    status = StatusOf(result);
  }
  if (status.ok() || absl::IsPermissionDenied(status)) {
    std::lock_guard<std::mutex> lock(mu_);
    scheme_[host] = worked;
  }
  return result;
}

absl::StatusOr<ManifestHead> RegistryClient::HeadManifest(const ImageRef& ref,
                                                          const RegistryAccess& access,
                                                          absl::Time deadline) {
  return OverScheme<absl::StatusOr<ManifestHead>>(
      RegistryHost(ref), access, [&](const std::string& scheme, const RegistryAccess& a) {
        return HeadOver(scheme, ref, a, deadline);
      });
}

absl::Status RegistryClient::CheckLogin(std::string_view host, const RegistryAccess& access,
                                        absl::Time deadline) {
  const std::string h = host == ImageRef::kDefaultDomain ? "registry-1.docker.io" : std::string(host);
  return OverScheme<absl::Status>(h, access,
                                  [&](const std::string& scheme, const RegistryAccess& a) {
                                    return CheckLoginOver(scheme, h, a, deadline);
                                  });
}

}  // namespace fops
