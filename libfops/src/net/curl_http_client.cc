// The libcurl HttpClient: one easy handle per Send, so concurrent Sends
// share nothing but curl's global state. libcurl itself is loaded on the
// first Send (libcurl_loader.h), not when the client is made: every engine
// makes a prober with a client, and most runs never send a request.
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "fops/base/redact.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"
#include "fops/net/http_client.h"
#include "libcurl_loader.h"

namespace fops {
namespace {

struct EasyDeleter {
  const LibCurl* curl;
  void operator()(CURL* handle) const { curl->easy_cleanup(handle); }
};
struct SlistDeleter {
  const LibCurl* curl;
  void operator()(curl_slist* list) const { curl->slist_free_all(list); }
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// Called once per header line, status lines included. A new status line
// (after a 100 Continue, say) starts the header list afresh so the caller
// sees the final response's headers only.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
  absl::string_view line(data, size * count);
  if (absl::StartsWith(line, "HTTP/")) {
    headers->clear();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return size * count;  // blank line ends the block
  std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(0, colon)));
  std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  headers->emplace_back(std::move(name), std::move(value));
  return size * count;
}

// The URL as it may appear in an error: no user:password@ and no query
// string, since either can carry a token.
std::string UrlForMessage(const std::string& url) {
  std::string shown = url.substr(0, url.find_first_of("?#"));
  return Redactor().Redact(shown);
}

absl::StatusCode CodeFor(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::StatusCode::kDeadlineExceeded;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return absl::StatusCode::kInvalidArgument;
    default:
      // Refused, reset, DNS, TLS handshake, empty reply: all worth a retry.
      return absl::StatusCode::kUnavailable;
  }
}

// Hosts that never go through a proxy, added to the user's no_proxy: a
// readiness probe on 127.0.0.1 must not be sent to a corporate proxy.
std::string NoProxyList() {
  std::string list = "localhost,127.0.0.1,::1";
  for (const char* name : {"no_proxy", "NO_PROXY"}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') {
      return absl::StrCat(value, ",", list);
    }
  }
  return list;
}

class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(LibCurlLoader& loader) : loader_(loader), no_proxy_(NoProxyList()) {}

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    absl::StatusOr<const LibCurl*> loaded = loader_.Get();
    if (!loaded.ok()) {
      return Annotate(loaded.status(),
                      absl::StrCat(request.method, " ", UrlForMessage(request.url)));
    }
    const LibCurl* curl = *loaded;
    std::unique_ptr<CURL, EasyDeleter> handle(curl->easy_init(), EasyDeleter{curl});
    if (handle == nullptr) return absl::InternalError("curl_easy_init failed");
    CURL* h = handle.get();

    std::unique_ptr<curl_slist, SlistDeleter> header_list(nullptr, SlistDeleter{curl});
    for (const auto& [name, value] : request.headers) {
      std::string line = value.empty() ? absl::StrCat(name, ";") : absl::StrCat(name, ": ", value);
      curl_slist* grown = curl->slist_append(header_list.get(), line.c_str());
      if (grown == nullptr) return absl::InternalError("curl_slist_append failed");
      header_list.release();
      header_list.reset(grown);
    }
    // curl would otherwise wait up to a second for a 100 Continue before
    // sending a large body.
    curl_slist* grown = curl->slist_append(header_list.get(), "Expect:");
    if (grown == nullptr) return absl::InternalError("curl_slist_append failed");
    header_list.release();
    header_list.reset(grown);

    HttpResponse response;
    char error[CURL_ERROR_SIZE] = {0};
    long timeout_ms = static_cast<long>(absl::ToInt64Milliseconds(request.timeout));
    if (timeout_ms <= 0) timeout_ms = 1;

    curl->easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in threads
    curl->easy_setopt(h, CURLOPT_NOPROXY, no_proxy_.c_str());
    curl->easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl->easy_setopt(h, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
    curl->easy_setopt(h, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
    if (!request.ca_file.empty()) curl->easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
    curl->easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
    curl->easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    curl->easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
    curl->easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
    curl->easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
    curl->easy_setopt(h, CURLOPT_HEADERDATA, &response.headers);

    if (request.method == "HEAD") {
      curl->easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (request.method != "GET" || !request.body.empty()) {
      curl->easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      curl->easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      curl->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }

    CURLcode code = curl->easy_perform(h);
    if (code != CURLE_OK) {
      std::string detail = error[0] != '\0' ? std::string(error) : curl->easy_strerror(code);
      // Request headers are never part of the message; redact the detail
      // too in case curl echoed the URL with credentials.
      return absl::Status(CodeFor(code),
                          absl::StrCat(request.method, " ", UrlForMessage(request.url), ": ",
                                       Redactor().Redact(detail)));
    }
    long status = 0;
    curl->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
  }

 private:
  LibCurlLoader& loader_;
  std::string no_proxy_;
};

}  // namespace

std::unique_ptr<HttpClient> NewCurlHttpClient(LibCurlLoader& loader) {
  return std::make_unique<CurlHttpClient>(loader);
}

std::unique_ptr<HttpClient> NewCurlHttpClient() { return NewCurlHttpClient(DefaultLibCurl()); }

}  // namespace fops
