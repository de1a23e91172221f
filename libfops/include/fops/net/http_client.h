// HTTP as a seam: readiness probes, smokes, the Argo CD client and the
// telemetry sinks send requests through an HttpClient. CurlHttpClient is the
// real one (libcurl); tests use loopback servers that speak the protocol.
//
//   std::unique_ptr<HttpClient> http = NewCurlHttpClient();
//   FOPS_ASSIGN_OR_RETURN(HttpResponse r,
//       http->Send({.method = "GET", .url = "http://127.0.0.1:8080/healthz"}));
#ifndef FOPS_NET_HTTP_CLIENT_H_
#define FOPS_NET_HTTP_CLIENT_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fops {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  absl::Duration timeout = absl::Seconds(10);  ///< whole request, connect included
  bool verify_tls = true;
  std::string ca_file;  ///< PEM bundle to verify the server with; "" : the system's
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lowercased
  std::string body;
  /// The first header named `name` (case-insensitive), if any.
  std::optional<std::string> header(std::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  /// Sends one request. Any HTTP answer, 4xx and 5xx included, is a
  /// response; errors are transport failures only: kUnavailable (could not
  /// connect, connection dropped), kDeadlineExceeded (timed out),
  /// kInvalidArgument (malformed URL), and for the libcurl client
  /// kFailedPrecondition when libcurl.so.4 cannot be loaded (it is loaded on
  /// the first Send, not linked). Messages never carry header values.
  /// Thread-safe.
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

/// The libcurl client. Thread-safe; each Send uses its own handle. Cheap to
/// make: libcurl is loaded by the first Send in the process.
std::unique_ptr<HttpClient> NewCurlHttpClient();

}  // namespace fops

#endif  // FOPS_NET_HTTP_CLIENT_H_
