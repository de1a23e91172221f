#include "fops/engine/status_board.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fops/base/format_duration.h"
#include "fops/base/string_view.h"
#include "fops/engine/reload_plan.h"
#include "nlohmann/json.hpp"

namespace fops {
namespace {

using ordered_json = nlohmann::ordered_json;

// Unix seconds with microseconds, or null for a moment that has not come.
ordered_json Moment(absl::Time t) {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) return nullptr;
  return absl::ToUnixMicros(t) / 1e6;
}

std::string_view StreamName(Stream stream) {
  return stream == Stream::kStderr ? "stderr" : "stdout";
}

// Bytes a kept line costs, with its bookkeeping, for the ring's bound.
size_t Cost(const StatusLogLine& line) { return line.text.size() + line.resource.size() + 48; }

ordered_json LineJson(const StatusLogLine& line) {
  return ordered_json{{"seq", line.seq},
              {"time", Moment(line.time)},
              {"resource", line.resource},
              {"stream", line.stream},
              {"text", line.text}};
}

// The fields views show; commands, env and inputs stay out of the board.
Resource Shown(const Resource& r) {
  Resource out;
  out.name = r.name;
  out.kind = r.kind;
  out.labels = r.labels;
  out.links = r.links;
  out.trigger_mode = r.trigger_mode;
  out.auto_init = r.auto_init;
  out.resource_deps = r.resource_deps;
  out.serve_cmd = r.serve_cmd;  // is_serve()
  return out;
}

}  // namespace

StatusBoard::StatusBoard(const Project& project, StatusBoardOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : Clock::Real()) {
  entries_.reserve(project.resources.size());
  for (const Resource& r : project.resources) {
    Entry e;
    e.resource = Shown(r);
    index_.emplace(r.name, entries_.size());
    entries_.push_back(std::move(e));
  }
  if (options_.tiltfile.empty()) options_.tiltfile = project.tiltfile;
}

StatusBoard::Entry* StatusBoard::Find(std::string_view name) {
  auto it = index_.find(ToAbsl(name));
  return it == index_.end() ? nullptr : &entries_[it->second];
}

const StatusBoard::Entry* StatusBoard::Find(std::string_view name) const {
  auto it = index_.find(ToAbsl(name));
  return it == index_.end() ? nullptr : &entries_[it->second];
}

void StatusBoard::Changed() {
  ++version_;
  changed_.SignalAll();
}

StatusBoard::Span& StatusBoard::OpenSpan(Entry& e, std::string_view reason) {
  if (e.spans.empty() || !e.spans.back().result.empty()) {
    Span span;
    span.reason = options_.redactor.Redact(reason);
    span.queued = clock_.Now();
    e.spans.push_back(std::move(span));
    while (e.spans.size() > std::max<size_t>(1, options_.spans)) e.spans.pop_front();
  }
  return e.spans.back();
}

void StatusBoard::EndWait(Entry& e, absl::Time now) {
  if (!e.spans.empty() && !e.spans.back().waits.empty()) {
    Wait& last = e.spans.back().waits.back();
    if (last.to == absl::InfiniteFuture()) last.to = now;
  }
  e.waiting.clear();
  e.waiting_detail.clear();
}

void StatusBoard::AddLine(Entry& e, std::string stream, std::string text) {
  StatusLogLine line{.seq = next_seq_++,
                     .time = clock_.Now(),
                     .resource = e.resource.name,
                     .stream = std::move(stream),
                     .text = options_.redactor.Redact(text)};
  e.log_bytes += Cost(line);
  e.log.push_back(std::move(line));
  while (e.log_bytes > options_.log_bytes && e.log.size() > 1) {
    e.log_bytes -= Cost(e.log.front());
    e.dropped_before = e.log.front().seq;
    e.log.pop_front();
  }
}

void StatusBoard::OnRunStarted(const RunStart& run) {
  absl::MutexLock lock(&mu_);
  session_ = std::string(run.session_id);
  simulated_ = run.simulated;
  running_ = true;
  finished_ = false;
  run_started_ = clock_.Now();
  run_finished_ = absl::InfiniteFuture();
  Changed();
}

void StatusBoard::OnResourceQueued(const Resource& resource, std::string_view reason) {
  absl::MutexLock lock(&mu_);
  Entry* e = Find(resource.name);
  if (e == nullptr) return;
  EndWait(*e, clock_.Now());
  // The engine names no reason for a resource's first run in a session.
  const std::string why = reason.empty() && e->runs == 0 ? std::string("initial run")
                                                          : options_.redactor.Redact(reason);
  OpenSpan(*e, why);
  e->state = "waiting";
  if (!why.empty()) e->reason = why;
  Changed();
}

