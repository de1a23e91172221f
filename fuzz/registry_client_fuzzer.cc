// The registry check (net/registry_client.h) against any answers. The
// input is records separated by "\n---\n". The first holds words that set
// the call up: "insecure" (a registry without TLS verification: HTTPS first,
// then plain HTTP), "login" (a credential is configured), "hub" (ask for a
// docker.io image). Each next record is one answer: a status line (a number,
// or "!unavailable" / "!timeout" for a transport error), header lines
// "name: value" up to an empty line (WWW-Authenticate challenges,
// Docker-Content-Digest, Content-Type), then the body (e.g. a token
// response; answers to HEAD have none, as with libcurl).
//
// Invariants: HeadManifest fails only with its documented codes (and the
// transport's); no message holds the credential's secret, its Basic form,
// or the token the registry handed out; a manifest found has a digest that
// is empty or a valid digest (it is recorded in state files and compared).
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fops/net/registry_client.h"
#include "fuzz_check.h"
#include "nlohmann/json.hpp"

using fops::fuzz::Require;

namespace {

constexpr char kSecret[] = "fuzz-Registry-Secret-31f7";

class ScriptedHttp : public fops::HttpClient {
 public:
  explicit ScriptedHttp(std::vector<std::string> answers) : answers_(std::move(answers)) {}

  absl::StatusOr<fops::HttpResponse> Send(const fops::HttpRequest& request) override {
    ++sent_;
    if (next_ >= answers_.size()) return absl::UnavailableError("connection refused");
    const std::string& answer = answers_[next_++];
    std::vector<std::string> lines = fops::fuzz::Split(answer, "\n");
    const std::string& first = lines[0];
    if (first == "!unavailable") return absl::UnavailableError("connection reset");
    if (first == "!timeout") return absl::DeadlineExceededError("timed out");
    fops::HttpResponse response;
    if (!absl::SimpleAtoi(first, &response.status)) response.status = 200;
    size_t i = 1;
    for (; i < lines.size() && !lines[i].empty(); ++i) {
      const size_t colon = lines[i].find(':');
      if (colon == std::string::npos) continue;
      response.headers.emplace_back(
          absl::AsciiStrToLower(lines[i].substr(0, colon)),
          std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
    }
    for (size_t j = i + 1; j < lines.size(); ++j) {
      if (j > i + 1) response.body += "\n";
      response.body += lines[j];
    }
    if (request.method == "HEAD") response.body.clear();  // as libcurl answers HEAD
    // What a token endpoint (asked with GET; manifests with HEAD) handed
    // out: it must not reappear in a message.
    nlohmann::json body = request.method == "GET"
                              ? nlohmann::json::parse(response.body, nullptr, false)
                              : nlohmann::json();
    for (const char* key : {"token", "access_token"}) {
      if (body.is_object() && body.contains(key) && body[key].is_string()) {
        tokens_.push_back(body[key].get<std::string>());
      }
    }
    return response;
  }

  const std::vector<std::string>& tokens() const { return tokens_; }
  int sent() const { return sent_; }

 private:
  std::vector<std::string> answers_;
  size_t next_ = 0;
  int sent_ = 0;
  std::vector<std::string> tokens_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> records = fops::fuzz::Split(fops::fuzz::Text(data, size), "\n---\n");
  const std::string setup = records.front();
  records.erase(records.begin());
  if (records.size() > 8) return 0;

  ScriptedHttp http(records);
  fops::RegistryClient client(http);
  fops::RegistryAccess access;
  access.tls_verify = !absl::StrContains(setup, "insecure");
  if (absl::StrContains(setup, "login")) {
    access.credential = fops::RegistryCredential{.username = "fuzzer", .secret = kSecret};
  }
  absl::StatusOr<fops::ImageRef> ref = fops::ImageRef::Parse(
      absl::StrContains(setup, "hub") ? "yamonco/fractalops-runtime:dev-1a2b"
                                      : "registry.fuzz:5000/fractalops/api:dev-1a2b");
  Require(ref.ok(), "the fuzzer's reference parses");
  absl::StatusOr<fops::ManifestHead> head =
      client.HeadManifest(*ref, access, absl::Now() + absl::Hours(1));
  Require(http.sent() <= 6, "one check sends a bounded number of requests");

  if (!head.ok()) {
    fops::fuzz::RequireCode(head.status(),
                            {absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded,
                             absl::StatusCode::kPermissionDenied,
                             absl::StatusCode::kInvalidArgument},
                            "RegistryClient::HeadManifest");
    const std::string message(head.status().message());
    // A server may quote anything back; only what fops sent is a secret here.
    const std::string basic = absl::Base64Escape(absl::StrCat("fuzzer:", kSecret));
    bool answers_hold_secret = false;
    for (const std::string& answer : records) {
      answers_hold_secret = answers_hold_secret || absl::StrContains(answer, kSecret) ||
                            absl::StrContains(answer, basic);
    }
    Require(answers_hold_secret || !absl::StrContains(message, kSecret),
            "no message holds the secret", head.status().ToString());
    Require(answers_hold_secret || !absl::StrContains(message, basic),
            "no message holds the Basic credential", head.status().ToString());
    for (const std::string& token : http.tokens()) {
      // Short tokens are words any message may hold; real ones are long.
      if (token.size() < 16) continue;
      Require(!absl::StrContains(message, token), "no message holds the registry's token",
              head.status().ToString());
    }
    return 0;
  }
  if (head->found) {
    Require(head->digest.empty() || fops::ImageRef::CheckDigest(head->digest).ok(),
            "a found manifest's digest is empty or a valid digest", head->digest);
  }
  return 0;
}
