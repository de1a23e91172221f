// What /proc says about a process: its state, parent, process group and
// start time, and its command line. The start time (clock ticks since boot,
// field 22 of /proc/<pid>/stat) is what tells a process from a later one
// that got the same PID: a pid plus its start time names one process for
// the life of the machine.
//
//   std::optional<ProcStat> stat = ReadProcStat(pid);
//   bool same = stat && !IsDeadState(stat->state) && stat->start_ticks == recorded_ticks;
//   for (const auto& [pid, stat] : ScanProcesses()) if (stat.pgrp == group) ...
#ifndef FOPS_BASE_PROC_STAT_H_
#define FOPS_BASE_PROC_STAT_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace fops {

/// The parts of /proc/<pid>/stat fops uses.
struct ProcStat {
  char state = '?';          ///< 'R', 'S', 'D', 'Z' (zombie), ...
  pid_t ppid = 0;            ///< its parent
  pid_t pgrp = 0;            ///< its process group
  uint64_t start_ticks = 0;  ///< when it started, in clock ticks since boot
};

/// /proc/<pid>/stat parsed; nullopt when there is no such process (or no
/// /proc). Parsed after the last ')', since the command name in
/// parentheses may itself hold spaces and parentheses.
std::optional<ProcStat> ReadProcStat(pid_t pid);

/// True for a process that has exited: a zombie waiting for its parent, or
/// one being removed. It holds nothing but its pid.
bool IsDeadState(char state);

/// True when `pid` runs (exists, not dead) and started at `start_ticks`:
/// the same process that was seen then, not a later one with its pid.
bool IsSameProcess(pid_t pid, uint64_t start_ticks);

/// Every live process (zombies left out), from one pass over /proc; pid 1
/// and kernel-less entries are skipped.
absl::flat_hash_map<pid_t, ProcStat> ScanProcesses();

/// Now, in the clock ticks /proc uses for start times, minus one for the
/// rounding: every process started from now on has a start time >= this.
uint64_t BootTicksFloor();

/// The values of environment variable `name` in /proc/<pid>/environ (the
/// environment it started with): several when it appears more than once;
/// empty when it is unset or unreadable (another user's process).
std::vector<std::string> ReadEnvironValues(pid_t pid, std::string_view name);

/// Its command line, arguments joined by single spaces, cut to `max_bytes`
/// (ending in "..."); "" when it cannot be read (gone, a kernel thread).
/// May hold secrets: redact it before showing it.
std::string ReadCommandLine(pid_t pid, size_t max_bytes = 120);

}  // namespace fops

#endif  // FOPS_BASE_PROC_STAT_H_
