// ThreadSanitizer and the system's abseil.
//
// ThreadSanitizer learns that one thread's writes happen before another
// thread's reads from the synchronisation it sees: code compiled with
// -fsanitize=thread, and the pthread calls it intercepts. Debian's abseil is
// not compiled with it, and absl::Mutex locks with atomics and futexes of
// its own, so under a thread-sanitized build (FOPS_SANITIZE=thread) every
// field guarded by an absl::Mutex looked like a data race.
//
// In that build only, this file defines the absl::Mutex and absl::CondVar
// calls libfops and the tests make. Each calls abseil's own (found with
// dlsym(RTLD_NEXT)) and tells ThreadSanitizer what it did: an unlock
// releases, a lock acquires, a wait releases and acquires again, and a
// Condition is evaluated between an acquire and a release (abseil evaluates
// it holding the lock, in code ThreadSanitizer does not see). Races on data
// that is guarded by no lock, or by another lock, are still reported. Other
// builds compile this file to nothing.
#if defined(__SANITIZE_THREAD__)

#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace {

#define FOPS_STRINGIFY_INNER(x) #x
#define FOPS_STRINGIFY(x) FOPS_STRINGIFY_INNER(x)

// abseil's own definition of a member of absl::Mutex or absl::CondVar:
// `rest` is the mangled name after the inline namespace (the system's
// abseil names it ABSL_OPTION_INLINE_NAMESPACE_NAME).
template <typename Fn>
Fn Real(const char* rest) {
#if ABSL_OPTION_USE_INLINE_NAMESPACE
  const std::string ns = FOPS_STRINGIFY(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  const std::string name = "_ZN4absl" + std::to_string(ns.size()) + ns + rest;
#else
  const std::string name = std::string("_ZN4absl") + rest;
#endif
  void* fn = dlsym(RTLD_NEXT, name.c_str());
  if (fn == nullptr) {
    std::fprintf(stderr, "tsan_absl_mutex: abseil has no %s\n", name.c_str());
    std::abort();
  }
  return reinterpret_cast<Fn>(fn);
}

using MutexCall = void (*)(absl::Mutex*);
using AwaitTimeout = bool (*)(absl::Mutex*, const absl::Condition&, absl::Duration);
using AwaitDeadline = bool (*)(absl::Mutex*, const absl::Condition&, absl::Time);
using WaitDeadline = bool (*)(absl::CondVar*, absl::Mutex*, absl::Time);

// A Condition that tells ThreadSanitizer it runs under `mu`.
struct Guarded {
  absl::Mutex* mu;
  const absl::Condition* cond;
};

bool EvalGuarded(void* arg) {
  auto* guarded = static_cast<Guarded*>(arg);
  __tsan_acquire(guarded->mu);
  const bool holds = guarded->cond->Eval();
  __tsan_release(guarded->mu);
  return holds;
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  static const auto real = Real<MutexCall>("5Mutex4LockEv");
  real(this);
  __tsan_acquire(this);
}

void Mutex::Unlock() {
  static const auto real = Real<MutexCall>("5Mutex6UnlockEv");
  __tsan_release(this);
  real(this);
}

void Mutex::ReaderLock() {
  static const auto real = Real<MutexCall>("5Mutex10ReaderLockEv");
  real(this);
  __tsan_acquire(this);
}

void Mutex::ReaderUnlock() {
  static const auto real = Real<MutexCall>("5Mutex12ReaderUnlockEv");
  __tsan_release(this);
  real(this);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  static const auto real =
      Real<AwaitTimeout>("5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  Guarded guarded{this, &cond};
  __tsan_release(this);
  const bool held = real(this, Condition(&EvalGuarded, &guarded), timeout);
  __tsan_acquire(this);
  return held;
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  static const auto real =
      Real<AwaitDeadline>("5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  Guarded guarded{this, &cond};
  __tsan_release(this);
  const bool held = real(this, Condition(&EvalGuarded, &guarded), deadline);
  __tsan_acquire(this);
  return held;
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  static const auto real =
      Real<WaitDeadline>("7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  __tsan_release(mu);
  const bool timed_out = real(this, mu, deadline);
  __tsan_acquire(mu);
  return timed_out;
}

ABSL_NAMESPACE_END
}  // namespace absl

#endif  // __SANITIZE_THREAD__
