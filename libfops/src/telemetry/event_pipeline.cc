#include "fops/telemetry/event_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace fops {

absl::Duration RetryPolicy::NextDelay(int failed_attempts,
                                      std::optional<absl::Duration> retry_after,
                                      double jitter01) const {
  if (retry_after) return std::min(*retry_after, max_retry_after);
  absl::Duration base = initial_backoff;
  for (int i = 1; i < failed_attempts && base < max_backoff; ++i) base *= 2;
  base = std::min(base, max_backoff);
  jitter01 = std::clamp(jitter01, 0.0, 1.0);
  // "Equal jitter": never less than half the step, so backoff still grows.
  return base * (0.5 + 0.5 * jitter01);
}

bool TelemetryReport::complete() const {
  for (const SinkReport& sink : sinks) {
    if (sink.dropped > 0 || sink.failed > 0) return false;
  }
  return true;
}

std::vector<std::string> TelemetryReport::SummaryLines() const {
  std::vector<std::string> lines;
  for (const SinkReport& sink : sinks) {
    std::string line =
        absl::StrCat("telemetry: ", sink.sink, " ", sink.destination, ": ", sink.delivered,
                     " delivered, ", sink.dropped, " dropped, ", sink.failed, " failed");
    if (sink.retries > 0) absl::StrAppend(&line, ", ", sink.retries, " retries");
    if (!sink.last_error.empty()) absl::StrAppend(&line, " (last error: ", sink.last_error, ")");
    lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<std::string> TelemetryReport::EndOfRunLines() const {
  std::vector<std::string> all = SummaryLines();
  std::vector<std::string> lines;
  for (size_t i = 0; i < sinks.size(); ++i) {
    const SinkReport& sink = sinks[i];
    if (sink.sink == "jsonl" && sink.dropped == 0 && sink.failed == 0) continue;
    lines.push_back(std::move(all[i]));
  }
  return lines;
}

absl::Status TelemetryReport::StrictStatus() const {
  if (!strict || complete()) return absl::OkStatus();
  std::vector<std::string> problems;
  for (const SinkReport& sink : sinks) {
    if (sink.dropped == 0 && sink.failed == 0) continue;
    std::string problem = absl::StrCat("sink ", sink.sink, " (", sink.destination, ") lost ",
                                       sink.dropped + sink.failed, " of ", emitted,
                                       " events (", sink.failed, " failed, ", sink.dropped,
                                       " dropped)");
    absl::StrAppend(&problem, sink.last_error.empty()
                                  ? ": not delivered before the flush deadline"
                                  : absl::StrCat(": it answered: ", sink.last_error));
    problems.push_back(std::move(problem));
  }
  return absl::UnavailableError(absl::StrCat(
      "build events not delivered (FRACTALOPS_BUILD_EVENTS_STRICT=true): ",
      absl::StrJoin(problems, "; ")));
}

// Shared by the pipeline and its sender thread: a sender stuck in a slow
// Send() past Finish()'s deadline is detached and keeps the state (and
// its sinks) alive until that Send() returns, so Finish() never waits
// longer than its deadline (plus a short grace).
class PipelineState {
 public:
  PipelineState(std::vector<std::unique_ptr<EventSink>> sinks, PipelineOptions options)
      : options_(std::move(options)), rng_(std::random_device{}()) {
    options_.batch_size = std::max<size_t>(1, options_.batch_size);
    options_.queue_capacity = std::max<size_t>(1, options_.queue_capacity);
    for (auto& sink : sinks) {
      auto state = std::make_unique<SinkState>();
      state->report.sink = std::string(sink->name());
      state->report.destination = sink->destination();
      state->sink = std::move(sink);
      sinks_.push_back(std::move(state));
    }
  }

  void Emit(BuildEvent&& event) {
    std::lock_guard<std::mutex> lock(mu_);
    ++emitted_;
    if (closed_ || incoming_.size() >= options_.queue_capacity) {
      ++incoming_dropped_;
      return;
    }
    incoming_.push_back(std::move(event));
    // Wake the sender only for a full batch: a notify costs a syscall, and
    // a partial batch goes out at the next linger tick anyway.
    if (incoming_.size() == options_.batch_size) wake_.notify_one();
  }

  // Flushes until `deadline`, then stops the sender; joins it, or detaches
  // it when it is still inside a Send() after the grace period.
  TelemetryReport Finish(absl::Duration deadline, std::thread& sender) {
    bool sender_stopped = true;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (finishing_) {
        // Another thread is finishing: its report is the report.
        drained_cv_.wait(lock, [&] { return finished_; });
        return ReportLocked();
      }
      finishing_ = true;
      closed_ = true;
      flushing_ = true;
      flush_deadline_ = absl::Now() + std::max(deadline, absl::ZeroDuration());
      wake_.notify_one();
      drained_cv_.wait_until(lock, ToChrono(flush_deadline_), [&] { return drained_; });
      stop_ = true;
      wake_.notify_one();
      sender_stopped = drained_cv_.wait_until(
          lock, ToChrono(flush_deadline_ + kStopGrace), [&] { return sender_done_; });
      if (!sender_stopped) {
        // Whatever the stuck sender still holds is lost to this report.
        abandoned_ = true;
        for (auto& state : sinks_) {
          SinkReport& r = state->report;
          r.dropped += emitted_ - incoming_dropped_ - r.delivered - r.dropped - r.failed;
        }
      }
    }
    if (sender.joinable()) {
      if (sender_stopped) {
        sender.join();
      } else {
        sender.detach();
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
    drained_cv_.notify_all();
    return ReportLocked();
  }

  TelemetryReport Snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ReportLocked();
  }

  size_t sink_count() const { return sinks_.size(); }

  void Run();

 private:
  static constexpr absl::Duration kStopGrace = absl::Milliseconds(100);

  struct SinkState {
    std::unique_ptr<EventSink> sink;
    // Sender-thread only:
    std::deque<BuildEvent> backlog;
    std::vector<BuildEvent> inflight;
    int attempts = 0;  // of the inflight batch
    absl::Time next_attempt = absl::InfinitePast();
    std::string inflight_error;  // the last transient answer for the inflight batch
    // Guarded by mu_:
    SinkReport report;
  };

  static std::chrono::system_clock::time_point ToChrono(absl::Time t) {
    return absl::ToChronoTime(t);
  }

  TelemetryReport ReportLocked() const {
    TelemetryReport report;
    report.strict = options_.strict;
    report.emitted = emitted_;
    for (const auto& state : sinks_) {
      SinkReport sink = state->report;
      sink.dropped += incoming_dropped_;
      report.sinks.push_back(std::move(sink));
    }
    return report;
  }

  double Jitter() {
    std::uniform_real_distribution<double> dist(0.0, 1.0);
    return dist(rng_);
  }

  // Redacts once, then hands a copy to each sink's bounded backlog.
  void Distribute(std::deque<BuildEvent>& events) {
    for (BuildEvent& raw : events) {
      BuildEvent event = raw.Redacted(options_.redactor);
      for (size_t i = 0; i < sinks_.size(); ++i) {
        SinkState& state = *sinks_[i];
        if (state.backlog.size() >= options_.queue_capacity) {
          std::lock_guard<std::mutex> lock(mu_);
          ++state.report.dropped;
          continue;
        }
        if (i + 1 == sinks_.size()) {
          state.backlog.push_back(std::move(event));
        } else {
          state.backlog.push_back(event);
        }
      }
    }
  }

  // One delivery attempt of `state`'s inflight batch, and its accounting.
  void Attempt(SinkState& state, bool flushing, absl::Time flush_deadline) {
    const absl::Time deadline = flushing ? flush_deadline : absl::InfiniteFuture();
    SinkAnswer answer = state.sink->Send(state.inflight, deadline);
    ++state.attempts;
    const int64_t count = static_cast<int64_t>(state.inflight.size());
    std::lock_guard<std::mutex> lock(mu_);
    if (abandoned_) return;  // Finish() has already counted these
    if (state.attempts > 1) ++state.report.retries;
    if (answer.kind == SinkAnswer::Kind::kDelivered) {
      const int64_t rejected = std::clamp<int64_t>(answer.rejected_records, 0, count);
      state.report.delivered += count - rejected;
      state.report.failed += rejected;
      if (rejected > 0) state.report.last_error = answer.message;
      ClearInflight(state);
      return;
    }
    state.report.last_error = answer.message;
    const absl::Time now = absl::Now();
    if (answer.kind == SinkAnswer::Kind::kRetry && state.attempts < options_.retry.max_attempts) {
      state.next_attempt =
          now + options_.retry.NextDelay(state.attempts, answer.retry_after, Jitter());
      // A retry that could not start before the flush deadline is a loss now,
      // not at the deadline: Finish() need not wait for it.
      if (!(flushing && state.next_attempt >= flush_deadline)) return;
    }
    state.report.failed += count;
    ClearInflight(state);
  }

  static void ClearInflight(SinkState& state) {
    state.inflight.clear();
    state.attempts = 0;
    state.next_attempt = absl::InfinitePast();
  }

  // Sender-thread state: is anything left to send or retry?
  bool SinksIdle() const {
    for (const auto& state : sinks_) {
      if (!state->backlog.empty() || !state->inflight.empty()) return false;
    }
    return true;
  }

  // The earliest moment a sink has something to do; InfiniteFuture if none.
  absl::Time NextDue() const {
    absl::Time due = absl::InfiniteFuture();
    for (const auto& state : sinks_) {
      if (!state->inflight.empty()) {
        due = std::min(due, state->next_attempt);
      } else if (!state->backlog.empty()) {
        due = absl::InfinitePast();
      }
    }
    return due;
  }

  PipelineOptions options_;
  std::vector<std::unique_ptr<SinkState>> sinks_;
  std::mt19937_64 rng_;  // sender thread only

  mutable std::mutex mu_;
  std::condition_variable wake_;        // the sender waits here
  std::condition_variable drained_cv_;  // Finish() waits here
  std::deque<BuildEvent> incoming_;     // guarded by mu_
  int64_t emitted_ = 0;                 // guarded by mu_
  int64_t incoming_dropped_ = 0;        // guarded by mu_: dropped for every sink
  bool closed_ = false;                 // guarded by mu_: Emit() drops
  bool flushing_ = false;               // guarded by mu_
  bool flush_seen_ = false;             // guarded by mu_
  absl::Time flush_deadline_ = absl::InfiniteFuture();  // guarded by mu_
  bool drained_ = false;                // guarded by mu_
  bool stop_ = false;                   // guarded by mu_
  bool finishing_ = false;              // guarded by mu_: Finish() has begun
  bool finished_ = false;               // guarded by mu_: Finish() is done
  bool sender_done_ = false;            // guarded by mu_: Run() returned
  bool abandoned_ = false;              // guarded by mu_: Finish() gave up on the sender
};

void PipelineState::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    const absl::Time now = absl::Now();
    const absl::Time due = NextDue();
    if (!stop_ && due > now) {
      absl::Time wake = flushing_ ? due : std::min(due, now + options_.linger);
      auto ready = [&] {
        return stop_ || incoming_.size() >= options_.batch_size ||
               (flushing_ && !incoming_.empty()) || (flushing_ && !flush_seen_);
      };
      if (wake == absl::InfiniteFuture()) {
        wake_.wait(lock, ready);
      } else {
        wake_.wait_until(lock, ToChrono(wake), ready);
      }
    }
    if (stop_) break;
    flush_seen_ = flushing_;
    std::deque<BuildEvent> batch;
    batch.swap(incoming_);
    const bool flushing = flushing_;
    const absl::Time flush_deadline = flush_deadline_;
    lock.unlock();

    Distribute(batch);
    for (auto& state_ptr : sinks_) {
      SinkState& state = *state_ptr;
      if (state.inflight.empty() && !state.backlog.empty()) {
        const size_t n = std::min(options_.batch_size, state.backlog.size());
        state.inflight.reserve(n);
        for (size_t i = 0; i < n; ++i) {
          state.inflight.push_back(std::move(state.backlog.front()));
          state.backlog.pop_front();
        }
        state.next_attempt = absl::InfinitePast();
      }
      if (state.inflight.empty() || absl::Now() < state.next_attempt) continue;
      if (flushing && absl::Now() >= flush_deadline) continue;  // Finish() accounts
      Attempt(state, flushing, flush_deadline);
    }

    lock.lock();
    if (flushing_ && incoming_.empty() && SinksIdle()) {
      drained_ = true;
      drained_cv_.notify_all();
    }
  }
  // Stopped: whatever is left was not delivered in time.
  sender_done_ = true;
  drained_cv_.notify_all();
  if (abandoned_) return;
  for (auto& state : sinks_) {
    state->report.dropped += static_cast<int64_t>(state->backlog.size());
    if (state->attempts > 0) {
      state->report.failed += static_cast<int64_t>(state->inflight.size());
    } else {
      state->report.dropped += static_cast<int64_t>(state->inflight.size());
    }
    state->backlog.clear();
    state->inflight.clear();
  }
  incoming_dropped_ += static_cast<int64_t>(incoming_.size());
  incoming_.clear();
  drained_ = true;
  drained_cv_.notify_all();
}


