// The record of the process groups one executor runs, kept in the repo's
// state directory so that a fops that dies without stopping them (kill -9,
// the OOM killer, a crash) does not leave them running unknown to everyone:
// the next `fops up`, `fops ci` or `fops down` reads the record and stops
// what is still alive (fops/exec/leftover_processes.h).
//
// One journal per recording executor,
// `<state_dir>/processes/<fops pid>-<its start time>-<n>.jsonl`: a first
// line naming the writer, then one line per change (a group started, its
// leader exited leaving members, it ended), each appended with a single
// write(2), so a writer killed at any moment leaves whole lines. When the
// lines outnumber what they describe (more than 4 per live group and at
// least kCompactAfterLines), the journal is rewritten to just its live
// groups (temporary + rename, atomically): its size stays bounded by what
// runs at once, however long a session lasts. No fsync: a power loss ends
// the processes too. Appending costs microseconds where replacing a file
// costs milliseconds on ext4, which flushes a file renamed over another.
// The destructor removes the journal (and the directory once empty), so a
// clean exit leaves nothing. Every process is named by its pid and its
// start time (/proc/<pid>/stat), so a pid the kernel has since given to
// another process is never taken for it.
//
//   ProcessLedger ledger(state_dir, {.owner = "fops up", .tag = tag, .started_ticks = t});
//   FOPS_RETURN_IF_ERROR(ledger.Add({.id = 1, .pgid = pid, .resource = "api",
//                                    .command = "./app --port 8080", .started_ticks = ticks,
//                                    .processes = {{pid, ticks}}}));
//   FOPS_RETURN_IF_ERROR(ledger.Remove(pid));   // its command ended, nothing left in its group
#ifndef FOPS_EXEC_PROCESS_LEDGER_H_
#define FOPS_EXEC_PROCESS_LEDGER_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fops/base/redact.h"

namespace fops {

/// One process, named so that a later process with its pid is not it.
struct RecordedProcess {
  pid_t pid = 0;
  uint64_t start_ticks = 0;  ///< field 22 of /proc/<pid>/stat
  /// Not 0: it started at some tick in [start_ticks, start_ticks_max]. A
  /// command's leader is recorded so, from the clock read around its
  /// spawn, which costs nothing where reading its /proc entry costs tens
  /// of microseconds; no other process can have its pid in that window.
  uint64_t start_ticks_max = 0;
  /// Whether a process that started at `ticks` is this one.
  bool StartedAt(uint64_t ticks) const {
    return start_ticks_max == 0 ? ticks == start_ticks
                                : ticks >= start_ticks && ticks <= start_ticks_max;
  }
  friend bool operator==(const RecordedProcess&, const RecordedProcess&) = default;
};

/// One command's process group.
struct RecordedGroup {
  uint64_t id = 0;     ///< the command's id in its executor (the FOPS_EXEC_TAG suffix)
  pid_t pgid = 0;      ///< its process group (the leader's pid)
  std::string resource;  ///< the resource it belongs to
  std::string command;   ///< shown to people: shortened, secrets redacted
  uint64_t started_ticks = 0;  ///< the leader's start: no member of the group is older
  /// The leader while it runs; once it exited with members left in its
  /// group (`server &`), those members (at most kMaxRecordedMembers).
  std::vector<RecordedProcess> processes;
};

/// One executor's file.
struct LedgerRecord {
  RecordedProcess owner;  ///< the fops process that writes it
  std::string owner_command;  ///< who that is, for messages: "fops up"
  /// The FOPS_EXEC_TAG prefix its commands carry ("" without the
  /// subreaper option): how a daemon that left its group is recognised.
  std::string tag;
  uint64_t started_ticks = 0;  ///< the executor's creation: its processes are no older
  std::vector<RecordedGroup> groups;
};

/// What the executor says about itself in its record.
struct LedgerOwner {
  std::string owner;           ///< "fops up", "fops ci", "fops mode staging"
  std::string tag;             ///< see LedgerRecord::tag
  uint64_t started_ticks = 0;  ///< see LedgerRecord::started_ticks
};

/// Members of an exited leader's group kept in a record.
inline constexpr size_t kMaxRecordedMembers = 8;

/// A journal is compacted once it has this many lines, and more than 4
/// per live group: often enough to stay small (a line is about 200 bytes),
/// rarely enough that the rename, which costs milliseconds on ext4, adds
/// only microseconds per command.
inline constexpr size_t kCompactAfterLines = 512;

/// Writes one executor's record. Not thread-safe; the executor's thread
/// drives it.
class ProcessLedger {
 public:
  /// Records under `state_dir` as this process; writes nothing before the
  /// first Add().
  ProcessLedger(std::filesystem::path state_dir, LedgerOwner owner);
  /// Removes the journal: the executor stopped everything it recorded.
  ~ProcessLedger();
  ProcessLedger(const ProcessLedger&) = delete;
  ProcessLedger& operator=(const ProcessLedger&) = delete;

  /// Records a group that just started (`group.command` as ShowCommand()
  /// gives it). kInternal naming the file when it cannot be written;
  /// nothing is recorded then.
  absl::Status Add(RecordedGroup group);
  /// Replaces what identifies the group `pgid` (its leader exited, members
  /// remain; at most kMaxRecordedMembers are kept).
  absl::Status Update(pid_t pgid, std::vector<RecordedProcess> processes);
  /// Forgets the group `pgid`: nothing of it is left.
  absl::Status Remove(pid_t pgid);

  /// The journal; it exists from the first Add() until destruction.
  const std::filesystem::path& path() const { return path_; }
  /// The groups recorded now.
  const std::vector<RecordedGroup>& groups() const { return record_.groups; }
  /// Lines in the journal now (bounded, see above).
  size_t lines() const { return lines_; }

  /// Where every executor of a repo records: `<state_dir>/processes`.
  static std::filesystem::path Directory(const std::filesystem::path& state_dir);
  /// Replays one journal. kNotFound when it is gone, kDataLoss naming the
  /// file (and line) when it is not a record. A last line without its
  /// newline (a write cut short) is ignored.
  static absl::StatusOr<LedgerRecord> Read(const std::filesystem::path& file);
  /// A command as a record shows it: argv shell-quoted (a `sh -c`
  /// script as itself), secrets `redactor` knows replaced, cut to 120
  /// bytes.
  static std::string ShowCommand(const std::vector<std::string>& argv, const Redactor& redactor);

 private:
  // Appends `line` (one JSON value), opening the journal on first use and
  // compacting it when it has grown.
  absl::Status Append(const std::string& line);
  absl::Status Compact();
  absl::Status Open(bool truncate);

  std::filesystem::path path_;
  LedgerRecord record_;
  int fd_ = -1;
  size_t lines_ = 0;
  bool written_ = false;
};

}  // namespace fops

#endif  // FOPS_EXEC_PROCESS_LEDGER_H_
