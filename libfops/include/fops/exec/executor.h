// The executor seam, shaped like ninja's CommandRunner: start commands, wait
// for the next one to finish, stop one, abort all. The engine drives one
// executor from one thread; implementations run real processes
// (ProcessExecutor), record (DryRunExecutor), play rules (ScriptedExecutor),
// or call Python (a fops.Executor subclass).
//
//   ProcessExecutor ex;
//   CommandSpec spec{.id = 1, .resource = "api", .argv = {"make", "api"}};
//   FOPS_RETURN_IF_ERROR(ex.Start(spec));
//   while (std::optional<CommandResult> r = ex.Wait(absl::InfiniteFuture(), out)) ...
#ifndef FOPS_EXEC_EXECUTOR_H_
#define FOPS_EXEC_EXECUTOR_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "fops/base/clock.h"

namespace fops {

/// One command to start. Plain value; the engine fills it from a Resource.
struct CommandSpec {
  uint64_t id = 0;        ///< unique per engine run; names the command in results
  std::string resource;   ///< the resource it belongs to (output prefix)
  std::vector<std::string> argv;
  std::string dir;                         ///< working directory; "" = current
  std::map<std::string, std::string> env;  ///< added to the inherited environment
  absl::Duration timeout = absl::ZeroDuration();  ///< zero: none
  bool serve = false;  ///< long-running: finishes only if it dies or is stopped
};

/// How a command ended.
enum class ExitKind {
  kExited,        ///< exited by itself; see exit_code
  kSignaled,      ///< killed by a signal it did not ask for; see signal
  kTimedOut,      ///< ran past its timeout and was killed
  kStopped,       ///< stopped on request (Stop, Abort)
};

struct CommandResult {
  uint64_t id = 0;
  ExitKind kind = ExitKind::kExited;
  int exit_code = 0;  ///< valid for kExited
  int signal = 0;     ///< valid for kSignaled
  absl::Duration duration = absl::ZeroDuration();

  /// True for exit code 0.
  bool ok() const { return kind == ExitKind::kExited && exit_code == 0; }
  /// "exit 0", "exit 2", "killed by SIGSEGV", "timed out", "stopped".
  std::string Describe() const;
};

enum class Stream { kStdout, kStderr };

/// Receives output line by line (without the newline), on the thread that
/// called Executor::Wait.
class OutputListener {
 public:
  virtual ~OutputListener() = default;
  virtual void OnLine(uint64_t id, Stream stream, std::string_view line) = 0;
};

class Executor {
 public:
  virtual ~Executor() = default;

  /// Starts `spec`. An error means nothing started: kNotFound for a missing
  /// program, kFailedPrecondition for a policy refusal, kInternal otherwise.
  virtual absl::Status Start(const CommandSpec& spec) = 0;

  /// Blocks until a started command finishes, `deadline` passes, or
  /// Interrupt() is called; output lines reach `listener` meanwhile.
  /// Returns the finished command, or nullopt on deadline/interrupt.
  virtual std::optional<CommandResult> Wait(absl::Time deadline,
                                            OutputListener& listener) = 0;

  /// Stops one command: SIGTERM to its process group, SIGKILL after a
  /// grace period. Wait() later reports it as kStopped.
  virtual void Stop(uint64_t id) = 0;

  /// Stops every running command and returns once none is left.
  virtual void Abort() = 0;

  /// Wakes a blocked Wait(). Thread-safe and async-signal-safe.
  virtual void Interrupt() = 0;

  /// Commands started and not yet returned by Wait().
  virtual size_t running() const = 0;

  /// Whether process `pid` is one of command `id`'s: in its process group,
  /// below its leader, or carrying its tag (ProcessExecutor's subreaper
  /// option). nullopt when this executor cannot tell: it runs no real
  /// processes, or `id` is not running. Thread-safe: the engine asks from
  /// its probe threads whether a port's listener is the serve command's.
  virtual std::optional<bool> OwnsProcess(uint64_t id, pid_t pid) const {
    (void)id;
    (void)pid;
    return std::nullopt;
  }

  /// True when commands do not really run (dry-run, scripted): the engine
  /// then takes a serve resource as ready once started, without probing.
  virtual bool simulated() const { return false; }

  /// The time commands run in: real for real processes, virtual for the
  /// scripted executor (a delay moves it, nothing sleeps). The engine reads
  /// deadlines and durations from it so simulated runs are deterministic.
  virtual const Clock& clock() const { return Clock::Real(); }
};

}  // namespace fops

#endif  // FOPS_EXEC_EXECUTOR_H_