void StatusBoard::OnResourceWaiting(const Resource& resource, ResourceWait wait,
                                    std::string_view detail) {
  absl::MutexLock lock(&mu_);
  Entry* e = Find(resource.name);
  if (e == nullptr) return;
  const absl::Time now = clock_.Now();
  EndWait(*e, now);
  Span& span = OpenSpan(*e, "");
  span.waits.push_back(Wait{.kind = std::string(ResourceWaitName(wait)),
                            .detail = std::string(detail),
                            .from = now});
  e->waiting = std::string(ResourceWaitName(wait));
  e->waiting_detail = std::string(detail);
  switch (wait) {
    case ResourceWait::kDeps:
      e->state = "waiting";
      break;
    case ResourceWait::kSlot:
      e->state = "queued";
      break;
    case ResourceWait::kInputs:
      // Checking holds a slot: the run has begun.
      if (span.started == absl::InfiniteFuture()) span.started = now;
      e->state = "running";
      e->running = true;
      e->last_start = span.started;
      break;
    case ResourceWait::kProbe:
      e->state = "running";
      e->ready = false;
      break;
  }
  Changed();
}

void StatusBoard::OnResourceEnabled(const Resource& resource, bool enabled) {
  absl::MutexLock lock(&mu_);
  Entry* e = Find(resource.name);
  if (e == nullptr) return;
  e->enabled = enabled;
  if (!enabled && !e->running) e->state = "disabled";
  if (enabled && e->state == "disabled") {
    e->state = e->last_result.empty() ? "idle" : e->last_result;
    if (e->ready.has_value() && e->last_result != "failed" && e->last_result != "cancelled") {
      e->state = *e->ready ? "ready" : "not ready";
    }
  }
  AddLine(*e, "fops", enabled ? "enabled" : "disabled: file changes and triggers do not run it");
  Changed();
}

void StatusBoard::OnResourceStarted(const Resource& resource, std::string_view reason) {
  absl::MutexLock lock(&mu_);
  Entry* e = Find(resource.name);
  if (e == nullptr) return;
  const absl::Time now = clock_.Now();
  EndWait(*e, now);
  Span& span = OpenSpan(*e, reason);
  if (span.started == absl::InfiniteFuture()) span.started = now;
  if (!reason.empty()) span.reason = options_.redactor.Redact(reason);
  e->state = "running";
  e->running = true;
  e->last_start = span.started;
  if (!reason.empty()) e->reason = options_.redactor.Redact(reason);
  ++e->runs;
  AddLine(*e, "fops", reason.empty() ? std::string("▶ starting")
                                      : absl::StrCat("▶ starting (", ToAbsl(reason), ")"));
  Changed();
}

void StatusBoard::OnOutput(const Resource& resource, Stream stream, std::string_view line) {
  absl::MutexLock lock(&mu_);
  Entry* e = Find(resource.name);
  if (e == nullptr) return;
  AddLine(*e, std::string(StreamName(stream)), std::string(line));
  Changed();
}

void StatusBoard::OnResourceReady(const Resource& resource) {
  absl::MutexLock lock(&mu_);
  Entry* e = Find(resource.name);
  if (e == nullptr) return;
  const absl::Time now = clock_.Now();
  EndWait(*e, now);
  if (!e->spans.empty() && e->spans.back().result.empty()) e->spans.back().ready = now;
  e->ready = true;
  AddLine(*e, "fops", "✔ ready");
  Changed();
}

void StatusBoard::OnReadinessChanged(const Resource& resource, bool ready, std::string_view reason) {
  absl::MutexLock lock(&mu_);
  Entry* e = Find(resource.name);
  if (e == nullptr) return;
  e->ready = ready;
  if (!e->running && e->state != "disabled") e->state = ready ? "ready" : "not ready";
  if (!ready) e->reason = options_.redactor.Redact(reason);
  AddLine(*e, "fops", ready ? std::string("✔ ready again") : absl::StrCat("✘ ", ToAbsl(reason)));
  Changed();
}

void StatusBoard::OnResourcePaused(const Resource& resource, std::string_view reason) {
  absl::MutexLock lock(&mu_);
  Entry* e = Find(resource.name);
  if (e == nullptr) return;
  if (e->state != "disabled") e->state = "paused";
  e->reason = options_.redactor.Redact(reason);
  AddLine(*e, "fops", absl::StrCat("⏸ ", ToAbsl(e->reason)));
  Changed();
}

