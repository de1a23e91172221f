#include "fops/exec/leftover_processes.h"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "fops/base/proc_stat.h"
#include "fops/base/redact.h"
#include "fops/exec/process_ledger.h"

namespace fops {
namespace {

constexpr char kExecTagVariable[] = "FOPS_EXEC_TAG";
// How long SIGKILLed processes get to disappear before they are reported
// as still running.
constexpr absl::Duration kKillWait = absl::Seconds(5);

using ProcessTable = absl::flat_hash_map<pid_t, ProcStat>;

// A dead writer's record and the processes of it that still run.
struct DeadWriter {
  Leftovers leftovers;
  LedgerRecord record;
  std::vector<RecordedProcess> targets;  // every pid in leftovers.groups, with its start
};

// This process and its ancestors: never a leftover, even when they carry
// a dead fops' tag (a fops started by a fops).
absl::flat_hash_set<pid_t> Protected(const ProcessTable& procs) {
  absl::flat_hash_set<pid_t> kept;
  const pid_t self = ::getpid();
  kept.insert(self);
  pid_t p = self;
  for (int depth = 0; depth < 128 && p > 1; ++depth) {
    auto it = procs.find(p);
    if (it == procs.end()) break;
    p = it->second.ppid;
    kept.insert(p);
  }
  return kept;
}

// The command ids of `record`'s executor in a process's FOPS_EXEC_TAG.
std::vector<uint64_t> TaggedIds(pid_t pid, const std::string& tag) {
  std::vector<uint64_t> ids;
  const std::string prefix = tag + ":";
  for (const std::string& entries : ReadEnvironValues(pid, kExecTagVariable)) {
    for (absl::string_view value : absl::StrSplit(entries, ',')) {
      uint64_t id = 0;
      if (absl::ConsumePrefix(&value, prefix) && absl::SimpleAtoi(value, &id)) ids.push_back(id);
    }
  }
  return ids;
}

// The live processes of a dead writer's record.
DeadWriter Collect(const LedgerRecord& record, const ProcessTable& procs,
              const absl::flat_hash_set<pid_t>& kept, const Redactor& redactor) {
  DeadWriter found;
  found.record = record;
  found.leftovers.owner_pid = record.owner.pid;
  found.leftovers.owner = record.owner_command.empty() ? "fops" : record.owner_command;
  absl::flat_hash_set<pid_t> taken;
  absl::flat_hash_map<uint64_t, size_t> group_of_id;  // command id -> index in groups
  auto add = [&](LeftoverGroup& group, pid_t pid, uint64_t start) {
    if (kept.contains(pid) || !taken.insert(pid).second) return;
    group.pids.push_back(pid);
    found.targets.push_back(RecordedProcess{.pid = pid, .start_ticks = start});
  };
  for (const RecordedGroup& g : record.groups) {
    LeftoverGroup group{.pid = g.pgid, .resource = g.resource, .command = redactor.Redact(g.command)};
    bool group_is_ours = false;
    for (const RecordedProcess& p : g.processes) {
      auto it = procs.find(p.pid);
      if (it == procs.end() || !p.StartedAt(it->second.start_ticks)) continue;  // gone or reused
      add(group, p.pid, it->second.start_ticks);
      // A process of ours still in the group keeps its id from being
      // reused: every member of it is ours.
      if (it->second.pgrp == g.pgid) group_is_ours = true;
    }
    if (group_is_ours) {
      for (const auto& [pid, stat] : procs) {
        if (stat.pgrp == g.pgid && stat.start_ticks >= g.started_ticks) add(group, pid, stat.start_ticks);
      }
    }
    group_of_id[g.id] = found.leftovers.groups.size();
    found.leftovers.groups.push_back(std::move(group));
  }
  if (!record.tag.empty()) {
    for (const auto& [pid, stat] : procs) {
      if (stat.start_ticks < record.started_ticks || taken.contains(pid) || kept.contains(pid)) {
        continue;
      }
      std::vector<uint64_t> ids = TaggedIds(pid, record.tag);
      if (ids.empty()) continue;
      auto it = group_of_id.find(ids.front());
      if (it != group_of_id.end()) {
        add(found.leftovers.groups[it->second], pid, stat.start_ticks);
        continue;
      }
      LeftoverGroup stray{.pid = pid, .command = redactor.Redact(ReadCommandLine(pid))};
      add(stray, pid, stat.start_ticks);
      found.leftovers.groups.push_back(std::move(stray));
    }
  }
  // Named by its leader while that runs, else by its lowest pid.
  std::vector<LeftoverGroup>& groups = found.leftovers.groups;
  groups.erase(std::remove_if(groups.begin(), groups.end(),
                              [](const LeftoverGroup& g) { return g.pids.empty(); }),
               groups.end());
  for (LeftoverGroup& g : groups) {
    std::sort(g.pids.begin(), g.pids.end());
    if (!std::binary_search(g.pids.begin(), g.pids.end(), g.pid)) g.pid = g.pids.front();
  }
  return found;
}

// "12345-6789-1.jsonl.tmp.12345": the writer's pid and start time.
bool WriterGone(const std::string& name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, absl::MaxSplits('-', 2));
  int pid = 0;
  uint64_t ticks = 0;
  if (parts.size() < 3 || !absl::SimpleAtoi(parts[0], &pid) || !absl::SimpleAtoi(parts[1], &ticks)) {
    return false;
  }
  return !IsSameProcess(pid, ticks);
}

// Every record of a dead writer; removes their temporaries on the way
// when `tidy`.
std::vector<DeadWriter> Scan(const std::filesystem::path& state_dir, bool tidy,
                             const Redactor& redactor, std::vector<std::string>& problems,
                             std::vector<std::filesystem::path>& empty_records) {
  std::vector<DeadWriter> result;
  const std::filesystem::path dir = ProcessLedger::Directory(state_dir);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return result;
  std::vector<std::filesystem::path> files;
  while (dirent* entry = ::readdir(d)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (absl::StrContains(name, ".jsonl.tmp.")) {
      // A writer killed between writing its temporary and renaming it.
      if (tidy && WriterGone(name)) {
        std::error_code ec;
        std::filesystem::remove(dir / name, ec);
      }
      continue;
    }
    if (absl::EndsWith(name, ".jsonl")) files.push_back(dir / name);
  }
  ::closedir(d);
  std::sort(files.begin(), files.end());
  std::optional<ProcessTable> procs;
  absl::flat_hash_set<pid_t> kept;
  for (const std::filesystem::path& file : files) {
    absl::StatusOr<LedgerRecord> record = ProcessLedger::Read(file);
    if (!record.ok()) {
      if (!absl::IsNotFound(record.status())) problems.emplace_back(record.status().message());
      continue;
    }
    // A live writer's record is its own business.
    if (record->owner.start_ticks == 0 ? ReadProcStat(record->owner.pid).has_value()
                                       : IsSameProcess(record->owner.pid, record->owner.start_ticks)) {
      continue;
    }
    if (!procs) {
      procs = ScanProcesses();
      kept = Protected(*procs);
    }
    DeadWriter found = Collect(*record, *procs, kept, redactor);
    found.leftovers.record = file;
    if (found.leftovers.groups.empty()) {
      empty_records.push_back(file);
      continue;
    }
    result.push_back(std::move(found));
  }
  return result;
}

int OpenPidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Signals each target that is still the same process; returns pidfds of
// the ones signalled (-1 where pidfds are not supported).
struct Signalled {
  RecordedProcess process;
  int pidfd = -1;
};

void Send(std::vector<Signalled>& targets, int sig) {
  for (Signalled& t : targets) {
    if (t.pidfd >= 0) {
      ::syscall(SYS_pidfd_send_signal, t.pidfd, sig, nullptr, 0);
    } else if (IsSameProcess(t.process.pid, t.process.start_ticks)) {
      ::kill(t.process.pid, sig);
    }
  }
}

std::vector<Signalled> Open(const std::vector<RecordedProcess>& processes) {
  std::vector<Signalled> opened;
  for (const RecordedProcess& p : processes) {
    int fd = OpenPidfd(p.pid);
    if (fd < 0 && errno != ENOSYS) continue;  // gone meanwhile
    // Checked after opening: the pidfd pins the process, so what was
    // checked is what gets the signal.
    if (!IsSameProcess(p.pid, p.start_ticks)) {
      if (fd >= 0) ::close(fd);
      continue;
    }
    opened.push_back(Signalled{.process = p, .pidfd = fd});
  }
  return opened;
}

bool Exited(const Signalled& t) { return !IsSameProcess(t.process.pid, t.process.start_ticks); }

// Waits until every target has exited or `deadline`; sleeps in poll on
// their pidfds (a pidfd turns readable when its process exits).
void AwaitExit(const std::vector<Signalled>& targets, absl::Time deadline) {
  while (true) {
    std::vector<pollfd> fds;
    bool without_pidfd = false;
    for (const Signalled& t : targets) {
      if (Exited(t)) continue;
      if (t.pidfd >= 0) {
        fds.push_back(pollfd{t.pidfd, POLLIN, 0});
      } else {
        without_pidfd = true;
      }
    }
    if (fds.empty() && !without_pidfd) return;
    absl::Time now = absl::Now();
    if (now >= deadline) return;
    absl::Duration wait = deadline - now;
    if (without_pidfd) wait = std::min(wait, absl::Milliseconds(10));
    int ms = static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(wait, absl::Milliseconds(1))));
    ::poll(fds.data(), fds.size(), ms);
  }
}

