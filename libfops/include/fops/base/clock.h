// Time as a seam: the engine, retries and waits read a Clock so tests can
// use a ManualClock and never sleep.
//
//   ManualClock clock(absl::FromUnixSeconds(1000));
//   clock.Advance(absl::Seconds(5));
#ifndef FOPS_BASE_CLOCK_H_
#define FOPS_BASE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace fops {

/// A source of the current time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  /// The current time.
  virtual absl::Time Now() const = 0;
  /// The process-wide real clock.
  static Clock& Real();
};

/// A clock that moves only when told; for deterministic tests.
class ManualClock : public Clock {
 public:
  explicit ManualClock(absl::Time start = absl::UnixEpoch()) : now_(start) {}
  /// Thread-safe.
  absl::Time Now() const override;
  /// Moves the clock forward by `d`. Thread-safe.
  void Advance(absl::Duration d);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_;
};

}  // namespace fops

#endif  // FOPS_BASE_CLOCK_H_
