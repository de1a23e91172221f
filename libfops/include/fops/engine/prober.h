// Runs one readiness probe attempt. The real prober speaks HTTP through
// libcurl, connects TCP sockets and runs exec probes as processes.
#ifndef FOPS_ENGINE_PROBER_H_
#define FOPS_ENGINE_PROBER_H_

#include <memory>

#include "absl/status/status.h"
#include "fops/model/probe.h"

namespace fops {

class Prober {
 public:
  virtual ~Prober() = default;
  /// One attempt within `probe.timeout`: OK when it passed, otherwise why
  /// not ("connection refused", "HTTP 503", "exit 1"). Thread-safe.
  virtual absl::Status Check(const Probe& probe) = 0;
};

/// HTTP via libcurl, TCP connect, exec via a short-lived process.
std::unique_ptr<Prober> NewRealProber();

}  // namespace fops

#endif  // FOPS_ENGINE_PROBER_H_
