// A client for the Argo CD REST API, the half of `argocd` that deploy-mode
// needs: read an Application (GET /api/v1/applications/{name}), ask for a
// sync (POST /api/v1/applications/{name}/sync), and judge a wait the way
// `argocd app wait --sync --health` does: the sync operation has finished,
// the app was reconciled after it, sync status is Synced and health is
// Healthy; Degraded health or a failed operation ends the wait at once.
// Server and token come from ARGOCD_SERVER and ARGOCD_AUTH_TOKEN (the argocd
// CLI's names; ARGOCD_OPTS may add --insecure, --plaintext, --server,
// --auth-token). TLS is verified unless `insecure` says otherwise. Every
// request is bounded by a deadline; connection errors, timeouts, 429 and 5xx
// are retried with backoff until it. The token is sent as a Bearer header
// and never appears in a status message.
//
//   FOPS_ASSIGN_OR_RETURN(ArgoCdOptions options, ArgoCdOptions::FromEnvironment());
//   ArgoCdClient argo(options, *http);
//   FOPS_ASSIGN_OR_RETURN(ArgoApp before, argo.Get("fractalops-api", deadline));
//   FOPS_RETURN_IF_ERROR(argo.Sync("fractalops-api", deadline));
//   ... poll argo.Get() and JudgeWait(app, before) until kReady ...
#ifndef FOPS_NET_ARGOCD_CLIENT_H_
#define FOPS_NET_ARGOCD_CLIENT_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fops/base/clock.h"
#include "fops/base/redact.h"
#include "fops/net/http_client.h"

namespace fops {

/// Where Argo CD is and how to talk to it.
struct ArgoCdOptions {
  /// `host`, `host:port` or a URL; https unless a URL says http or
  /// `plaintext` is set.
  std::string server;
  std::string token;       ///< sent as `Authorization: Bearer …`; never shown
  bool insecure = false;   ///< skip TLS certificate verification (argocd --insecure)
  bool plaintext = false;  ///< http instead of https (argocd --plaintext)
  absl::Duration request_timeout = absl::Seconds(10);  ///< per request, within the deadline
  absl::Duration initial_backoff = absl::Milliseconds(250);  ///< first retry delay, doubling
  absl::Duration max_backoff = absl::Seconds(5);             ///< retry delay cap
  absl::Duration poll_interval = absl::Seconds(2);           ///< between reads while waiting

  /// From ARGOCD_SERVER, ARGOCD_AUTH_TOKEN and ARGOCD_OPTS. kInvalidArgument
  /// when no server is named (the message says which variables to set).
  static absl::StatusOr<ArgoCdOptions> FromEnvironment();
  /// `https://host:port` (or http://), without a trailing slash.
  std::string BaseUrl() const;
};

/// What fops reads from an Application's status.
struct ArgoApp {
  std::string name;
  std::string sync_status;       ///< status.sync.status: Synced, OutOfSync, Unknown
  std::string revision;          ///< status.sync.revision
  std::string health_status;     ///< status.health.status: Healthy, Progressing, Degraded, ...
  std::string health_message;    ///< status.health.message, if any
  bool operation_requested = false;  ///< `operation` set: a sync asked for, not yet started
  std::string operation_phase;   ///< status.operationState.phase: Running, Succeeded, Failed, Error
  std::string operation_message;
  std::optional<absl::Time> operation_started;   ///< status.operationState.startedAt
  std::optional<absl::Time> operation_finished;  ///< status.operationState.finishedAt
  std::optional<absl::Time> reconciled_at;       ///< status.reconciledAt

  /// Parses an Application as the API returns it. kInvalidArgument for
  /// text that is not an Application.
  static absl::StatusOr<ArgoApp> FromJson(std::string_view json);
  /// "Synced Healthy", "OutOfSync Progressing (operation Running)".
  std::string Describe() const;
};

/// Where a wait stands after one read of the app.
enum class ArgoWaitVerdict {
  kWaiting,     ///< keep polling
  kReady,       ///< Synced and Healthy after the sync finished and was reconciled
  kDegraded,    ///< health Degraded after the sync: fail fast
  kSyncFailed,  ///< the sync operation ended Failed or Error
};

/// Judges `app` as `argocd app wait --sync --health` would, for a sync
/// requested when the app looked like `before`: an operation that started
/// no later than before's is not ours yet.
ArgoWaitVerdict JudgeWait(const ArgoApp& app, const ArgoApp& before);

/// Thread-compatible: one client per thread, or external locking.
class ArgoCdClient {
 public:
  /// `http` is not owned and must outlive the client.
  ArgoCdClient(ArgoCdOptions options, HttpClient& http, const Clock& clock = Clock::Real());

  /// GET /api/v1/applications/{name}. `name` may be `namespace/name` (apps
  /// in any namespace). kNotFound, kPermissionDenied, kDeadlineExceeded,
  /// kUnavailable (5xx or no connection, after retries until `deadline`).
  absl::StatusOr<ArgoApp> Get(std::string_view name, absl::Time deadline);

  /// POST /api/v1/applications/{name}/sync. OK once Argo CD accepted it
  /// (an HTTP 2xx answer, whatever its body): the sync is then Argo CD's.
  /// An app already running an operation is retried until `deadline`
  /// (Argo CD refuses a second one); errors as for Get().
  absl::Status Sync(std::string_view name, absl::Time deadline, bool prune = false);

  /// The options it was made with.
  const ArgoCdOptions& options() const { return options_; }

 private:
  absl::StatusOr<HttpResponse> Call(std::string_view method, std::string_view name,
                                    std::string_view suffix, std::string body,
                                    absl::Time deadline);

  ArgoCdOptions options_;
  HttpClient& http_;
  const Clock& clock_;
  Redactor redactor_;
};

}  // namespace fops

#endif  // FOPS_NET_ARGOCD_CLIENT_H_
