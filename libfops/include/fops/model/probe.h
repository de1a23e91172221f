// A readiness probe, with Tilt's (and Kubernetes') names: one of an HTTP GET,
// a TCP connect, or a command; timing in period/timeout/thresholds.
//
//   Probe p;
//   p.action = HttpGetAction{.port = 8080, .path = "/healthz"};
//   p.period = absl::Seconds(1);
#ifndef FOPS_MODEL_PROBE_H_
#define FOPS_MODEL_PROBE_H_

#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"

namespace fops {

/// GET scheme://host:port/path; ready on a 2xx or 3xx answer.
struct HttpGetAction {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/";
  std::string scheme = "http";
  friend bool operator==(const HttpGetAction&, const HttpGetAction&) = default;
};

/// Ready when a TCP connection to host:port is accepted.
struct TcpSocketAction {
  std::string host = "127.0.0.1";
  int port = 0;
  friend bool operator==(const TcpSocketAction&, const TcpSocketAction&) = default;
};

/// Ready when the command exits 0 (argv, no shell).
struct ExecAction {
  std::vector<std::string> command;
  friend bool operator==(const ExecAction&, const ExecAction&) = default;
};

struct Probe {
  std::variant<HttpGetAction, TcpSocketAction, ExecAction> action;
  absl::Duration initial_delay = absl::ZeroDuration();  ///< before the first probe
  absl::Duration timeout = absl::Seconds(1);            ///< per attempt
  /// Between attempts once ready: Tilt's and Kubernetes' 10 s, so a ready
  /// server is not asked (and its log not filled) every second. Before the
  /// first success fops probes sooner (from 25 ms, doubling up to 1 s or
  /// `period` if shorter) so a new server is seen as ready at once; see
  /// docs/engine.md.
  absl::Duration period = absl::Seconds(10);
  int success_threshold = 1;  ///< consecutive successes to become ready
  int failure_threshold = 3;  ///< consecutive failures to lose readiness
  friend bool operator==(const Probe&, const Probe&) = default;
};

/// "http_get http://127.0.0.1:8080/healthz", for plans and messages.
std::string ProbeToString(const Probe& probe);

}  // namespace fops

#endif  // FOPS_MODEL_PROBE_H_
