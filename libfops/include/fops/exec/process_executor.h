// Runs commands as real processes: posix_spawn, each in its own process
// group, stdin from /dev/null, stdout and stderr read line by line. A
// timeout sends SIGTERM to the group and SIGKILL after a grace period. When
// the executor is destroyed nothing it started is left running.
//
//   ProcessExecutor ex;            // or ProcessExecutor(options)
//   ex.Start({.id = 1, .resource = "web", .argv = {"sh", "-c", "make"}});
#ifndef FOPS_EXEC_PROCESS_EXECUTOR_H_
#define FOPS_EXEC_PROCESS_EXECUTOR_H_

#include <memory>

#include "fops/exec/executor.h"

namespace fops {

struct ProcessExecutorOptions {
  /// Between SIGTERM and SIGKILL when stopping a process group.
  absl::Duration kill_grace = absl::Seconds(2);
  /// Also adopt orphaned grandchildren (PR_SET_CHILD_SUBREAPER) so a
  /// daemon that leaves its process group is still stopped. For the `fops`
  /// command; leave off when embedding in a process with other children.
  bool subreaper = false;
};

/// Not thread-safe except Interrupt(); drive it from one thread.
class ProcessExecutor : public Executor {
 public:
  ProcessExecutor();
  explicit ProcessExecutor(ProcessExecutorOptions options);
  ~ProcessExecutor() override;  ///< stops and reaps everything still running

  absl::Status Start(const CommandSpec& spec) override;
  std::optional<CommandResult> Wait(absl::Time deadline, OutputListener& listener) override;
  void Stop(uint64_t id) override;
  void Abort() override;
  void Interrupt() override;
  size_t running() const override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fops

#endif  // FOPS_EXEC_PROCESS_EXECUTOR_H_
