#include "fops/net/route_smoke.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "fops/base/format_duration.h"
#include "fops/base/redact.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

// How much of a body a failing line quotes: enough to recognise an error
// page, short enough to keep the line readable.
constexpr size_t kBodyHead = 100;

// The first bytes of `body` on one line, quoted: control characters and
// runs of white space become one space; the cut never splits a UTF-8
// character.
std::string BodyHead(const std::string& body) {
  std::string flat;
  bool space = false;
  for (char c : body) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ') {
      space = !flat.empty();
      continue;
    }
    if (space) flat.push_back(' ');
    space = false;
    flat.push_back(c);
    if (flat.size() > kBodyHead) break;  // one byte more than shown: it was cut
  }
  if (flat.empty()) return "(empty body)";
  const bool cut = flat.size() > kBodyHead;
  if (cut) {
    // Cut before the character the limit falls in, not inside it.
    size_t end = kBodyHead;
    while (end > 0 && (static_cast<unsigned char>(flat[end]) & 0xC0) == 0x80) --end;
    flat.resize(end);
  }
  return absl::StrCat("\"", flat, cut ? "…" : "", "\"");
}

// A transport failure in words, without the "GET url: " the client puts first.
std::string NoAnswer(const absl::Status& status, absl::Duration timeout) {
  if (absl::IsDeadlineExceeded(status)) {
    return absl::StrCat("no answer within ", DurationToString(timeout));
  }
  absl::string_view message = status.message();
  if (size_t colon = message.find(": "); colon != absl::string_view::npos) {
    message.remove_prefix(colon + 2);
  }
  return absl::StrCat("no answer: ", message);
}

// Retrying cannot fix a malformed URL or a missing libcurl.
bool Retryable(const absl::Status& status) {
  return !absl::IsInvalidArgument(status) && !absl::IsFailedPrecondition(status);
}

}  // namespace

std::string SmokeMillis(absl::Duration d) {
  const double ms = absl::ToDoubleMilliseconds(d);
  if (ms < 10) return absl::StrFormat("%.1f ms", ms);
  if (ms < 1000) return absl::StrFormat("%d ms", static_cast<int>(ms + 0.5));
  return absl::StrFormat("%.2f s", ms / 1000);
}

std::string JoinUrl(std::string_view base, std::string_view route) {
  absl::string_view b = ToAbsl(base);
  absl::string_view r = ToAbsl(route);
  while (absl::EndsWith(b, "/")) b.remove_suffix(1);
  while (absl::StartsWith(r, "/")) r.remove_prefix(1);
  return absl::StrCat(b, "/", r);
}

bool RouteSmokeReport::ok() const {
  return !routes.empty() &&
         std::all_of(routes.begin(), routes.end(), [](const RouteResult& r) { return r.ok; });
}

std::string RouteSmokeReport::Summary() const {
  if (routes.empty()) return "no routes to check";
  std::vector<const RouteResult*> failed;
  const RouteResult* slowest = nullptr;
  for (const RouteResult& r : routes) {
    if (!r.ok) failed.push_back(&r);
    if (slowest == nullptr || r.elapsed > slowest->elapsed) slowest = &r;
  }
  if (failed.empty()) {
    if (routes.size() == 1) {
      return absl::StrCat("1 route ok: ", slowest->label, " ", SmokeMillis(slowest->elapsed));
    }
    return absl::StrCat(routes.size(), " routes ok, slowest ", slowest->label, " ",
                        SmokeMillis(slowest->elapsed));
  }
  return absl::StrCat(failed.size(), " of ", routes.size(), routes.size() == 1 ? " route" : " routes",
                      " failed: ",
                      absl::StrJoin(failed, "; ", [](std::string* out, const RouteResult* r) {
                        absl::StrAppend(out, r->label, ": ", r->failure);
                      }));
}

RouteSmoke::RouteSmoke(HttpClient& http, RouteSmokeOptions options, LineSink out)
    : http_(http), options_(std::move(options)), out_(std::move(out)) {
  options_.retries = std::max(0, options_.retries);
}

void RouteSmoke::Print(const std::string& line) const {
  if (out_) out_(line);
}

RouteResult RouteSmoke::Check(const SmokeRoute& route) const {
  RouteResult result{.label = route.label, .url = route.url};
  const Redactor redactor = Redactor::FromEnvironment();
  const std::string shown = redactor.Redact(route.url);
  const int attempts = 1 + options_.retries;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    result.attempts = attempt;
    HttpRequest request{.url = route.url, .timeout = options_.timeout,
                        .verify_tls = options_.verify_tls};
    const absl::Time start = absl::Now();
    absl::StatusOr<HttpResponse> response = http_.Send(request);
    result.elapsed = absl::Now() - start;
    std::string line = absl::StrCat("GET ", shown);
    bool retryable = true;
    if (!response.ok()) {
      result.status = 0;
      result.failure = redactor.Redact(NoAnswer(response.status(), options_.timeout));
      retryable = Retryable(response.status());
      absl::StrAppend(&line, " ✘ ", result.failure);
    } else {
      result.status = response->status;
      if (!route.expect_status.Matches(response->status)) {
        result.failure = absl::StrCat("expected status ", route.expect_status.ToString(), ", got ",
                                      response->status, ": ", BodyHead(response->body));
      } else if (!route.expect_text.empty() &&
                 !absl::StrContains(response->body, route.expect_text)) {
        result.failure = absl::StrCat("expected text \"", route.expect_text,
                                      "\", not in the body: ", BodyHead(response->body));
      } else {
        result.failure.clear();
      }
      result.failure = redactor.Redact(result.failure);
      absl::StrAppend(&line, " → ", response->status, " in ", SmokeMillis(result.elapsed),
                      result.failure.empty() ? " ✔" : absl::StrCat(" ✘ ", result.failure));
    }
    result.ok = result.failure.empty();
    if (result.ok) {
      Print(line);
      return result;
    }
    if (attempt < attempts && retryable) {
      Print(absl::StrCat(line, " (attempt ", attempt, " of ", attempts, ", again in ",
                         DurationToString(options_.retry_delay), ")"));
      absl::SleepFor(options_.retry_delay);
      continue;
    }
    Print(attempt > 1 ? absl::StrCat(line, " (after ", attempt, " attempts)") : line);
    return result;
  }
  return result;
}

RouteSmokeReport RouteSmoke::Run(const std::vector<SmokeRoute>& routes) const {
  RouteSmokeReport report;
  for (const SmokeRoute& route : routes) report.routes.push_back(Check(route));
  return report;
}

}  // namespace fops