void CloseAll(std::vector<Signalled>& targets) {
  for (Signalled& t : targets) {
    if (t.pidfd >= 0) ::close(t.pidfd);
    t.pidfd = -1;
  }
}

// The redactor asked for, or the environment's.
Redactor Secrets(const Redactor& redactor) {
  return redactor.empty() ? Redactor::FromEnvironment() : redactor;
}

}  // namespace

size_t Leftovers::processes() const {
  size_t n = 0;
  for (const LeftoverGroup& g : groups) n += g.pids.size();
  return n;
}

std::string Leftovers::Describe() const {
  const size_t n = processes();
  std::vector<std::string> named;
  for (const LeftoverGroup& g : groups) {
    std::string one = absl::StrCat("PID ", g.pid, g.resource.empty() ? "" : " ", g.resource);
    if (!g.command.empty()) absl::StrAppend(&one, " (", g.command, ")");
    if (g.pids.size() > 1) {
      absl::StrAppend(&one, " and ", g.pids.size() - 1,
                      g.pids.size() == 2 ? " process it started" : " processes it started");
    }
    named.push_back(std::move(one));
  }
  std::string line = absl::StrCat(stopped ? "stopped " : "", n, n == 1 ? " process" : " processes",
                                  " left by ", owner, " (PID ", owner_pid, "), which did not exit cleanly",
                                  stopped ? "" : (n == 1 ? ", still runs" : ", still run"), ": ",
                                  absl::StrJoin(named, ", "));
  if (!still_running.empty()) {
    absl::StrAppend(&line, "; still running after SIGKILL: PID ", absl::StrJoin(still_running, ", PID "));
  }
  return line;
}

