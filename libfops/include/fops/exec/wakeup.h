// A wake-up call across threads and from signal handlers: Notify() is one
// write(2) to an eventfd, so a SIGINT handler or another thread can end a
// Wait() that is blocked with nothing else to do. The simulated executors
// use it; a poll loop can watch fd() beside its own descriptors.
//
//   Wakeup wakeup;
//   // signal handler / other thread:  wakeup.Notify();
//   if (wakeup.WaitUntil(deadline)) { /* woken, not timed out */ }
#ifndef FOPS_EXEC_WAKEUP_H_
#define FOPS_EXEC_WAKEUP_H_

#include "absl/time/time.h"

namespace fops {

/// Notify() is thread-safe and async-signal-safe; the waiting side is for
/// one thread.
class Wakeup {
 public:
  Wakeup();
  ~Wakeup();
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;

  /// Makes the next (or the current) WaitUntil() return true.
  void Notify();
  /// Blocks until Notify() or the real-time `deadline`; true when notified.
  /// Consumes the notification.
  bool WaitUntil(absl::Time deadline);
  /// True (consuming it) when a notification is pending; never blocks.
  bool Consume();
  /// Readable while a notification is pending; for poll(2) loops.
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

}  // namespace fops

#endif  // FOPS_EXEC_WAKEUP_H_
