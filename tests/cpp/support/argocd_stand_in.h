// A loopback stand-in for the Argo CD API server, speaking the REST API
// fops uses (GET /api/v1/applications/{name}, POST …/{name}/sync) with
// Bearer auth, Argo CD's error bodies ({"error", "code", "message"}) and
// scripted application states: each sync request is followed by the states
// a test lists (OutOfSync -> Running -> Synced/Progressing -> Healthy,
// Degraded, a failed sync ...), one per read, the last one repeating.
// Faults (5xx, slow answers, dropped connections, "another operation is
// already in progress") are queued per request, or set for every request
// about one app (an app whose server hangs). No Argo CD can run here;
// this plays its protocol on 127.0.0.1 and a free port.
//
//   ArgoCdStandIn argo;
//   argo.AddApp("api", {.sync = "OutOfSync"},
//               {{.phase = "Running"},
//                {.sync = "Synced", .health = "Healthy", .phase = "Succeeded",
//                 .finished = true, .reconciled = true}});
//   ArgoCdClient client(argo.Options(), *http);
#ifndef FOPS_TESTS_CPP_SUPPORT_ARGOCD_STAND_IN_H_
#define FOPS_TESTS_CPP_SUPPORT_ARGOCD_STAND_IN_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "fops/net/argocd_client.h"
#include "support/loopback_http_server.h"

namespace fops::testing {

/// One state of an application as the stand-in serves it.
struct ArgoAppState {
  std::string sync = "OutOfSync";  ///< status.sync.status
  std::string health = "Healthy";  ///< status.health.status
  std::string health_message;      ///< status.health.message
  std::string phase;               ///< operationState.phase; "" : no operation state
  std::string phase_message;       ///< operationState.message
  bool finished = false;           ///< operationState.finishedAt set
  bool reconciled = false;         ///< reconciledAt at or after finishedAt
};

/// What one request meets before the application logic answers it.
struct ArgoFault {
  int status = 0;  ///< answer with this status (500, 503, 429 ...) and an Argo error body
  bool drop = false;  ///< close the connection without answering
  absl::Duration delay = absl::ZeroDuration();  ///< answer normally, this late
};

/// Thread-safe.
class ArgoCdStandIn {
 public:
  explicit ArgoCdStandIn(std::string token = "argocd-test-token-1234");
  ~ArgoCdStandIn();

  /// An application: `initial` until a sync is asked for; after each sync,
  /// the first read shows the requested operation, the next ones serve
  /// `after_sync` in order, the last repeating.
  void AddApp(const std::string& name, ArgoAppState initial, std::vector<ArgoAppState> after_sync);
  /// The next requests (any path) meet these faults, in order.
  void QueueFaults(std::vector<ArgoFault> faults);
  /// Every request about `app` (read or sync) meets `fault` from now on,
  /// after the queued faults; ArgoFault{} clears it.
  void FaultApp(const std::string& app, ArgoFault fault);
  /// The next `count` sync requests of `app` answer "another operation is
  /// already in progress" (HTTP 400, as Argo CD does).
  void RefuseSyncs(const std::string& app, int count);

  /// "127.0.0.1:PORT"; serve it with plaintext.
  std::string server() const;
  /// Options for a client of this stand-in: plaintext, the token, and
  /// short intervals so tests stay fast.
  ArgoCdOptions Options() const;
  /// Sync requests `app` accepted.
  int syncs(const std::string& app) const;
  /// Reads (GET) of `app` answered by the application logic.
  int reads(const std::string& app) const;
  /// Every request received, faults included.
  std::vector<LoopbackHttpServer::Request> requests() const;
  const std::string& token() const { return token_; }

 private:
  struct App {
    ArgoAppState initial;
    ArgoAppState current;  // what reads show now
    std::vector<ArgoAppState> after_sync;
    int syncs = 0;           // accepted
    int reads = 0;
    int refuse_syncs = 0;
    bool requested = false;  // a sync waits for its first read
    int step = -1;           // index into after_sync; -1 before any sync
  };
  LoopbackHttpServer::Response Handle(const LoopbackHttpServer::Request& request);
  std::string AppJson(const std::string& name, const App& app, const ArgoAppState& state) const;

  std::string token_;
  mutable absl::Mutex mu_;
  std::map<std::string, App> apps_;
  std::vector<ArgoFault> faults_;
  std::map<std::string, ArgoFault> app_faults_;
  std::unique_ptr<LoopbackHttpServer> server_;
};

}  // namespace fops::testing

#endif  // FOPS_TESTS_CPP_SUPPORT_ARGOCD_STAND_IN_H_
