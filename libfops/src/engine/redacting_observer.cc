#include "fops/engine/redacting_observer.h"

#include <string>
#include <utility>

#include "fops/model/project_secrets.h"

namespace fops {

RedactingObserver::RedactingObserver(Redactor redactor, std::vector<Observer*> observers)
    : redactor_(std::move(redactor)), observers_(std::move(observers)) {}

const Resource& RedactingObserver::Shown(const Resource& resource) {
  auto it = shown_.find(&resource);
  if (it == shown_.end()) it = shown_.emplace(&resource, RedactResource(resource, redactor_)).first;
  return it->second;
}

ResourceResult RedactingObserver::Shown(const ResourceResult& result) const {
  ResourceResult out = result;
  out.name = redactor_.Redact(result.name);
  out.reason = redactor_.Redact(result.reason);
  for (std::string& line : out.last_lines) line = redactor_.Redact(line);
  return out;
}

void RedactingObserver::OnRunStarted(const RunStart& run) {
  for (Observer* o : observers_) o->OnRunStarted(run);
}

void RedactingObserver::OnResourceQueued(const Resource& resource, std::string_view reason) {
  const Resource& shown = Shown(resource);
  const std::string safe = redactor_.Redact(reason);
  for (Observer* o : observers_) o->OnResourceQueued(shown, safe);
}

void RedactingObserver::OnResourceWaiting(const Resource& resource, ResourceWait wait,
                                          std::string_view detail) {
  const Resource& shown = Shown(resource);
  const std::string safe = redactor_.Redact(detail);
  for (Observer* o : observers_) o->OnResourceWaiting(shown, wait, safe);
}

void RedactingObserver::OnResourceEnabled(const Resource& resource, bool enabled) {
  const Resource& shown = Shown(resource);
  for (Observer* o : observers_) o->OnResourceEnabled(shown, enabled);
}

void RedactingObserver::OnResourcePaused(const Resource& resource, std::string_view reason) {
  const Resource& shown = Shown(resource);
  const std::string safe = redactor_.Redact(reason);
  for (Observer* o : observers_) o->OnResourcePaused(shown, safe);
}

void RedactingObserver::OnResourceStarted(const Resource& resource, std::string_view reason) {
  const Resource& shown = Shown(resource);
  const std::string safe = redactor_.Redact(reason);
  for (Observer* o : observers_) o->OnResourceStarted(shown, safe);
}

void RedactingObserver::OnCommandStarted(const Resource& resource, const CommandSpec& spec) {
  const Resource& shown = Shown(resource);
  CommandSpec safe = spec;
  safe.resource = redactor_.Redact(spec.resource);
  for (std::string& arg : safe.argv) arg = redactor_.Redact(arg);
  safe.dir = redactor_.Redact(spec.dir);
  safe.env = RedactEnv(spec.env, redactor_);
  for (Observer* o : observers_) o->OnCommandStarted(shown, safe);
}

void RedactingObserver::OnOutput(const Resource& resource, Stream stream, std::string_view line) {
  const Resource& shown = Shown(resource);
  const std::string safe = redactor_.Redact(line);
  for (Observer* o : observers_) o->OnOutput(shown, stream, safe);
}

void RedactingObserver::OnResourceReady(const Resource& resource) {
  const Resource& shown = Shown(resource);
  for (Observer* o : observers_) o->OnResourceReady(shown);
}

void RedactingObserver::OnReadinessChanged(const Resource& resource, bool ready,
                                           std::string_view reason) {
  const Resource& shown = Shown(resource);
  const std::string safe = redactor_.Redact(reason);
  for (Observer* o : observers_) o->OnReadinessChanged(shown, ready, safe);
}

void RedactingObserver::OnResourceFinished(const Resource& resource,
                                           const ResourceResult& result) {
  const Resource& shown = Shown(resource);
  const ResourceResult safe = Shown(result);
  for (Observer* o : observers_) o->OnResourceFinished(shown, safe);
}

void RedactingObserver::OnReload(const Project& project, const ReloadEvent& event) {
  Project shown = project;
  shown.resources.clear();
  for (const Resource& r : project.resources) shown.resources.push_back(RedactResource(r, redactor_));
  ReloadEvent safe = event;
  safe.error = redactor_.Redact(event.error);
  for (Observer* o : observers_) o->OnReload(shown, safe);
}

void RedactingObserver::SetRedactor(Redactor redactor) {
  redactor_ = std::move(redactor);
  shown_.clear();  // keyed by address: the old project's resources are gone
}

void RedactingObserver::OnRunFinished(const RunResult& result) {
  RunResult safe = result;
  safe.error = redactor_.Redact(result.error);
  for (ResourceResult& r : safe.resources) r = Shown(r);
  for (Observer* o : observers_) o->OnRunFinished(safe);
}

}  // namespace fops
