#include "fops/net/argocd_client.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "fops/base/string_view.h"
#include "nlohmann/json.hpp"
#include "percent_encode.h"

namespace fops {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxMessage = 300;

std::string Getenv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::optional<absl::Time> ParseTimeField(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return std::nullopt;
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, object[key].get<std::string>(), &t, &error)) {
    return std::nullopt;
  }
  return t;
}

std::string StringField(const json& object, std::initializer_list<const char*> path) {
  const json* node = &object;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return "";
    node = &(*node)[key];
  }
  return node->is_string() ? node->get<std::string>() : "";
}

// Argo CD's error body: {"error": "...", "code": 7, "message": "..."}.
std::string ErrorMessage(const HttpResponse& response) {
  json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  std::string message = StringField(body, {"message"});
  if (message.empty()) message = StringField(body, {"error"});
  if (message.empty()) message = response.body;
  absl::StripAsciiWhitespace(&message);
  if (message.size() > kMaxMessage) {
    // Cut before a character, not inside one: the message ends up in
    // mode.json and telemetry, which hold UTF-8.
    size_t cut = kMaxMessage;
    while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
    message = absl::StrCat(message.substr(0, cut), "…");
  }
  return message;
}

bool OperationInProgress(const HttpResponse& response) {
  return response.status >= 400 && response.status < 500 &&
         absl::StrContains(absl::AsciiStrToLower(response.body), "another operation is already in progress");
}

// "ns/app" -> {"app", "ns"}; "app" -> {"app", ""}.
std::pair<std::string, std::string> SplitQualified(std::string_view name) {
  size_t slash = name.find('/');
  if (slash == std::string_view::npos) return {std::string(name), ""};
  return {std::string(name.substr(slash + 1)), std::string(name.substr(0, slash))};
}

}  // namespace

absl::StatusOr<ArgoCdOptions> ArgoCdOptions::FromEnvironment() {
  ArgoCdOptions options;
  options.server = Getenv("ARGOCD_SERVER");
  options.token = Getenv("ARGOCD_AUTH_TOKEN");
  // ARGOCD_OPTS holds argocd CLI flags; fops reads the ones it shares.
  std::vector<std::string> opts = absl::StrSplit(Getenv("ARGOCD_OPTS"), absl::ByAnyChar(" \t"), absl::SkipEmpty());
  for (size_t i = 0; i < opts.size(); ++i) {
    const std::string& o = opts[i];
    auto value = [&](std::string_view flag) -> std::optional<std::string> {
      if (o == flag && i + 1 < opts.size()) return opts[++i];
      if (absl::StartsWith(o, absl::StrCat(ToAbsl(flag), "="))) return o.substr(flag.size() + 1);
      return std::nullopt;
    };
    if (o == "--insecure") {
      options.insecure = true;
    } else if (o == "--plaintext") {
      options.plaintext = true;
    } else if (auto server = value("--server")) {
      if (options.server.empty()) options.server = *server;
    } else if (auto token = value("--auth-token")) {
      if (options.token.empty()) options.token = *token;
    }
  }
  if (options.server.empty()) {
    return absl::InvalidArgumentError(
        "argocd: no server: set ARGOCD_SERVER (host:port or URL) and ARGOCD_AUTH_TOKEN, as for "
        "the argocd CLI, or pass --server");
  }
  return options;
}

std::string ArgoCdOptions::BaseUrl() const {
  std::string url = server;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!absl::StartsWith(url, "http://") && !absl::StartsWith(url, "https://")) {
    url = absl::StrCat(plaintext ? "http://" : "https://", url);
  }
  return url;
}

absl::StatusOr<ArgoApp> ArgoApp::FromJson(std::string_view text) {
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object() || !body.contains("metadata")) {
    return absl::InvalidArgumentError("argocd: the answer is not an Application");
  }
  ArgoApp app;
  app.name = StringField(body, {"metadata", "name"});
  const json status = body.value("status", json::object());
  app.sync_status = StringField(status, {"sync", "status"});
  app.revision = StringField(status, {"sync", "revision"});
  app.health_status = StringField(status, {"health", "status"});
  app.health_message = StringField(status, {"health", "message"});
  app.operation_requested = body.contains("operation") && !body["operation"].is_null();
  if (status.contains("operationState") && status["operationState"].is_object()) {
    const json& op = status["operationState"];
    app.operation_phase = StringField(op, {"phase"});
    app.operation_message = StringField(op, {"message"});
    app.operation_started = ParseTimeField(op, "startedAt");
    app.operation_finished = ParseTimeField(op, "finishedAt");
  }
  app.reconciled_at = ParseTimeField(status, "reconciledAt");
  if (app.sync_status.empty()) app.sync_status = "Unknown";
  if (app.health_status.empty()) app.health_status = "Unknown";
  return app;
}

std::string ArgoApp::Describe() const {
  std::string text = absl::StrCat(sync_status, " ", health_status);
  if (operation_requested) {
    absl::StrAppend(&text, " (sync requested)");
  } else if (!operation_phase.empty() && !operation_finished) {
    absl::StrAppend(&text, " (operation ", operation_phase, ")");
  }
  return text;
}