class EventPipeline::Impl {
 public:
  Impl(std::vector<std::unique_ptr<EventSink>> sinks, PipelineOptions options)
      : state_(std::make_shared<PipelineState>(std::move(sinks), std::move(options))) {
    sender_ = std::thread([state = state_] { state->Run(); });
  }
  ~Impl() { Finish(absl::ZeroDuration()); }

  void Emit(BuildEvent&& event) { state_->Emit(std::move(event)); }
  TelemetryReport Finish(absl::Duration deadline) { return state_->Finish(deadline, sender_); }
  TelemetryReport Snapshot() const { return state_->Snapshot(); }
  size_t sink_count() const { return state_->sink_count(); }

 private:
  std::shared_ptr<PipelineState> state_;
  std::thread sender_;
};

EventPipeline::EventPipeline(std::vector<std::unique_ptr<EventSink>> sinks,
                             PipelineOptions options)
    : impl_(std::make_unique<Impl>(std::move(sinks), std::move(options))) {}

EventPipeline::~EventPipeline() = default;

void EventPipeline::Emit(BuildEvent event) { impl_->Emit(std::move(event)); }

TelemetryReport EventPipeline::Finish(absl::Duration deadline) { return impl_->Finish(deadline); }

TelemetryReport EventPipeline::Snapshot() const { return impl_->Snapshot(); }

size_t EventPipeline::sink_count() const { return impl_->sink_count(); }

}  // namespace fops