void StatusBoard::OnResourceFinished(const Resource& resource, const ResourceResult& result) {
  absl::MutexLock lock(&mu_);
  Entry* e = Find(resource.name);
  if (e == nullptr) return;
  const absl::Time now = clock_.Now();
  EndWait(*e, now);
  const std::string status(ResourceStatusName(result.status));
  const bool good = result.status == ResourceStatus::kSucceeded ||
                    result.status == ResourceStatus::kUpToDate;
  if (!e->spans.empty() && e->spans.back().result.empty()) {
    Span& span = e->spans.back();
    span.ended = now;
    span.result = status;
  }
  e->running = false;
  e->last_result = status;
  // A success without words keeps why it ran ("initial run", "triggered").
  if (!result.reason.empty() || !good) e->reason = options_.redactor.Redact(result.reason);
  if (e->last_start != absl::InfinitePast()) e->last_duration = result.duration;
  if (!good) e->ready.reset();
  e->state = good && e->resource.is_serve() && e->ready.value_or(false) ? "ready" : status;
  if (!e->enabled && !good) e->state = "disabled";
  std::string text = absl::StrCat(good ? "✔ " : "✘ ", status);
  if (result.duration > absl::ZeroDuration() && result.status != ResourceStatus::kBlocked) {
    absl::StrAppend(&text, " in ", DurationToString(result.duration));
  }
  if (!result.reason.empty()) absl::StrAppend(&text, ": ", result.reason);
  AddLine(*e, "fops", std::move(text));
  Changed();
}

void StatusBoard::OnReload(const Project& project, const ReloadEvent& event) {
  absl::MutexLock lock(&mu_);
  ++reloads_;
  reload_time_ = clock_.Now();
  if (!event.error.empty()) {
    reload_error_ = options_.redactor.Redact(event.error);
    Changed();
    return;
  }
  reload_error_.clear();
  reload_summary_ = DescribeReload(
      ReloadPlan{.added = event.added, .removed = event.removed, .changed = event.changed});
  // The new project's order; kept entries keep their state, runs and log.
  std::vector<Entry> entries;
  absl::flat_hash_map<std::string, size_t> index;
  entries.reserve(project.resources.size());
  for (const Resource& r : project.resources) {
    auto it = index_.find(r.name);
    Entry e;
    if (it != index_.end()) e = std::move(entries_[it->second]);
    e.resource = Shown(r);
    index.emplace(r.name, entries.size());
    entries.push_back(std::move(e));
  }
  entries_ = std::move(entries);
  index_ = std::move(index);
  Changed();
}

void StatusBoard::OnRunFinished(const RunResult& result) {
  absl::MutexLock lock(&mu_);
  running_ = false;
  finished_ = true;
  run_error_ = options_.redactor.Redact(result.error);
  run_finished_ = clock_.Now();
  Changed();
}

void StatusBoard::SetWebUrl(std::string url) {
  absl::MutexLock lock(&mu_);
  web_url_ = std::move(url);
  Changed();
}