ArgoWaitVerdict JudgeWait(const ArgoApp& app, const ArgoApp& before) {
  if (app.operation_requested) return ArgoWaitVerdict::kWaiting;
  if (!app.operation_started) return ArgoWaitVerdict::kWaiting;
  // The operation state as it was before the sync request is not ours.
  if (before.operation_started && app.operation_started == before.operation_started &&
      app.operation_finished == before.operation_finished) {
    return ArgoWaitVerdict::kWaiting;
  }
  if (app.operation_phase == "Failed" || app.operation_phase == "Error") {
    return ArgoWaitVerdict::kSyncFailed;
  }
  if (!app.operation_finished) return ArgoWaitVerdict::kWaiting;
  // Health is trusted only once the controller reconciled after the sync.
  if (!app.reconciled_at || *app.reconciled_at < *app.operation_finished) {
    return ArgoWaitVerdict::kWaiting;
  }
  if (app.health_status == "Degraded") return ArgoWaitVerdict::kDegraded;
  if (app.sync_status == "Synced" && app.health_status == "Healthy") return ArgoWaitVerdict::kReady;
  return ArgoWaitVerdict::kWaiting;
}

ArgoCdClient::ArgoCdClient(ArgoCdOptions options, HttpClient& http, const Clock& clock)
    : options_(std::move(options)), http_(http), clock_(clock) {
  redactor_.AddSecret(options_.token);
}

absl::StatusOr<HttpResponse> ArgoCdClient::Call(std::string_view method, std::string_view name,
                                                std::string_view suffix, std::string body,
                                                absl::Time deadline) {
  auto [app, app_namespace] = SplitQualified(name);
  std::string path = absl::StrCat("/api/v1/applications/", PercentEncode(app), ToAbsl(suffix));
  std::string url = absl::StrCat(options_.BaseUrl(), path);
  if (!app_namespace.empty()) absl::StrAppend(&url, "?appNamespace=", PercentEncode(app_namespace));
  const std::string what = absl::StrCat("argocd: ", ToAbsl(method), " ", path);
  const bool is_sync = suffix == "/sync";

  HttpRequest request;
  request.method = std::string(method);
  request.url = url;
  request.headers = {{"Accept", "application/json"}};
  if (!options_.token.empty()) request.headers.emplace_back("Authorization", absl::StrCat("Bearer ", options_.token));
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
  request.verify_tls = !options_.insecure;

  absl::Duration backoff = options_.initial_backoff;
  std::string last;
  int attempts = 0;
  while (true) {
    absl::Duration left = deadline - clock_.Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(redactor_.Redact(absl::StrCat(
          what, ": no usable answer before the deadline after ", attempts, " attempt",
          attempts == 1 ? "" : "s", last.empty() ? "" : absl::StrCat(" (last: ", last, ")"))));
    }
    request.timeout = std::min(options_.request_timeout, left);
    ++attempts;
    absl::StatusOr<HttpResponse> response = http_.Send(request);
    if (response.ok()) {
      const int code = response->status;
      bool retry = code >= 500 || code == 429 || (is_sync && OperationInProgress(*response));
      if (!retry) return response;
      last = absl::StrCat("HTTP ", code, ": ", ErrorMessage(*response));
    } else if (absl::IsUnavailable(response.status()) || absl::IsDeadlineExceeded(response.status())) {
      // An attempt the deadline cut short says less than an answer the
      // server gave before it: the error reports that answer.
      const bool cut_short = absl::IsDeadlineExceeded(response.status()) &&
                             request.timeout < options_.request_timeout;
      if (!cut_short || last.empty()) last = std::string(response.status().message());
    } else {
      return absl::Status(response.status().code(),
                          redactor_.Redact(absl::StrCat(what, ": ", response.status().message())));
    }
    absl::Duration pause = std::min(backoff, deadline - clock_.Now());
    if (pause > absl::ZeroDuration()) absl::SleepFor(pause);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

namespace {

absl::Status StatusFor(const HttpResponse& response, std::string_view what, const Redactor& redactor) {
  const std::string message = ErrorMessage(response);
  std::string text = absl::StrCat(ToAbsl(what), ": HTTP ", response.status, ": ", message);
  switch (response.status) {
    case 401:
      absl::StrAppend(&text, " (set ARGOCD_AUTH_TOKEN to a valid token)");
      return absl::PermissionDeniedError(redactor.Redact(text));
    case 403:
      absl::StrAppend(&text, " (Argo CD also answers this for an application that does not exist)");
      return absl::PermissionDeniedError(redactor.Redact(text));
    case 404:
      return absl::NotFoundError(redactor.Redact(text));
    default:
      return absl::FailedPreconditionError(redactor.Redact(text));
  }
}

}  // namespace

absl::StatusOr<ArgoApp> ArgoCdClient::Get(std::string_view name, absl::Time deadline) {
  absl::StatusOr<HttpResponse> response = Call("GET", name, "", "", deadline);
  if (!response.ok()) return response.status();
  std::string what = absl::StrCat("argocd: GET application '", ToAbsl(name), "'");
  if (response->status != 200) return StatusFor(*response, what, redactor_);
  absl::StatusOr<ArgoApp> app = ArgoApp::FromJson(response->body);
  if (!app.ok()) return absl::InvalidArgumentError(absl::StrCat(what, ": ", app.status().message()));
  return app;
}

absl::Status ArgoCdClient::Sync(std::string_view name, absl::Time deadline, bool prune) {
  auto [app, app_namespace] = SplitQualified(name);
  json body = {{"name", app}, {"prune", prune}, {"dryRun", false}};
  if (!app_namespace.empty()) body["appNamespace"] = app_namespace;
  absl::StatusOr<HttpResponse> response = Call("POST", name, "/sync", body.dump(), deadline);
  if (!response.ok()) return response.status();
  // Accepted is what matters: the body (the Application as Argo CD saw it
  // then) tells nothing the wait does not read again.
  if (response->status >= 200 && response->status < 300) return absl::OkStatus();
  return StatusFor(*response, absl::StrCat("argocd: sync application '", ToAbsl(name), "'"), redactor_);
}

}  // namespace fops
