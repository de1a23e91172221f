// The one door between the engine and its observers: forwards every
// callback to the observers it wraps with every text masked by the run's
// Redactor — output lines, reasons, results, the resource (as
// RedactResource shows it) and the command spec (argv, env, dir). The
// terminal, telemetry and Python observers therefore only ever see
// redacted text; the command itself still runs with the real values.
//
//   RedactingObserver door(ProjectRedactor(project), {&reporter, &telemetry});
//   options.observers = {&door};
#ifndef FOPS_ENGINE_REDACTING_OBSERVER_H_
#define FOPS_ENGINE_REDACTING_OBSERVER_H_

#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "fops/base/redact.h"
#include "fops/engine/observer.h"

namespace fops {

/// Called from the engine's thread only, like every observer.
class RedactingObserver : public Observer {
 public:
  /// Forwards to `observers` (not owned), in order, through `redactor`.
  RedactingObserver(Redactor redactor, std::vector<Observer*> observers);

  void OnRunStarted(const RunStart& run) override;
  void OnResourceQueued(const Resource& resource, std::string_view reason) override;
  void OnResourceWaiting(const Resource& resource, ResourceWait wait,
                         std::string_view detail) override;
  void OnResourceEnabled(const Resource& resource, bool enabled) override;
  void OnResourceStarted(const Resource& resource, std::string_view reason) override;
  void OnCommandStarted(const Resource& resource, const CommandSpec& spec) override;
  void OnOutput(const Resource& resource, Stream stream, std::string_view line) override;
  void OnResourceReady(const Resource& resource) override;
  void OnReadinessChanged(const Resource& resource, bool ready, std::string_view reason) override;
  void OnResourcePaused(const Resource& resource, std::string_view reason) override;
  void OnResourceFinished(const Resource& resource, const ResourceResult& result) override;
  void OnReload(const Project& project, const ReloadEvent& event) override;
  void OnRunFinished(const RunResult& result) override;

  /// A reloaded project's secrets: what is masked from now on. Forgets the
  /// masked copies of the old project's resources.
  void SetRedactor(Redactor redactor);

 private:
  /// The redacted copy of `resource`, made once per resource (by address:
  /// the engine's resources do not move while it runs).
  const Resource& Shown(const Resource& resource);
  ResourceResult Shown(const ResourceResult& result) const;

  Redactor redactor_;
  std::vector<Observer*> observers_;
  absl::flat_hash_map<const Resource*, Resource> shown_;
};

}  // namespace fops

#endif  // FOPS_ENGINE_REDACTING_OBSERVER_H_
