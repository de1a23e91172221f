// The Argo CD client (net/argocd_client.h) against any answers. The input
// is records separated by "\n---\n": the first says what to call ("get",
// "sync", "get ns/app", ...); each next one is an answer: a first line with
// the HTTP status (or "!unavailable", "!timeout", "!invalid" for a
// transport error), then the body. The answers come from an HttpClient in
// this file; the clock moves one second per request, so retries end at the
// deadline without sleeping.
//
// Invariants: Get/Sync fail only with their documented codes; no message
// holds the token; every message is UTF-8 when the answers were (messages
// end up in mode.json and telemetry); a 200 from Get is the Application
// ArgoApp::FromJson reads; JudgeWait and Describe take whatever was read.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "fops/base/clock.h"
#include "fops/net/argocd_client.h"
#include "fuzz_check.h"

using fops::fuzz::Require;

namespace {

constexpr char kToken[] = "fuzz-argocd-Token-5e0c9a";

class ScriptedHttp : public fops::HttpClient {
 public:
  ScriptedHttp(std::vector<std::string> answers, fops::ManualClock& clock)
      : answers_(std::move(answers)), clock_(clock) {}

  absl::StatusOr<fops::HttpResponse> Send(const fops::HttpRequest& request) override {
    clock_.Advance(absl::Seconds(1));
    bool has_token = false;
    for (const auto& [name, value] : request.headers) {
      has_token = has_token || (name == "Authorization" && value == std::string("Bearer ") + kToken);
    }
    Require(has_token, "every request carries the token");
    Require(absl::StartsWith(request.url, "https://argocd.fuzz:8443/api/v1/applications/"),
            "requests go to the server's application API", request.url);
    if (next_ >= answers_.size()) return absl::UnavailableError("connection refused");
    const std::string& answer = answers_[next_++];
    const size_t eol = answer.find('\n');
    const std::string first = answer.substr(0, eol);
    fops::HttpResponse response;
    response.body = eol == std::string::npos ? "" : answer.substr(eol + 1);
    if (first == "!unavailable") return absl::UnavailableError("connection reset");
    if (first == "!timeout") return absl::DeadlineExceededError("timed out");
    if (first == "!invalid") return absl::InvalidArgumentError("malformed URL");
    if (!absl::SimpleAtoi(first, &response.status)) response.status = 200;
    last_body_ = response.body;
    bodies_utf8_ = bodies_utf8_ && fops::fuzz::IsUtf8(response.body);
    return response;
  }

  const std::string& last_body() const { return last_body_; }
  bool bodies_utf8() const { return bodies_utf8_; }

 private:
  std::vector<std::string> answers_;
  fops::ManualClock& clock_;
  size_t next_ = 0;
  std::string last_body_;
  bool bodies_utf8_ = true;
};

void CheckMessage(const absl::Status& status, const ScriptedHttp& http) {
  if (status.ok()) return;
  Require(!absl::StrContains(status.message(), kToken), "no message holds the token",
          status.ToString());
  if (http.bodies_utf8()) {
    Require(fops::fuzz::IsUtf8(std::string(status.message())), "messages are UTF-8 when the answers are",
            status.ToString());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> records = fops::fuzz::Split(fops::fuzz::Text(data, size), "\n---\n");
  const std::string call = records.front();
  records.erase(records.begin());
  if (records.size() > 12) return 0;

  fops::ManualClock clock(absl::FromUnixSeconds(1700000000));
  ScriptedHttp http(records, clock);
  fops::ArgoCdOptions options{.server = "argocd.fuzz:8443", .token = kToken,
                              .initial_backoff = absl::ZeroDuration(),
                              .max_backoff = absl::ZeroDuration()};
  fops::ArgoCdClient client(options, http, clock);
  const absl::Time deadline = clock.Now() + absl::Seconds(8);
  const std::string app = absl::StrContains(call, "/") ? "fractalops/fractalops-api" : "fractalops-api";

  if (absl::StartsWith(call, "sync")) {
    absl::Status status = client.Sync(app, deadline, absl::StrContains(call, "prune"));
    fops::fuzz::RequireCode(status,
                            {absl::StatusCode::kNotFound, absl::StatusCode::kPermissionDenied,
                             absl::StatusCode::kDeadlineExceeded, absl::StatusCode::kUnavailable,
                             absl::StatusCode::kFailedPrecondition,
                             absl::StatusCode::kInvalidArgument},
                            "ArgoCdClient::Sync");
    CheckMessage(status, http);
    return 0;
  }
  absl::StatusOr<fops::ArgoApp> read = client.Get(app, deadline);
  fops::fuzz::RequireCode(read.status(),
                          {absl::StatusCode::kNotFound, absl::StatusCode::kPermissionDenied,
                           absl::StatusCode::kDeadlineExceeded, absl::StatusCode::kUnavailable,
                           absl::StatusCode::kFailedPrecondition,
                           absl::StatusCode::kInvalidArgument},
                          "ArgoCdClient::Get");
  CheckMessage(read.status(), http);
  if (!read.ok()) return 0;
  absl::StatusOr<fops::ArgoApp> direct = fops::ArgoApp::FromJson(http.last_body());
  Require(direct.ok() && direct->Describe() == read->Describe(),
          "Get answers the Application the body holds", http.last_body());
  Require(!read->sync_status.empty() && !read->health_status.empty(),
          "sync and health status are never empty");
  (void)fops::JudgeWait(*read, *read);
  (void)fops::JudgeWait(*read, fops::ArgoApp{});
  return 0;
}
