#include "fops/engine/stop_signals.h"

#include <atomic>
#include <iterator>

namespace fops {
namespace {

std::atomic<Engine*> g_engine{nullptr};
volatile std::sig_atomic_t g_last_signal = 0;

void OnStopSignal(int signal) {
  g_last_signal = signal;
  if (Engine* engine = g_engine.load()) engine->RequestStop();
}

}  // namespace

StopSignalScope::StopSignalScope(Engine* engine) {
  g_last_signal = 0;
  g_engine.store(engine);
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &action, &previous_[i]);
}

StopSignalScope::~StopSignalScope() {
  for (size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &previous_[i], nullptr);
  g_engine.store(nullptr);
}

int StopSignalScope::received() const { return g_last_signal; }

}  // namespace fops
