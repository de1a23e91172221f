// Runs commands as real processes: posix_spawn, each in its own process
// group, stdin from /dev/null, stdout and stderr read line by line (a
// trailing "\r" dropped, a last line without newline still delivered, very
// long lines in pieces). A timeout or Stop() sends SIGTERM to the group and
// SIGKILL after `kill_grace`; such a command is reported only once nothing
// of its group is left alive. When the executor is destroyed (or Abort()
// returns) nothing it started is left running. No SIGCHLD handler, no
// polling tick: one poll(2) over pipes, pidfds and a wake-up eventfd.
//
//   ProcessExecutor ex(ProcessExecutorOptions{.kill_grace = absl::Seconds(2)});
//   FOPS_RETURN_IF_ERROR(ex.Start({.id = 1, .resource = "web", .argv = {"sh", "-c", "make"}}));
//   std::optional<CommandResult> r = ex.Wait(absl::InfiniteFuture(), listener);
//
// A command whose leader exits by itself is reported at once, even if it
// left processes in its group (`server &`): those keep running for the
// session and are stopped by Abort() or the destructor.
//
// With `process_record` set (the `fops` command sets it to the repo's state
// directory), the process groups it runs are recorded there while they
// run, so that if this process dies without stopping them (kill -9) the
// next fops finds and stops them (fops/exec/process_ledger.h,
// fops/exec/leftover_processes.h). A clean exit removes the record.
//
// A string command ({"sh", "-c", SCRIPT}) made of plain words only
// (`make -j2 app`, `true`) is spawned without the shell, as make does, with
// the same result `sh -c` would give: same environment (PWD included),
// same exit code and message for a missing program or a death by signal
// (fops/exec/direct_exec.h). `direct_exec = false`, or FOPS_DIRECT_EXEC=0
// in the environment of the process or of one command, keeps the shell.
// docs/executors.md has the whole story.
#ifndef FOPS_EXEC_PROCESS_EXECUTOR_H_
#define FOPS_EXEC_PROCESS_EXECUTOR_H_

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "fops/base/redact.h"
#include "fops/exec/executor.h"

namespace fops {

struct ProcessExecutorOptions {
  /// Between SIGTERM and SIGKILL when stopping a process group.
  absl::Duration kill_grace = absl::Seconds(2);
  /// Also adopt orphaned grandchildren (PR_SET_CHILD_SUBREAPER) so a
  /// daemon that leaves its process group is still stopped and reaped:
  /// descendants are found in /proc through their parents, and adopted
  /// orphans by the FOPS_EXEC_TAG each command gets in its environment.
  /// For the `fops` command; leave off when embedding in a process with
  /// other children (orphans of those would be adopted too).
  bool subreaper = false;
  /// A line longer than this is delivered in pieces of this size, so a
  /// process that never prints a newline cannot grow memory without bound.
  size_t max_line_bytes = 16 * 1024;
  /// Spawn a plain-words string command without `sh -c` (same result, one
  /// process less). FOPS_DIRECT_EXEC=0 (or false/no/off) in the process
  /// environment turns it off for every executor, in a command's `env` for
  /// that command.
  bool direct_exec = true;
  /// A repo's state directory: the process groups it starts are recorded
  /// in its `processes/` while they run (see above). Empty: no record.
  std::filesystem::path process_record;
  /// Who records, named when a later fops stops what it left: "fops up".
  std::string record_owner;
  /// The secrets masked in the commands it records (a run's
  /// ProjectRedactor), besides each command's own secret env values.
  /// Empty: the environment's (Redactor::FromEnvironment()).
  Redactor record_redactor;
};

/// Not thread-safe except Interrupt(); drive it from one thread. Separate
/// instances may run on separate threads.
class ProcessExecutor : public Executor {
 public:
  /// Default options.
  ProcessExecutor();
  /// With `options`; `subreaper` takes effect at once.
  explicit ProcessExecutor(ProcessExecutorOptions options);
  /// Abort()s: stops and reaps everything still running.
  ~ProcessExecutor() override;

  /// Spawns `spec`. kNotFound "command not found: X" for a missing
  /// program, kNotFound naming a missing `dir`, kPermissionDenied for a
  /// program that is not executable, kInvalidArgument for an empty argv
  /// or an id already running. (A string command's missing program is
  /// its shell's exit 127, as with `sh -c`, not an error here.)
  absl::Status Start(const CommandSpec& spec) override;
  /// Delivers output and returns the next finished command (kTimedOut /
  /// kStopped for the ones it killed), or nullopt at `deadline` or on
  /// Interrupt(). With nothing running it waits for those alone.
  std::optional<CommandResult> Wait(absl::Time deadline, OutputListener& listener) override;
  /// Starts stopping `id` (SIGTERM to its group now, SIGKILL after the
  /// grace) and returns at once; Wait() reports it as kStopped. A command
  /// that already exited is reported as it exited.
  void Stop(uint64_t id) override;
  /// Stops every command and every leftover group (and, with `subreaper`,
  /// every tagged descendant), waits for all of them and reaps them.
  /// Blocks up to `kill_grace` plus the time SIGKILL takes. Their results
  /// and output are dropped: afterwards running() is 0.
  void Abort() override;
  /// Wakes a Wait(), or makes the next one return at once. Thread-safe,
  /// async-signal-safe (one write(2) to an eventfd).
  void Interrupt() override;
  /// Commands started and not yet returned by Wait().
  size_t running() const override;
  /// True for a process in `id`'s group, below its leader, or (with
  /// `subreaper`) carrying its tag, started after it; nullopt when `id` is
  /// not running. Thread-safe.
  std::optional<bool> OwnsProcess(uint64_t id, pid_t pid) const override;

  /// Starts recording in `state_dir` as `owner`, masking what `redactor`
  /// knows (empty: the environment's secrets), as the `process_record`
  /// option does, for an executor made elsewhere. kFailedPrecondition once
  /// a command has started or when it records already.
  absl::Status RecordProcesses(std::filesystem::path state_dir, std::string owner,
                               Redactor redactor = Redactor());
  /// The file it records in (written from the first Start() until it is
  /// destroyed); empty when not recording.
  std::filesystem::path process_record() const;
  /// Whether it records (the option, or RecordProcesses()).
  bool recording() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fops

#endif  // FOPS_EXEC_PROCESS_EXECUTOR_H_
