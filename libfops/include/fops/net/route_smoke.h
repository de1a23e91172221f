// A route smoke: GET each route of a running service and check that it
// answers with an expected status and, if asked, contains a text — the
// check a dev loop ends with ("the portal is up and its API answers").
// Each route gets bounded retries (a service that was just made ready may
// still be warming up); every attempt prints one line with the status and
// the time it took, and the report's summary names the slowest route, or
// what failed:
//
//   GET http://127.0.0.1:8080/api/health → 200 in 12 ms ✔
//   GET http://127.0.0.1:8080/api/items → 500 in 3 ms ✘ expected status 200, got 500: "boom"
//   3 routes ok, slowest /api/health 41 ms
//
// Redirects are not followed: a route that answers 302 is checked as 302.
// TLS certificates are verified unless `verify_tls` is off.
//
//   std::unique_ptr<HttpClient> http = NewCurlHttpClient();
//   RouteSmoke smoke(*http, {.retries = 3}, [](std::string_view line) { Print(line); });
//   RouteSmokeReport report = smoke.Run({{.label = "/", .url = JoinUrl(base, "/")}});
//   if (!report.ok()) Fail(report.Summary());
#ifndef FOPS_NET_ROUTE_SMOKE_H_
#define FOPS_NET_ROUTE_SMOKE_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "fops/net/expected_status.h"
#include "fops/net/http_client.h"

namespace fops {

/// One route to check.
struct SmokeRoute {
  std::string label;  ///< how lines and the summary name it: the route ("/api/health") or URL
  std::string url;    ///< what is requested
  ExpectedStatus expect_status;  ///< statuses that pass (default: 200)
  std::string expect_text;       ///< must appear in the body; "" : the body is not checked
};

/// How hard to try.
struct RouteSmokeOptions {
  int retries = 3;  ///< attempts after a failed one, per route (0: one attempt only)
  absl::Duration retry_delay = absl::Seconds(1);  ///< the wait before each retry
  absl::Duration timeout = absl::Seconds(10);     ///< per request, connect included
  bool verify_tls = true;  ///< false: accept any certificate (a dev server's self-signed one)
};

/// What one route did, as of its last attempt.
struct RouteResult {
  std::string label;  ///< as in the SmokeRoute
  std::string url;    ///< as in the SmokeRoute
  bool ok = false;    ///< the last attempt passed
  int status = 0;     ///< the last answer's status; 0 when nothing answered
  absl::Duration elapsed = absl::ZeroDuration();  ///< the last attempt's time
  int attempts = 0;                               ///< requests sent
  std::string failure;  ///< why the last attempt failed ("expected status 200, got 500: …"); "" when ok
};

/// Every route's result, in the order given.
struct RouteSmokeReport {
  std::vector<RouteResult> routes;  ///< one per route checked
  /// True when every route passed (and there was at least one).
  bool ok() const;
  /// One line: "3 routes ok, slowest /api/health 41 ms", or
  /// "1 of 3 routes failed: /api/items: expected status 200, got 500: …".
  std::string Summary() const;
};

class RouteSmoke {
 public:
  /// Receives each output line (no newline), in order, on the calling thread.
  using LineSink = std::function<void(std::string_view line)>;

  /// `http` must outlive the smoke.
  RouteSmoke(HttpClient& http, RouteSmokeOptions options, LineSink out = {});

  /// Checks one route: up to 1 + retries attempts, stopping at the first pass.
  RouteResult Check(const SmokeRoute& route) const;
  /// Checks every route, one after the other; a failed route does not stop the others.
  RouteSmokeReport Run(const std::vector<SmokeRoute>& routes) const;

 private:
  void Print(const std::string& line) const;

  HttpClient& http_;
  RouteSmokeOptions options_;
  LineSink out_;
};

/// `route` appended to `base` with exactly one slash between them:
/// JoinUrl("http://127.0.0.1:8080/", "/api") == "http://127.0.0.1:8080/api".
std::string JoinUrl(std::string_view base, std::string_view route);

/// A time as smoke lines show it: "0.4 ms", "41 ms", "1.25 s".
std::string SmokeMillis(absl::Duration d);

}  // namespace fops

#endif  // FOPS_NET_ROUTE_SMOKE_H_
