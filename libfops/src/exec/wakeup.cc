#include "fops/exec/wakeup.h"

#include "absl/time/clock.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace fops {

Wakeup::Wakeup() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  // Without an eventfd no waiter could ever be woken: a broken process
  // (out of descriptors), not a condition a caller can handle.
  if (fd_ < 0) std::abort();
}

Wakeup::~Wakeup() { close(fd_); }

void Wakeup::Notify() {
  const uint64_t one = 1;
  // EAGAIN means the counter is saturated: a wake-up is pending anyway.
  [[maybe_unused]] ssize_t n = write(fd_, &one, sizeof(one));
}

bool Wakeup::Consume() {
  uint64_t value = 0;
  return read(fd_, &value, sizeof(value)) == sizeof(value);
}

bool Wakeup::WaitUntil(absl::Time deadline) {
  while (true) {
    if (Consume()) return true;
    int timeout_ms = -1;
    if (deadline != absl::InfiniteFuture()) {
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return false;
      // Capped so the int cannot overflow; the loop re-checks the deadline.
      left = std::min(absl::Ceil(left, absl::Milliseconds(1)), absl::Hours(1));
      timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(left));
    }
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0 && errno != EINTR) return false;
  }
}

}  // namespace fops