std::string StatusBoard::SnapshotJson() const {
  absl::ReaderMutexLock lock(&mu_);
  ordered_json resources = ordered_json::array();
  for (const Entry& e : entries_) {
    const Resource& r = e.resource;
    ordered_json links = ordered_json::array();
    for (const Link& l : r.links) links.push_back({{"url", l.url}, {"name", l.name}});
    ordered_json last_run = nullptr;
    if (e.last_start != absl::InfinitePast()) {
      last_run = {{"start", Moment(e.last_start)},
                  {"duration", e.running ? ordered_json(nullptr)
                                         : ordered_json(absl::ToDoubleSeconds(e.last_duration))},
                  {"result", e.running ? "" : e.last_result}};
    }
    ordered_json spans = ordered_json::array();
    for (const Span& s : e.spans) {
      ordered_json waits = ordered_json::array();
      for (const Wait& w : s.waits) {
        waits.push_back({{"kind", w.kind}, {"detail", w.detail}, {"from", Moment(w.from)},
                         {"to", Moment(w.to)}});
      }
      spans.push_back({{"reason", s.reason},
                       {"queued", Moment(s.queued)},
                       {"started", Moment(s.started)},
                       {"ready", Moment(s.ready)},
                       {"ended", Moment(s.ended)},
                       {"result", s.result},
                       {"waits", std::move(waits)}});
    }
    resources.push_back({
        {"name", r.name},
        {"kind", r.kind},
        {"labels", r.labels},
        {"links", std::move(links)},
        {"trigger_mode", r.trigger_mode == TriggerMode::kManual ? "manual" : "auto"},
        {"auto_init", r.auto_init},
        {"serve", r.is_serve()},
        {"resource_deps", r.resource_deps},
        {"state", e.state},
        {"enabled", e.enabled},
        {"waiting", e.waiting.empty() ? ordered_json(nullptr) : ordered_json(e.waiting)},
        {"waiting_detail", e.waiting_detail},
        {"reason", e.reason},
        {"ready", e.ready.has_value() ? ordered_json(*e.ready) : ordered_json(nullptr)},
        {"runs", e.runs},
        {"last_run", std::move(last_run)},
        {"log_lines", e.log.size()},
        {"spans", std::move(spans)},
    });
  }
  ordered_json out = {{"version", version_},
              {"session", session_},
              {"command", options_.command},
              {"mode", options_.mode},
              {"tiltfile", options_.tiltfile},
              {"web", web_url_},
              {"simulated", simulated_},
              {"running", running_},
              {"finished", finished_},
              {"error", run_error_},
              {"started", Moment(run_started_)},
              {"ended", Moment(run_finished_)},
              {"now", Moment(clock_.Now())},
              {"log_seq", next_seq_ - 1},
              {"reload", reloads_ == 0 ? ordered_json(nullptr)
                                       : ordered_json{{"count", reloads_},
                                              {"time", Moment(reload_time_)},
                                              {"summary", reload_summary_},
                                              {"error", reload_error_}}},
              {"resources", std::move(resources)}};
  return out.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

std::vector<StatusLogLine> StatusBoard::LogsLocked(const Entry* only, uint64_t after, size_t limit,
                                                   uint64_t* dropped) const {
  std::vector<StatusLogLine> lines;
  *dropped = 0;
  for (const Entry& e : entries_) {
    if (only != nullptr && &e != only) continue;
    if (e.dropped_before > after) *dropped = std::max(*dropped, e.dropped_before);
    // Lines are in seq order: skip to the first one after `after`.
    auto first = std::upper_bound(e.log.begin(), e.log.end(), after,
                                  [](uint64_t seq, const StatusLogLine& l) { return seq < l.seq; });
    for (auto it = first; it != e.log.end(); ++it) lines.push_back(*it);
  }
  std::sort(lines.begin(), lines.end(),
            [](const StatusLogLine& a, const StatusLogLine& b) { return a.seq < b.seq; });
  if (lines.size() > limit) lines.resize(limit);
  return lines;
}

std::vector<StatusLogLine> StatusBoard::Logs(std::string_view resource, uint64_t after,
                                             size_t limit) const {
  absl::ReaderMutexLock lock(&mu_);
  const Entry* only = nullptr;
  if (!resource.empty()) {
    only = Find(resource);
    if (only == nullptr) return {};
  }
  uint64_t dropped = 0;
  return LogsLocked(only, after, limit, &dropped);
}

absl::StatusOr<std::string> StatusBoard::LogsJson(std::string_view resource, uint64_t after,
                                                  size_t limit) const {
  absl::ReaderMutexLock lock(&mu_);
  const Entry* only = nullptr;
  if (!resource.empty()) {
    only = Find(resource);
    if (only == nullptr) {
      std::vector<std::string> names;
      for (const Entry& e : entries_) names.push_back(e.resource.name);
      return absl::NotFoundError(absl::StrCat("unknown resource '", ToAbsl(resource),
                                              "'; defined: ", absl::StrJoin(names, ", ")));
    }
  }
  uint64_t dropped = 0;
  std::vector<StatusLogLine> lines = LogsLocked(only, after, limit, &dropped);
  ordered_json out_lines = ordered_json::array();
  for (const StatusLogLine& l : lines) out_lines.push_back(LineJson(l));
  // Next time, ask after the last line returned when the limit cut the
  // answer short, else after everything so far (other resources' lines
  // included: none of them is wanted).
  const uint64_t next = !lines.empty() && lines.size() >= limit ? lines.back().seq
                                                                : std::max(after, next_seq_ - 1);
  ordered_json out = {{"lines", std::move(out_lines)},
              {"next", next},
              {"dropped", dropped > after},
              {"running", !finished_}};
  return out.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

uint64_t StatusBoard::version() const {
  absl::ReaderMutexLock lock(&mu_);
  return version_;
}

uint64_t StatusBoard::WaitForChange(uint64_t seen, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  const uint64_t pokes = pokes_;
  while (version_ == seen && pokes_ == pokes) {
    if (changed_.WaitWithDeadline(&mu_, deadline)) break;  // timed out
  }
  return version_;
}

void StatusBoard::Poke() const {
  absl::MutexLock lock(&mu_);
  ++pokes_;
  changed_.SignalAll();
}

bool StatusBoard::finished() const {
  absl::ReaderMutexLock lock(&mu_);
  return finished_;
}

}  // namespace fops