std::vector<std::string> LeftoverReport::Lines() const {
  std::vector<std::string> lines;
  for (const Leftovers& l : found) lines.push_back(l.Describe());
  for (const std::string& p : problems) lines.push_back(p);
  return lines;
}

LeftoverReport FindLeftovers(const std::filesystem::path& state_dir, const Redactor& redactor) {
  LeftoverReport report;
  std::vector<std::filesystem::path> empty;
  for (DeadWriter& f : Scan(state_dir, /*tidy=*/false, Secrets(redactor), report.problems, empty)) {
    report.found.push_back(std::move(f.leftovers));
  }
  return report;
}

LeftoverReport StopLeftovers(const std::filesystem::path& state_dir, absl::Duration grace,
                             const Redactor& redactor) {
  LeftoverReport report;
  std::vector<std::filesystem::path> empty;
  const Redactor secrets = Secrets(redactor);
  std::vector<DeadWriter> found = Scan(state_dir, /*tidy=*/true, secrets, report.problems, empty);
  std::error_code ec;
  for (const std::filesystem::path& file : empty) std::filesystem::remove(file, ec);
  // The directory goes once nothing is recorded in it (rmdir refuses
  // otherwise; a writer that loses this race creates it again).
  auto tidy_directory = [&] { ::rmdir(ProcessLedger::Directory(state_dir).c_str()); };
  if (found.empty()) {
    tidy_directory();
    return report;
  }

  // Every record at once: one grace period for all of them.
  std::vector<Signalled> targets;
  for (const DeadWriter& f : found) {
    std::vector<Signalled> opened = Open(f.targets);
    targets.insert(targets.end(), opened.begin(), opened.end());
  }
  Send(targets, SIGTERM);
  AwaitExit(targets, absl::Now() + grace);

  // What is left, with anything its groups forked meanwhile, gets SIGKILL.
  ProcessTable procs = ScanProcesses();
  absl::flat_hash_set<pid_t> kept = Protected(procs);
  std::vector<std::vector<Signalled>> late;
  std::vector<Signalled> all_late;
  for (const DeadWriter& f : found) {
    late.push_back(Open(Collect(f.record, procs, kept, secrets).targets));
    all_late.insert(all_late.end(), late.back().begin(), late.back().end());
  }
  Send(all_late, SIGKILL);
  AwaitExit(all_late, absl::Now() + kKillWait);

  for (size_t i = 0; i < found.size(); ++i) {
    Leftovers& l = found[i].leftovers;
    l.stopped = true;
    for (const Signalled& t : late[i]) {
      if (!Exited(t)) l.still_running.push_back(t.process.pid);
    }
    // Kept while something of it runs, so the next fops tries again.
    if (l.still_running.empty()) std::filesystem::remove(l.record, ec);
    report.found.push_back(std::move(l));
  }
  CloseAll(targets);
  CloseAll(all_late);
  tidy_directory();
  return report;
}

}  // namespace fops
