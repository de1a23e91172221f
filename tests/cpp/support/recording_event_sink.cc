#include "support/recording_event_sink.h"

#include <utility>

namespace fops::testing {
namespace {

class ForwardingSink : public EventSink {
 public:
  ForwardingSink(std::shared_ptr<RecordingEventSink> recorder, std::string name)
      : recorder_(std::move(recorder)), name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  std::string destination() const override { return "memory:" + name_; }
  SinkAnswer Send(std::span<const BuildEvent> batch, absl::Time deadline) override {
    return recorder_->Send(batch, deadline);
  }

 private:
  std::shared_ptr<RecordingEventSink> recorder_;
  std::string name_;
};

}  // namespace

void RecordingEventSink::Script(std::vector<SinkAnswer> answers) {
  absl::MutexLock lock(&mu_);
  for (SinkAnswer& answer : answers) script_.push_back(std::move(answer));
}

void RecordingEventSink::Hold() {
  absl::MutexLock lock(&mu_);
  held_ = true;
}

void RecordingEventSink::Release() {
  absl::MutexLock lock(&mu_);
  held_ = false;
}

std::vector<std::vector<BuildEvent>> RecordingEventSink::batches() const {
  absl::MutexLock lock(&mu_);
  return batches_;
}

std::vector<BuildEvent> RecordingEventSink::events() const {
  absl::MutexLock lock(&mu_);
  std::vector<BuildEvent> out;
  for (const auto& batch : batches_) out.insert(out.end(), batch.begin(), batch.end());
  return out;
}

std::vector<absl::Time> RecordingEventSink::call_times() const {
  absl::MutexLock lock(&mu_);
  return call_times_;
}

bool RecordingEventSink::WaitForCalls(size_t count, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto arrived = [&] { return call_times_.size() >= count; };
  return mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
}

std::unique_ptr<EventSink> RecordingEventSink::NewSink(
    std::shared_ptr<RecordingEventSink> recorder, std::string name) {
  return std::make_unique<ForwardingSink>(std::move(recorder), std::move(name));
}

SinkAnswer RecordingEventSink::Send(std::span<const BuildEvent> batch, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  call_times_.push_back(absl::Now());
  batches_.emplace_back(batch.begin(), batch.end());
  auto released = [&] { return !held_; };
  mu_.AwaitWithDeadline(absl::Condition(&released), deadline);
  if (script_.empty()) return SinkAnswer::Delivered();
  SinkAnswer answer = std::move(script_.front());
  script_.pop_front();
  return answer;
}

SinkAnswer RetryAnswer(std::string message, std::optional<absl::Duration> retry_after) {
  SinkAnswer answer;
  answer.kind = SinkAnswer::Kind::kRetry;
  answer.http_status = 503;
  answer.message = std::move(message);
  answer.retry_after = retry_after;
  return answer;
}

SinkAnswer RejectedAnswer(std::string message) {
  SinkAnswer answer;
  answer.kind = SinkAnswer::Kind::kRejected;
  answer.http_status = 400;
  answer.message = std::move(message);
  return answer;
}

}  // namespace fops::testing
