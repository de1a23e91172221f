#include "support/argocd_stand_in.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"

namespace fops::testing {
namespace {

using json = nlohmann::json;
using Response = LoopbackHttpServer::Response;

constexpr char kPrefix[] = "/api/v1/applications/";
// Timestamps of the scripted operations: sync n starts at kEpoch + n * 100s.
const absl::Time kEpoch = absl::FromUnixSeconds(1735689600);  // 2025-01-01T00:00:00Z

std::string Rfc3339(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

Response Error(int status, int code, const std::string& message) {
  return Response{.status = status,
                  .headers = {{"Content-Type", "application/json"}},
                  .body = json{{"error", message}, {"code", code}, {"message", message}}.dump()};
}

}  // namespace

ArgoCdStandIn::ArgoCdStandIn(std::string token) : token_(std::move(token)) {
  server_ = std::make_unique<LoopbackHttpServer>(
      [this](const LoopbackHttpServer::Request& request) { return Handle(request); });
}

ArgoCdStandIn::~ArgoCdStandIn() { server_.reset(); }

void ArgoCdStandIn::AddApp(const std::string& name, ArgoAppState initial,
                           std::vector<ArgoAppState> after_sync) {
  absl::MutexLock lock(&mu_);
  ArgoAppState current = initial;
  apps_[name] = App{.initial = std::move(initial), .current = std::move(current),
                    .after_sync = std::move(after_sync)};
}

void ArgoCdStandIn::QueueFaults(std::vector<ArgoFault> faults) {
  absl::MutexLock lock(&mu_);
  faults_.insert(faults_.end(), faults.begin(), faults.end());
}

void ArgoCdStandIn::FaultApp(const std::string& app, ArgoFault fault) {
  absl::MutexLock lock(&mu_);
  app_faults_[app] = fault;
}

void ArgoCdStandIn::RefuseSyncs(const std::string& app, int count) {
  absl::MutexLock lock(&mu_);
  apps_[app].refuse_syncs = count;
}

std::string ArgoCdStandIn::server() const { return absl::StrCat("127.0.0.1:", server_->port()); }

ArgoCdOptions ArgoCdStandIn::Options() const {
  return ArgoCdOptions{.server = server(),
                       .token = token_,
                       .plaintext = true,
                       .request_timeout = absl::Milliseconds(500),
                       .initial_backoff = absl::Milliseconds(5),
                       .max_backoff = absl::Milliseconds(40),
                       .poll_interval = absl::Milliseconds(5)};
}

int ArgoCdStandIn::syncs(const std::string& app) const {
  absl::MutexLock lock(&mu_);
  auto it = apps_.find(app);
  return it == apps_.end() ? 0 : it->second.syncs;
}

int ArgoCdStandIn::reads(const std::string& app) const {
  absl::MutexLock lock(&mu_);
  auto it = apps_.find(app);
  return it == apps_.end() ? 0 : it->second.reads;
}

std::vector<LoopbackHttpServer::Request> ArgoCdStandIn::requests() const { return server_->requests(); }

std::string ArgoCdStandIn::AppJson(const std::string& name, const App& app,
                                   const ArgoAppState& state) const {
  json status = {{"sync", {{"status", state.sync}, {"revision", "0123456789abcdef0123"}}},
                 {"health", {{"status", state.health}}}};
  if (!state.health_message.empty()) status["health"]["message"] = state.health_message;
  // Operation n (n = syncs so far; 0 is one that ran before the test).
  // While a sync waits for its first read, the state shown is the one
  // from before it, with its older operation.
  int operation = app.requested ? app.syncs - 1 : app.syncs;
  absl::Time started = kEpoch + absl::Seconds(100 * operation);
  absl::Time finished = started + absl::Seconds(10);
  if (!state.phase.empty()) {
    json op = {{"phase", state.phase}, {"startedAt", Rfc3339(started)},
               {"operation", {{"sync", {{"revision", "0123456789abcdef0123"}}}}}};
    if (!state.phase_message.empty()) op["message"] = state.phase_message;
    if (state.finished) op["finishedAt"] = Rfc3339(finished);
    status["operationState"] = op;
  }
  status["reconciledAt"] = Rfc3339(state.reconciled ? finished + absl::Seconds(1) : started - absl::Seconds(50));
  json body = {{"metadata", {{"name", name}, {"namespace", "argocd"}}},
               {"spec", {{"project", "default"}}},
               {"status", status}};
  if (app.requested) body["operation"] = {{"sync", {{"prune", false}}}};
  return body.dump();
}

LoopbackHttpServer::Response ArgoCdStandIn::Handle(const LoopbackHttpServer::Request& request) {
  absl::MutexLock lock(&mu_);
  ArgoFault fault;
  if (!faults_.empty()) {
    fault = faults_.front();
    faults_.erase(faults_.begin());
  } else {
    absl::string_view target = request.path;
    if (absl::ConsumePrefix(&target, kPrefix)) {
      absl::ConsumeSuffix(&target, "/sync");
      auto it = app_faults_.find(std::string(target));
      if (it != app_faults_.end()) fault = it->second;
    }
  }
  if (fault.drop) return Response{.drop = true};
  if (fault.status != 0) {
    Response r = Error(fault.status, 14, "stand-in fault: server is unavailable");
    r.delay = fault.delay;
    return r;
  }
  Response response = [&]() -> Response {
    if (request.header("authorization") != absl::StrCat("Bearer ", token_)) {
      return Error(401, 16, "invalid session: token signature is invalid");
    }
    absl::string_view path = request.path;
    if (!absl::ConsumePrefix(&path, kPrefix)) return Error(404, 5, "Not Found");
    bool sync = absl::ConsumeSuffix(&path, "/sync");
    std::string name(path);
    auto it = apps_.find(name);
    // Argo CD answers "permission denied" for apps that do not exist.
    if (it == apps_.end()) return Error(403, 7, "permission denied");
    App& app = it->second;
    if (sync) {
      if (request.method != "POST") return Error(405, 12, "Method Not Allowed");
      json body = json::parse(request.body, nullptr, false);
      if (!body.is_object() || body.value("name", "") != name) {
        return Error(400, 3, "sync request body must name the application");
      }
      if (app.refuse_syncs > 0) {
        --app.refuse_syncs;
        return Error(400, 9, "another operation is already in progress");
      }
      ++app.syncs;
      app.requested = true;
      app.step = -1;
      return Response{.status = 200, .headers = {{"Content-Type", "application/json"}},
                      .body = AppJson(name, app, app.current)};
    }
    if (request.method != "GET") return Error(405, 12, "Method Not Allowed");
    ++app.reads;
    if (app.syncs > 0 && !app.requested) {
      app.step = std::min<int>(app.step + 1, static_cast<int>(app.after_sync.size()) - 1);
      if (app.step >= 0) app.current = app.after_sync[app.step];
    }
    // Before any sync, the initial state's operation is one that ran
    // earlier (operation 0).
    std::string body = AppJson(name, app, app.current);
    app.requested = false;
    return Response{.status = 200, .headers = {{"Content-Type", "application/json"}}, .body = body};
  }();
  response.delay = fault.delay;
  return response;
}

}  // namespace fops::testing
