// Stops an engine run on SIGINT, SIGTERM or SIGHUP: for the lifetime of a
// StopSignalScope those signals call Engine::RequestStop (async-signal-safe)
// instead of killing the process, so the engine can stop every process
// group it started before the command exits. The `fops` command wraps each
// run in one; the previous handlers come back when the scope ends.
//
//   int signal = 0;
//   {
//     StopSignalScope scope(engine.get());
//     result = engine->Ci();
//     signal = scope.received();
//   }
//   if (signal != 0) return 128 + signal;
#ifndef FOPS_ENGINE_STOP_SIGNALS_H_
#define FOPS_ENGINE_STOP_SIGNALS_H_

#include <csignal>
#include <iterator>

#include "fops/engine/engine.h"

namespace fops {

/// One at a time per process (signal handlers are process-wide).
class StopSignalScope {
 public:
  /// Routes the signals to `engine` until destroyed.
  explicit StopSignalScope(Engine* engine);
  ~StopSignalScope();
  StopSignalScope(const StopSignalScope&) = delete;
  StopSignalScope& operator=(const StopSignalScope&) = delete;

  /// The last of the signals received since the scope began, or 0.
  int received() const;

 private:
  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction previous_[std::size(kSignals)];
};

}  // namespace fops

#endif  // FOPS_ENGINE_STOP_SIGNALS_H_
