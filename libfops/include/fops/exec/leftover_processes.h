// What a fops process that died without cleaning up left running, and
// stopping it. Reads the records executors keep in the repo's state
// directory (fops/exec/process_ledger.h): a record whose writer still runs
// is never touched; for one whose writer is gone, the processes it names
// that are still the same processes (pid and start time match) are
// leftovers, with the rest of their process groups and, when the executor
// tagged its commands (the subreaper option), the daemons carrying its tag.
// The fops process itself and its ancestors never count.
//
//   LeftoverReport report = StopLeftovers(state_dir, absl::Seconds(2));
//   for (const std::string& line : report.Lines()) std::puts(line.c_str());
//   // stopped 1 process left by fops up (PID 4242), which did not exit cleanly:
//   //   PID 4250 web (python3 -m http.server 8080)
#ifndef FOPS_EXEC_LEFTOVER_PROCESSES_H_
#define FOPS_EXEC_LEFTOVER_PROCESSES_H_

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "fops/base/redact.h"

namespace fops {

/// One command's processes that outlived their fops.
struct LeftoverGroup {
  pid_t pid = 0;  ///< the one named in messages: its leader while that runs
  std::string resource;  ///< "" for a tagged daemon whose command the record no longer lists
  std::string command;   ///< as recorded (a daemon's: its command line, redacted)
  std::vector<pid_t> pids;  ///< every live process of it, `pid` included
};

/// What one dead fops process left.
struct Leftovers {
  std::filesystem::path record;  ///< the record file
  pid_t owner_pid = 0;           ///< the fops process that wrote it
  std::string owner;             ///< "fops up"
  std::vector<LeftoverGroup> groups;
  bool stopped = false;              ///< StopLeftovers() signalled them
  std::vector<pid_t> still_running;  ///< alive even after SIGKILL (uninterruptible sleep)

  /// Processes in `groups`.
  size_t processes() const;
  /// "stopped 2 processes left by fops up (PID 4242), which did not exit
  /// cleanly: PID 4250 web (./app --port 8080), PID 4300 (sleep 302)".
  std::string Describe() const;
};

/// Every leftover in a state directory, and what could not be read.
struct LeftoverReport {
  std::vector<Leftovers> found;  ///< only writers with live processes left
  std::vector<std::string> problems;  ///< a record that is not one, naming the file
  /// Describe() of each, then the problems.
  std::vector<std::string> Lines() const;
};

/// The leftovers of the dead writers of records in `state_dir`, commands
/// shown through `redactor` (empty: the environment's secrets). Changes
/// nothing; an empty report when there are no records (the common case
/// costs one failed opendir).
LeftoverReport FindLeftovers(const std::filesystem::path& state_dir,
                             const Redactor& redactor = Redactor());

/// Stops them as the executor stops a command: SIGTERM to every process
/// (through a pidfd, so a recycled pid is never hit), up to `grace` for
/// them to exit, SIGKILL to what is left (members forked meanwhile
/// included). Then removes the records of dead writers with nothing left
/// alive, and returns what it stopped.
LeftoverReport StopLeftovers(const std::filesystem::path& state_dir,
                             absl::Duration grace = absl::Seconds(2),
                             const Redactor& redactor = Redactor());

}  // namespace fops

#endif  // FOPS_EXEC_LEFTOVER_PROCESSES_H_
