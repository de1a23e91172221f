// ProcessExecutor: real processes, each in its own process group, watched
// with one poll(2) over their output pipes, their pidfds and a wake-up
// eventfd. No SIGCHLD handler (it would steal children from an embedding
// program) and no ticking: poll sleeps until output, an exit, Interrupt()
// or the nearest deadline (a command's timeout, a SIGKILL escalation, the
// caller's deadline).
//
// Stopping a command (Stop, timeout, Abort) is a small state machine:
// SIGTERM to the group, SIGKILL to the group at `kill_grace`, and the
// command is reported only when its leader is reaped and no live member of
// its group (or, with `subreaper`, no descendant carrying its tag) is left.
// Members other than the leader are found by scanning /proc and watched
// through their own pidfds, so that wait also sleeps in poll.
//
// A string command of plain words is spawned without its `sh -c` (see
// fops/exec/direct_exec.h), with what the shell would have done around it
// done here: the environment as dash passes it on (PWD set, names that are
// not identifiers dropped), the shell itself when the spawn fails (so its
// message and 127/126 are the user's), and the shell's report of a death
// by signal (exit 128+N and its message on stderr).
#include "fops/exec/process_executor.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fops/base/atomic_file.h"
#include "fops/base/flag_value.h"
#include "fops/base/proc_stat.h"
#include "absl/strings/string_view.h"
#include "fops/base/redact.h"
#include "fops/exec/direct_exec.h"
#include "fops/exec/process_ledger.h"
#include "fops/exec/wakeup.h"

extern char** environ;

namespace fops {
namespace {

// Environment variable that marks every process a subreaper executor
// starts, inherited by their descendants: "<executor>:<command id>",
// comma-joined after any tag inherited from an outer fops. It is how a
// daemon that left its process group is still recognised as ours.
constexpr char kTagVariable[] = "FOPS_EXEC_TAG";

// Set to 0 (or false, no, off) in the environment of the process or of one
// command: string commands keep their `sh -c`.
constexpr char kDirectExecVariable[] = "FOPS_DIRECT_EXEC";

// A shell variable name: what dash imports from its environment (and so
// passes on); other entries (`A-B=1`, bash's `BASH_FUNC_f%%=...`) it drops.
bool IsShellName(absl::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

absl::string_view EntryName(const char* entry) {
  absl::string_view kv(entry);
  return kv.substr(0, kv.find('='));
}

// Without pidfds (kernels before 5.3) exits are noticed by this tick.
constexpr absl::Duration kFallbackTick = absl::Milliseconds(10);

// Bytes read from one pipe per poll round before the others get a turn.
constexpr size_t kReadBudget = 256 * 1024;

// Bytes waiting in a pipe now: what a final drain takes, and no more (a
// leftover process may keep writing).
size_t Pending(int fd) {
  int available = 0;
  if (fd < 0 || ::ioctl(fd, FIONREAD, &available) != 0 || available < 0) return 0;
  return static_cast<size_t>(available);
}

int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// True when /proc/<pid>/environ has kTagVariable with an entry equal to
// `tag`, or starting with `tag` when `prefix` is set. Processes of other
// users are unreadable and so never ours.
bool HasTag(pid_t pid, const std::string& tag, bool prefix) {
  for (const std::string& entries : ReadEnvironValues(pid, kTagVariable)) {
    for (absl::string_view value : absl::StrSplit(entries, ',')) {
      if (prefix ? absl::StartsWith(value, tag) : value == tag) return true;
    }
  }
  return false;
}

// Splits a byte stream into lines; pieces of `max` bytes when no newline
// comes. A "\r\n" ending counts as "\n".
class LineSplitter {
 public:
  template <typename Emit>
  void Append(absl::string_view data, size_t max, Emit emit) {
    if (buffer_.empty()) {
      // Lines are cut straight from the read buffer; only an unfinished
      // last line is copied.
      size_t used = EmitLines(data, max, emit);
      buffer_.assign(data.data() + used, data.size() - used);
      return;
    }
    buffer_.append(data.data(), data.size());
    size_t used = EmitLines(buffer_, max, emit);
    buffer_.erase(0, used);
  }

  // Delivers a last line that had no newline.
  template <typename Emit>
  void Flush(Emit emit) {
    if (!buffer_.empty()) emit(absl::string_view(buffer_));
    buffer_.clear();
  }

 private:
  // Emits every complete line of `text`, then pieces of `max` bytes of the
  // rest while that is at least `max` long; returns the bytes consumed.
  template <typename Emit>
  static size_t EmitLines(absl::string_view text, size_t max, Emit emit) {
    size_t start = 0;
    while (true) {
      size_t newline = text.find('\n', start);
      if (newline == absl::string_view::npos) break;
      size_t end = newline;
      if (end > start && text[end - 1] == '\r') --end;
      EmitPieces(text.substr(start, end - start), max, emit);
      start = newline + 1;
    }
    while (text.size() - start >= max) {
      emit(text.substr(start, max));
      start += max;
    }
    return start;
  }

  template <typename Emit>
  static void EmitPieces(absl::string_view line, size_t max, Emit emit) {
    do {
      emit(line.substr(0, max));
      line.remove_prefix(std::min(max, line.size()));
    } while (!line.empty());
  }

  std::string buffer_;
};

// A process other than a command's leader that must be gone before the
// command is reported: a member of its group or a tagged descendant.
struct Member {
  pid_t pid = 0;
  int pidfd = -1;  // -1 once it is dead (or without pidfd support)
  bool dead = false;
};

// Process-wide: PR_SET_CHILD_SUBREAPER is one flag per process, shared by
// every executor that asks for it.
std::mutex subreaper_mu;
int subreaper_users = 0;
bool subreaper_was_set = false;

void AcquireSubreaper() {
  std::lock_guard<std::mutex> lock(subreaper_mu);
  if (subreaper_users++ == 0) {
    int current = 0;
    ::prctl(PR_GET_CHILD_SUBREAPER, &current, 0, 0, 0);
    subreaper_was_set = current != 0;
    if (!subreaper_was_set) ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  }
}

void ReleaseSubreaper() {
  std::lock_guard<std::mutex> lock(subreaper_mu);
  if (--subreaper_users == 0 && !subreaper_was_set) ::prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
}

std::atomic<uint64_t> next_executor_serial{1};

}  // namespace

class ProcessExecutor::Impl {
 public:
  explicit Impl(ProcessExecutorOptions options)
      : options_(std::move(options)),
        created_ticks_(BootTicksFloor()),
        // The creation time makes the tag unique even after the kernel
        // gives this pid to another fops: a record of a dead one must not
        // name the daemons of a live one.
        executor_tag_(absl::StrCat(::getpid(), "-", next_executor_serial.fetch_add(1), "-",
                                   created_ticks_)) {
    if (options_.max_line_bytes == 0) options_.max_line_bytes = 1;
    if (const char* value = std::getenv(kDirectExecVariable); value != nullptr && ParseFlag(value) == false) {
      options_.direct_exec = false;
    }
    if (options_.subreaper) AcquireSubreaper();
    if (!options_.process_record.empty()) {
      (void)RecordProcesses(options_.process_record, options_.record_owner,
                            options_.record_redactor);
    }
  }

  ~Impl() {
    Abort();
    ledger_.reset();  // everything it recorded is gone: so is the record
    if (options_.subreaper) ReleaseSubreaper();
  }

  absl::Status RecordProcesses(std::filesystem::path state_dir, std::string owner,
                               Redactor redactor) {
    if (ledger_ != nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("this executor records already, in ", ledger_->path().string()));
    }
    if (started_any_) {
      return absl::FailedPreconditionError(
          "processes must be recorded from the first command on: this executor has started some");
    }
    redactor_ = redactor.empty() ? Redactor::FromEnvironment() : std::move(redactor);
    ledger_ = std::make_unique<ProcessLedger>(
        std::move(state_dir),
        LedgerOwner{.owner = std::move(owner),
                    .tag = options_.subreaper ? executor_tag_ : "",
                    .started_ticks = created_ticks_});
    return absl::OkStatus();
  }
  std::filesystem::path process_record() const {
    return ledger_ != nullptr ? ledger_->path() : std::filesystem::path();
  }
  bool recording() const { return ledger_ != nullptr; }
  std::optional<bool> OwnsProcess(uint64_t id, pid_t pid) const;

  absl::Status Start(const CommandSpec& spec);
  std::optional<CommandResult> Wait(absl::Time deadline, OutputListener& listener);
  void Stop(uint64_t id);
  void Abort();
  void Interrupt() { wakeup_.Notify(); }
  size_t running() const { return children_.size(); }

 private:
  struct Child {
    uint64_t id = 0;
    pid_t pid = 0;    // the leader; 0 for the entries Abort() adds
    pid_t group = 0;  // its process group; 0 when it has none
    std::string hunt_tag;      // descendants carrying this tag are members too
    bool hunt_prefix = false;  // hunt_tag matches as a prefix
    uint64_t born_after = 0;   // boot ticks before it started: older ones are not its own
    int pidfd = -1;
    int out_fd = -1;
    int err_fd = -1;
    LineSplitter out_lines;
    LineSplitter err_lines;
    absl::Time started;
    absl::Time timeout_at = absl::InfiniteFuture();
    absl::Time kill_at = absl::InfiniteFuture();  // SIGKILL escalation, once terminating
    std::optional<ExitKind> forced;               // kTimedOut / kStopped once terminating
    bool killed = false;                          // SIGKILL sent
    bool group_signalled = false;                 // SIGTERM went to the whole group
    bool reaped = false;
    int wait_status = 0;
    bool status_lost = false;  // reaped by someone else: reported as SIGKILL
    bool direct = false;       // a string command spawned without its shell
    bool silent = false;  // added by Abort() to kill leftovers: never reported
    std::vector<Member> members;
  };

  std::string CommandTag(uint64_t id) const { return absl::StrCat(executor_tag_, ":", id); }
  bool IsLeader(pid_t pid) const {
    return std::any_of(children_.begin(), children_.end(),
                       [pid](const auto& c) { return c->pid == pid; });
  }
  bool MayHaveAdoptedOrphans() const;

  // The environment of one command: entries of the process environment
  // (pointed to, not copied) and the ones built for it.
  struct Environment {
    std::vector<std::string> built;  // spec.env and the tag; envp points into it
    std::vector<char*> envp;         // null-terminated
    bool has_path = false;           // PATH is set (inherited or from spec.env)
  };
  // Where poll's answers go, parallel to poll_fds_.
  enum class What { kWakeup, kStdout, kStderr, kLeader, kMember };
  struct Source {
    What what;
    Child* child;
    size_t member;
  };

  void BuildEnvironment(const CommandSpec& spec, Environment& env) const;
  std::optional<std::vector<std::string>> DirectCommand(const CommandSpec& spec) const;
  void SignalGroup(Child& child, int sig);
  void Terminate(Child& child, absl::Time now);
  void Escalate(absl::Time now);
  void AddMembers(Child& child);
  bool Settled(Child& child);
  bool Pump(absl::Time until, OutputListener* listener, bool watch_wakeup);
  void ReadPipe(Child& child, Stream stream, OutputListener* listener, size_t budget);
  void ReapLeader(Child& child);
  void ReapMember(Member& member);
  CommandResult Finish(Child& child, OutputListener* listener, absl::Time now);
  void Deliver(Child& child, Stream stream, absl::string_view line, OutputListener* listener);

  // What OwnsProcess() needs of a running command, readable from any
  // thread.
  struct Owner {
    pid_t leader = 0;
    pid_t group = 0;
    uint64_t born_after = 0;
    std::string tag;  // "" without subreaper
  };

  void Unrecord(Child& child, bool lingering);

  ProcessExecutorOptions options_;
  uint64_t created_ticks_;  // nothing it tagged can be older
  std::string executor_tag_;
  std::unique_ptr<ProcessLedger> ledger_;  // null: no record
  Redactor redactor_;                      // for commands shown in the record
  bool started_any_ = false;
  mutable std::mutex owners_mu_;
  absl::flat_hash_map<uint64_t, Owner> owners_;  // guarded by owners_mu_
  Wakeup wakeup_;
  std::vector<std::unique_ptr<Child>> children_;  // start order
  std::vector<pid_t> lingering_;  // groups left behind by commands that exited
  bool pidfd_supported_ = true;
  std::vector<pollfd> poll_fds_;  // kept between Pumps: no allocation per round
  std::vector<Source> poll_sources_;
};

namespace {

// dash's own variables, in the order it creates them at start-up.
constexpr std::array<absl::string_view, 11> kDashVariables = {
    "IFS", "MAIL", "MAILPATH", "PATH", "PS1", "PS2", "PS4", "OPTIND", "LINENO", "TERM", "HISTSIZE"};

// Where dash lists an exported variable: its table has 39 buckets chosen
// by this hash of the name; in a bucket, its own variables come first (in
// kDashVariables order), then the others in the order they arrived.
uint32_t DashOrder(absl::string_view name, size_t arrival) {
  uint32_t hash = static_cast<uint32_t>(static_cast<unsigned char>(name[0])) << 4;
  for (char c : name) hash += static_cast<unsigned char>(c);
  auto own = std::find(kDashVariables.begin(), kDashVariables.end(), name);
  uint32_t rank = own != kDashVariables.end()
                      ? static_cast<uint32_t>(own - kDashVariables.begin())
                      : static_cast<uint32_t>(kDashVariables.size() + arrival);
  return (hash % 39) << 24 | rank;
}

// The environment `sh -c` would give a program it runs, from the one it
// gets (`envp`, null-terminated), in the order dash would list it: dash
// imports only entries named like shell variables (the last of duplicates
// wins) and sets PWD, keeping an inherited absolute PWD that names the
// working directory (`cwd`, already stat()ed) and using the physical path
// otherwise. False when only the shell knows: the physical path cannot be
// found, or the environment holds a variable dash resets (PPID, OPTIND,
// IFS).
bool ShellEnvironment(const std::vector<char*>& envp, const char* dir, const struct stat& cwd,
                      std::string& pwd_entry, std::vector<char*>& out) {
  std::vector<std::pair<absl::string_view, char*>> vars;  // first-arrival order
  vars.reserve(envp.size() + 1);
  absl::flat_hash_map<absl::string_view, size_t> index;
  index.reserve(envp.size());
  for (char* entry : envp) {
    if (entry == nullptr || std::strchr(entry, '=') == nullptr) continue;
    absl::string_view name = EntryName(entry);
    if (!IsShellName(name)) continue;
    if (name == "PPID" || name == "OPTIND" || name == "IFS") return false;
    auto [it, added] = index.emplace(name, vars.size());
    if (added) {
      vars.emplace_back(name, entry);
    } else {
      vars[it->second].second = entry;
    }
  }
  auto pwd = index.find("PWD");
  bool keep_pwd = false;
  if (pwd != index.end()) {
    const char* value = vars[pwd->second].second + 4;
    struct stat named;
    keep_pwd = value[0] == '/' && ::stat(value, &named) == 0 && named.st_dev == cwd.st_dev &&
               named.st_ino == cwd.st_ino;
  }
  if (!keep_pwd) {
    char physical[PATH_MAX];
    if (::realpath(dir, physical) == nullptr) return false;
    pwd_entry = absl::StrCat("PWD=", physical);
    if (pwd != index.end()) {
      vars[pwd->second].second = pwd_entry.data();
    } else {
      vars.emplace_back("PWD", pwd_entry.data());
    }
  }
  std::vector<std::pair<uint32_t, char*>> ordered;
  ordered.reserve(vars.size());
  for (size_t i = 0; i < vars.size(); ++i) {
    ordered.emplace_back(DashOrder(vars[i].first, i), vars[i].second);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out.clear();
  out.reserve(ordered.size() + 1);
  for (const auto& [order, entry] : ordered) out.push_back(entry);
  out.push_back(nullptr);
  return true;
}

}  // namespace

void ProcessExecutor::Impl::BuildEnvironment(const CommandSpec& spec, Environment& env) const {
  absl::string_view inherited_tag;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    absl::string_view name = EntryName(*entry);
    if (name == kTagVariable) {
      inherited_tag = absl::string_view(*entry).substr(name.size() + 1);
      continue;
    }
    if (!spec.env.empty() && spec.env.count(std::string(name)) != 0) continue;
    if (name == "PATH") env.has_path = true;
    env.envp.push_back(*entry);
  }
  env.built.reserve(spec.env.size() + 1);
  for (const auto& [name, value] : spec.env) {
    env.built.push_back(absl::StrCat(name, "=", value));
    if (name == "PATH") env.has_path = true;
  }
  if (options_.subreaper) {
    env.built.push_back(absl::StrCat(kTagVariable, "=", inherited_tag,
                                     inherited_tag.empty() ? "" : ",", CommandTag(spec.id)));
  } else if (!inherited_tag.empty()) {
    env.built.push_back(absl::StrCat(kTagVariable, "=", inherited_tag));
  }
  // Pointers into `built` only now that it no longer grows.
  for (std::string& entry : env.built) env.envp.push_back(entry.data());
  env.envp.push_back(nullptr);
}

// The argv to spawn in place of `sh -c SCRIPT`, when that is the same.
// A PATH set for the command keeps the shell: the shell searches the
// command's PATH, posix_spawnp the one of this process.
std::optional<std::vector<std::string>> ProcessExecutor::Impl::DirectCommand(
    const CommandSpec& spec) const {
  if (!options_.direct_exec || spec.argv.size() != 3 || spec.argv[0] != "sh" ||
      spec.argv[1] != "-c" || spec.env.count("PATH") != 0) {
    return std::nullopt;
  }
  auto off = spec.env.find(kDirectExecVariable);
  if (off != spec.env.end() && ParseFlag(off->second) == false) return std::nullopt;
  return DirectArgv(spec.argv[2]);
}

absl::Status ProcessExecutor::Impl::Start(const CommandSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return absl::InvalidArgumentError("empty command: argv has no program");
  }
  for (const auto& child : children_) {
    if (child->id == spec.id) {
      return absl::InvalidArgumentError(absl::StrCat("command id ", spec.id, " is already running"));
    }
  }
  // The working directory is checked here because a failed chdir in the
  // child would come back as ENOENT and read as "command not found".
  const char* dir = spec.dir.empty() ? "." : spec.dir.c_str();
  std::optional<std::vector<std::string>> direct = DirectCommand(spec);
  struct stat dir_stat;
  if (!spec.dir.empty() || direct) {
    if (::stat(dir, &dir_stat) != 0) {
      if (spec.dir.empty()) {
        direct.reset();  // our own directory is gone; let the shell deal with it
      } else {
        return absl::NotFoundError(absl::StrCat("working directory does not exist: ", spec.dir));
      }
    } else if (!S_ISDIR(dir_stat.st_mode)) {
      return absl::InvalidArgumentError(
          absl::StrCat("working directory is not a directory: ", spec.dir));
    }
  }

  Environment env;
  BuildEnvironment(spec, env);
  // posix_spawnp searches the PATH of this process; without one its
  // default differs from the shell's.
  if (direct && !env.has_path) direct.reset();
  std::string pwd_entry;
  std::vector<char*> direct_envp;
  if (direct && !ShellEnvironment(env.envp, dir, dir_stat, pwd_entry, direct_envp)) direct.reset();

  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(err)));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  // Descriptors the embedding program left inheritable (a Python socket,
  // a listening port) must not leak into commands and outlive us there.
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  if (!spec.dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.dir.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t no_signals;
  sigset_t all_signals;
  sigemptyset(&no_signals);
  sigfillset(&all_signals);
  // Own process group, so one kill(-pgid) reaches everything it forks; and
  // default signal handling, since the parent (Python ignores SIGPIPE) may
  // have left signals ignored or blocked, which exec would keep.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  posix_spawnattr_setsigdefault(&attr, &all_signals);

  auto spawn = [&](const std::vector<std::string>& args, char* const* envp, pid_t& pid) {
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    return ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp);
  };
  absl::Time started = absl::Now();
  uint64_t started_ticks = BootTicksFloor();
  pid_t pid = 0;
  int rc = -1;
  // A direct spawn that fails (not found, not executable, no #! line)
  // leaves nothing behind; the shell then meets the same failure and
  // reports it in its own words and exit code, as without this shortcut.
  if (direct) rc = spawn(*direct, direct_envp.data(), pid);
  const bool ran_direct = rc == 0;
  if (!ran_direct) rc = spawn(spec.argv, env.envp.data(), pid);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    if (rc == ENOENT) return absl::NotFoundError(absl::StrCat("command not found: ", spec.argv[0]));
    if (rc == EACCES) {
      return absl::PermissionDeniedError(absl::StrCat("not executable: ", spec.argv[0]));
    }
    return absl::InternalError(absl::StrCat("starting ", spec.argv[0], ": ", std::strerror(rc)));
  }

  auto child = std::make_unique<Child>();
  child->id = spec.id;
  child->pid = pid;
  child->group = pid;
  child->born_after = started_ticks;
  child->direct = ran_direct;
  if (options_.subreaper) child->hunt_tag = CommandTag(spec.id);
  child->out_fd = out_pipe[0];
  child->err_fd = err_pipe[0];
  ::fcntl(child->out_fd, F_SETFL, O_NONBLOCK);
  ::fcntl(child->err_fd, F_SETFL, O_NONBLOCK);
  child->started = started;
  if (spec.timeout > absl::ZeroDuration()) child->timeout_at = started + spec.timeout;
  if (pidfd_supported_) {
    // The child is ours and unreaped, so even if it already exited its pid
    // still names it here.
    child->pidfd = PidfdOpen(pid);
    if (child->pidfd < 0 && errno == ENOSYS) pidfd_supported_ = false;
  }
  started_any_ = true;
  if (ledger_ != nullptr) {
    // It started between the two clock reads around the spawn; rounding
    // aside (BootTicksFloor is one tick early), no later than floor + 2.
    const RecordedProcess leader{
        .pid = pid, .start_ticks = started_ticks, .start_ticks_max = BootTicksFloor() + 2};
    Redactor redactor = redactor_;
    for (const auto& [name, value] : spec.env) {
      if (Redactor::IsSecretName(name)) redactor.AddSecret(value);
    }
    absl::Status recorded = ledger_->Add(RecordedGroup{
        .id = spec.id,
        .pgid = pid,
        .resource = spec.resource,
        .command = ProcessLedger::ShowCommand(spec.argv, redactor),
        .started_ticks = started_ticks,
        .processes = {leader}});
    if (!recorded.ok()) {
      // A process nobody could find after a crash of this one is what the
      // record prevents: it does not run unrecorded. Its group is a few
      // microseconds old; SIGKILL ends it before it did anything.
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      CloseFd(child->pidfd);
      CloseFd(child->out_fd);
      CloseFd(child->err_fd);
      return recorded;
    }
  }
  {
    std::lock_guard<std::mutex> lock(owners_mu_);
    owners_[spec.id] = Owner{.leader = pid,
                             .group = pid,
                             .born_after = started_ticks,
                             .tag = options_.subreaper ? CommandTag(spec.id) : ""};
  }
  children_.push_back(std::move(child));
  return absl::OkStatus();
}

void ProcessExecutor::Impl::SignalGroup(Child& child, int sig) {
  // While the leader is unreaped its pid, and so the group id, cannot be
  // reused: kill(-pgid) is safe. After that, members are signalled one by
  // one through their pidfds, which a recycled pid can never redirect.
  if (child.group > 0 && !child.reaped) ::kill(-child.group, sig);
  for (Member& m : child.members) {
    if (m.dead) continue;
    if (m.pidfd >= 0) {
      ::syscall(SYS_pidfd_send_signal, m.pidfd, sig, nullptr, 0);
    } else {
      ::kill(m.pid, sig);
    }
  }
}

void ProcessExecutor::Impl::Terminate(Child& child, absl::Time now) {
  if (child.kill_at != absl::InfiniteFuture() || child.killed) return;  // already terminating
  child.kill_at = now + options_.kill_grace;
  if (child.group > 0 && !child.reaped) {
    ::kill(-child.group, SIGTERM);
    child.group_signalled = true;
  }
  // With a live leader the group signal reaches its members and they are
  // looked for once it is gone; tagged descendants elsewhere, and members
  // of a group whose leader is gone, must be found (and signalled) now.
  if (!child.hunt_tag.empty() || child.reaped) AddMembers(child);
}

// Adds the live processes that belong to `child` and are not known yet:
// members of its group other than the leader, descendants of its live
// leader wherever they went (a `setsid` child), and, with the subreaper
// option, orphans we adopted that carry its tag, with their descendants.
// Only processes started after the command can be its own: that filter
// also keeps a recycled group id from pulling in a stranger. Environments
// (costly to read: the read waits on a busy process's memory lock) are
// read only for our own direct children, since with the subreaper every
// orphan of ours is re-parented to us.
void ProcessExecutor::Impl::AddMembers(Child& child) {
  const pid_t self = ::getpid();
  const absl::flat_hash_map<pid_t, ProcStat> procs = ScanProcesses();
  absl::flat_hash_set<pid_t> roots;
  if (child.pid > 0 && !child.reaped) roots.insert(child.pid);
  if (!child.hunt_tag.empty()) {
    for (const auto& [pid, stat] : procs) {
      if (stat.ppid == self && stat.start_ticks >= child.born_after && !IsLeader(pid) &&
          HasTag(pid, child.hunt_tag, child.hunt_prefix)) {
        roots.insert(pid);
      }
    }
  }
  auto in_tree = [&](pid_t pid) {
    // Up the parent chain; bounded, since a chain read from a changing
    // /proc could in principle loop.
    for (int depth = 0; depth < 128 && pid > 1 && pid != self; ++depth) {
      if (roots.contains(pid)) return true;
      auto it = procs.find(pid);
      if (it == procs.end()) return false;
      pid = it->second.ppid;
    }
    return false;
  };
  for (const auto& [pid, stat] : procs) {
    if (pid == child.pid || pid == self || stat.start_ticks < child.born_after) continue;
    bool mine = (child.group > 0 && stat.pgrp == child.group) || in_tree(pid);
    if (!mine) continue;
    bool known = std::any_of(child.members.begin(), child.members.end(),
                             [pid = pid](const Member& m) { return m.pid == pid; });
    if (known) continue;
    if (child.silent && IsLeader(pid)) continue;  // its own entry stops it
    Member member{.pid = pid};
    if (pidfd_supported_) member.pidfd = PidfdOpen(pid);
    if (member.pidfd < 0 && pidfd_supported_ && errno == ESRCH) continue;  // gone meanwhile
    child.members.push_back(member);
    // A process found while its command is being stopped gets the signal
    // it missed: SIGKILL once that went out; SIGTERM (and so the grace)
    // unless the group signal already reached it.
    int sig = 0;
    if (child.killed) {
      sig = SIGKILL;
    } else if (child.forced && !(child.group_signalled && stat.pgrp == child.group)) {
      sig = SIGTERM;
    }
    if (sig != 0) {
      if (member.pidfd >= 0) {
        ::syscall(SYS_pidfd_send_signal, member.pidfd, sig, nullptr, 0);
      } else {
        ::kill(pid, sig);
      }
    }
  }
}

// True once nothing of a terminating command is left alive. When every
// watched member has died, /proc is scanned again for members forked
// meanwhile; the scan happens only after a death, never in a loop.
bool ProcessExecutor::Impl::Settled(Child& child) {
  if (!child.reaped) return false;
  if (!child.forced) return true;
  for (Member& m : child.members) {
    if (m.dead) continue;
    if (m.pidfd >= 0) return false;
    // Without a pidfd: check directly (fallback tick mode).
    std::optional<ProcStat> stat = ReadProcStat(m.pid);
    if (stat && !IsDeadState(stat->state)) return false;
    m.dead = true;
  }
  size_t before = child.members.size();
  AddMembers(child);
  return child.members.size() == before;
}

void ProcessExecutor::Impl::Escalate(absl::Time now) {
  for (auto& child : children_) {
    if (child->reaped && !child->forced) continue;
    if (!child->forced && now >= child->timeout_at) {
      child->forced = ExitKind::kTimedOut;
      Terminate(*child, now);
    }
    if (!child->killed && now >= child->kill_at) {
      AddMembers(*child);
      SignalGroup(*child, SIGKILL);
      child->killed = true;
      child->kill_at = absl::InfiniteFuture();
    }
  }
}

void ProcessExecutor::Impl::Deliver(Child& child, Stream stream, absl::string_view line,
                                    OutputListener* listener) {
  if (listener != nullptr && !child.silent) {
    listener->OnLine(child.id, stream, std::string_view(line.data(), line.size()));
  }
}

// Reads at most `budget` bytes, so one chatty process cannot starve the
// others in a Pump, nor keep a final drain going forever.
void ProcessExecutor::Impl::ReadPipe(Child& child, Stream stream, OutputListener* listener,
                                     size_t budget) {
  int& fd = stream == Stream::kStdout ? child.out_fd : child.err_fd;
  LineSplitter& lines = stream == Stream::kStdout ? child.out_lines : child.err_lines;
  auto emit = [&](absl::string_view line) { Deliver(child, stream, line, listener); };
  char buf[16384];
  while (fd >= 0 && budget > 0) {
    ssize_t n = ::read(fd, buf, std::min(sizeof buf, budget));
    if (n > 0) {
      lines.Append(absl::string_view(buf, static_cast<size_t>(n)), options_.max_line_bytes, emit);
      budget -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    // EOF (or a read error): nothing more will come on this stream. A
    // direct command's unfinished last line waits for Finish: the shell
    // would have held the pipe open until then, and may still append its
    // report of a death by signal to that line.
    if (!child.direct) lines.Flush(emit);
    CloseFd(fd);
  }
}

void ProcessExecutor::Impl::ReapLeader(Child& child) {
  if (child.reaped) return;
  int status = 0;
  pid_t got = ::waitpid(child.pid, &status, WNOHANG);
  if (got == child.pid) {
    child.reaped = true;
    child.wait_status = status;
    CloseFd(child.pidfd);
  } else if (got < 0 && errno == ECHILD) {
    // Reaped behind our back (an embedding program's waitpid(-1)): the
    // exit status is lost; report it as killed so nobody takes it for a pass.
    child.reaped = true;
    child.wait_status = SIGKILL;
    child.status_lost = true;
    CloseFd(child.pidfd);
  }
}

void ProcessExecutor::Impl::ReapMember(Member& member) {
  // A member is our child only when we adopted it as subreaper; reap it
  // then, through its pidfd so a recycled pid can never be hit.
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  ::waitid(P_PIDFD, static_cast<id_t>(member.pidfd), &info, WEXITED | WNOHANG);
  CloseFd(member.pidfd);
  member.dead = true;
}

// One poll over every descriptor we watch, sleeping until `until` or the
// nearest escalation. True when Interrupt() woke it.
bool ProcessExecutor::Impl::Pump(absl::Time until, OutputListener* listener, bool watch_wakeup) {
  std::vector<pollfd>& fds = poll_fds_;
  std::vector<Source>& sources = poll_sources_;
  fds.clear();
  sources.clear();
  auto watch = [&](int fd, What what, Child* child, size_t member) {
    fds.push_back(pollfd{fd, POLLIN, 0});
    sources.push_back(Source{what, child, member});
  };
  if (watch_wakeup) watch(wakeup_.fd(), What::kWakeup, nullptr, 0);
  bool tick = false;
  absl::Time next = until;
  for (auto& c : children_) {
    if (c->out_fd >= 0) watch(c->out_fd, What::kStdout, c.get(), 0);
    if (c->err_fd >= 0) watch(c->err_fd, What::kStderr, c.get(), 0);
    if (!c->reaped) {
      if (c->pidfd >= 0) {
        watch(c->pidfd, What::kLeader, c.get(), 0);
      } else {
        tick = true;
      }
    }
    for (size_t i = 0; i < c->members.size(); ++i) {
      const Member& m = c->members[i];
      if (m.dead) continue;
      if (m.pidfd >= 0) {
        watch(m.pidfd, What::kMember, c.get(), i);
      } else {
        tick = true;
      }
    }
    if (!c->forced) next = std::min(next, c->timeout_at);
    next = std::min(next, c->kill_at);
  }
  absl::Time now = absl::Now();
  if (tick) next = std::min(next, now + kFallbackTick);
  int timeout_ms = -1;
  if (next != absl::InfiniteFuture()) {
    absl::Duration left = std::clamp(next - now, absl::ZeroDuration(), absl::Hours(1));
    timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
  }
  int n = ::poll(fds.data(), fds.size(), timeout_ms);
  if (n < 0) return false;  // EINTR: the caller loops and re-checks
  bool woken = false;
  for (size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].revents == 0) continue;
    const Source& s = sources[i];
    switch (s.what) {
      case What::kWakeup:
        wakeup_.Consume();
        woken = true;
        break;
      case What::kStdout:
        ReadPipe(*s.child, Stream::kStdout, listener, kReadBudget);
        break;
      case What::kStderr:
        ReadPipe(*s.child, Stream::kStderr, listener, kReadBudget);
        break;
      case What::kLeader:
        ReapLeader(*s.child);
        break;
      case What::kMember:
        ReapMember(s.child->members[s.member]);
        break;
    }
  }
  if (tick) {
    for (auto& c : children_) ReapLeader(*c);
  }
  return woken;
}

CommandResult ProcessExecutor::Impl::Finish(Child& child, OutputListener* listener,
                                            absl::Time now) {
  // Everything the leader wrote before it died is in the pipes now; take
  // it, then let go of the pipes even if a leftover process still holds
  // the other end (it would otherwise keep the command open forever).
  ReadPipe(child, Stream::kStdout, listener, Pending(child.out_fd));
  ReadPipe(child, Stream::kStderr, listener, Pending(child.err_fd));
  auto emit_out = [&](absl::string_view line) { Deliver(child, Stream::kStdout, line, listener); };
  auto emit_err = [&](absl::string_view line) { Deliver(child, Stream::kStderr, line, listener); };
  // A command spawned without its shell and killed by a signal nobody here
  // sent is reported as the shell reports it: its message after the
  // command's own stderr (on the same line if that did not end in a
  // newline, as the shell's write would be), and exit 128+N below.
  const bool shell_report = child.direct && !child.forced && !child.status_lost &&
                            WIFSIGNALED(child.wait_status);
  if (shell_report) {
    std::string message =
        ShellSignalMessage(WTERMSIG(child.wait_status), WCOREDUMP(child.wait_status));
    if (!message.empty()) {
      message += '\n';
      child.err_lines.Append(message, options_.max_line_bytes, emit_err);
    }
  }
  child.out_lines.Flush(emit_out);
  child.err_lines.Flush(emit_err);
  CloseFd(child.out_fd);
  CloseFd(child.err_fd);
  CloseFd(child.pidfd);
  for (Member& m : child.members) CloseFd(m.pidfd);

  if (options_.subreaper && child.group > 0) {
    // Adopted members of the group that died are our zombies now.
    while (::waitpid(-child.group, nullptr, WNOHANG) > 0) {
    }
  }
  bool lingering = false;
  if (!child.forced && child.group > 0 && ::kill(-child.group, 0) == 0) {
    // The command is done but left processes in its group (`server &`):
    // they may run for the session and are stopped by Abort().
    lingering_.push_back(child.group);
    lingering = true;
  }
  Unrecord(child, lingering);

  CommandResult result;
  result.id = child.id;
  result.duration = now - child.started;
  if (child.forced) {
    result.kind = *child.forced;
  } else if (shell_report) {
    result.kind = ExitKind::kExited;
    result.exit_code = 128 + WTERMSIG(child.wait_status);
  } else if (WIFEXITED(child.wait_status)) {
    result.kind = ExitKind::kExited;
    result.exit_code = WEXITSTATUS(child.wait_status);
  } else if (WIFSIGNALED(child.wait_status)) {
    result.kind = ExitKind::kSignaled;
    result.signal = WTERMSIG(child.wait_status);
  } else {
    result.kind = ExitKind::kSignaled;
    result.signal = child.wait_status;
  }
  return result;
}

// The record follows the command's group: forgotten once nothing of it
// is left; kept, named by the members still in it, while it lingers. A
// failed write is not the command's failure: the record then names
// processes that are gone, which a later fops checks (pid and start time)
// before it touches anything.
void ProcessExecutor::Impl::Unrecord(Child& child, bool lingering) {
  if (!child.silent) {
    std::lock_guard<std::mutex> lock(owners_mu_);
    owners_.erase(child.id);
  }
  if (ledger_ == nullptr || child.group <= 0) return;
  if (!lingering) {
    (void)ledger_->Remove(child.group);
    return;
  }
  std::vector<RecordedProcess> left;
  for (const auto& [pid, stat] : ScanProcesses()) {
    if (stat.pgrp == child.group && stat.start_ticks >= child.born_after) {
      left.push_back(RecordedProcess{.pid = pid, .start_ticks = stat.start_ticks});
    }
  }
  std::sort(left.begin(), left.end(),
            [](const RecordedProcess& a, const RecordedProcess& b) { return a.pid < b.pid; });
  (void)ledger_->Update(child.group, std::move(left));
}

std::optional<bool> ProcessExecutor::Impl::OwnsProcess(uint64_t id, pid_t pid) const {
  Owner owner;
  {
    std::lock_guard<std::mutex> lock(owners_mu_);
    auto it = owners_.find(id);
    if (it == owners_.end()) return std::nullopt;
    owner = it->second;
  }
  std::optional<ProcStat> stat = ReadProcStat(pid);
  if (!stat || IsDeadState(stat->state) || stat->start_ticks < owner.born_after) return false;
  if (pid == owner.leader || (owner.group > 0 && stat->pgrp == owner.group)) return true;
  // Below its leader, wherever it went (a `setsid` child); bounded, since a
  // chain read from a changing /proc could in principle loop.
  pid_t up = stat->ppid;
  for (int depth = 0; depth < 128 && up > 1; ++depth) {
    if (up == owner.leader) return true;
    std::optional<ProcStat> parent = ReadProcStat(up);
    if (!parent) break;
    up = parent->ppid;
  }
  return !owner.tag.empty() && HasTag(pid, owner.tag, /*prefix=*/false);
}

std::optional<CommandResult> ProcessExecutor::Impl::Wait(absl::Time deadline,
                                                         OutputListener& listener) {
  bool polled = false;
  bool woken = false;
  while (true) {
    absl::Time now = absl::Now();
    Escalate(now);
    for (auto it = children_.begin(); it != children_.end(); ++it) {
      if (!Settled(**it)) continue;
      CommandResult result = Finish(**it, &listener, now);
      children_.erase(it);
      if (woken) wakeup_.Notify();  // keep the interrupt for the next Wait
      return result;
    }
    if (woken) return std::nullopt;
    if (polled && now >= deadline) return std::nullopt;
    woken = Pump(deadline, &listener, /*watch_wakeup=*/true);
    polled = true;
  }
}

void ProcessExecutor::Impl::Stop(uint64_t id) {
  for (auto& child : children_) {
    if (child->id != id || child->forced) continue;
    if (child->reaped) return;  // finished already; Wait reports how
    child->forced = ExitKind::kStopped;
    Terminate(*child, absl::Now());
    return;
  }
}

// Whether this process has a child that is not one of its commands: with
// the subreaper option every orphan of a command is re-parented to us, so
// when none is, the costly search of all of /proc for tagged daemons can
// be skipped. Reads each thread's children list (the kernel keeps them
// per thread); true when that is not readable, to stay on the safe side.
bool ProcessExecutor::Impl::MayHaveAdoptedOrphans() const {
  DIR* tasks = ::opendir("/proc/self/task");
  if (tasks == nullptr) return true;
  bool unknown = false;
  while (dirent* entry = ::readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    absl::StatusOr<std::string> children =
        ReadFile(absl::StrCat("/proc/self/task/", entry->d_name, "/children"));
    if (!children.ok()) {
      unknown = true;
      break;
    }
    for (absl::string_view word : absl::StrSplit(*children, ' ', absl::SkipEmpty())) {
      int pid = 0;
      if (absl::SimpleAtoi(word, &pid) && !IsLeader(pid)) unknown = true;
    }
    if (unknown) break;
  }
  ::closedir(tasks);
  return unknown;
}

void ProcessExecutor::Impl::Abort() {
  absl::Time now = absl::Now();
  for (auto& child : children_) {
    if (!child->forced) child->forced = ExitKind::kStopped;
    Terminate(*child, now);
  }
  auto add_silent = [&](pid_t group, std::string hunt_tag) {
    auto entry = std::make_unique<Child>();
    entry->group = group;
    entry->hunt_tag = std::move(hunt_tag);
    entry->hunt_prefix = true;
    entry->born_after = created_ticks_;
    entry->reaped = true;  // no leader of its own to wait for
    entry->silent = true;
    entry->forced = ExitKind::kStopped;
    Terminate(*entry, now);
    children_.push_back(std::move(entry));
  };
  // Groups that finished commands left behind (`server &`).
  for (pid_t group : lingering_) add_silent(group, "");
  lingering_.clear();
  // Daemons of any command that left their group: found by the tag.
  if (options_.subreaper && MayHaveAdoptedOrphans()) {
    add_silent(0, absl::StrCat(executor_tag_, ":"));
  }

  // Drive the same state machine until nothing is left; output is drained
  // (so nobody blocks on a full pipe while shutting down) and dropped.
  while (!children_.empty()) {
    now = absl::Now();
    Escalate(now);
    for (auto it = children_.begin(); it != children_.end();) {
      if (!Settled(**it)) {
        ++it;
        continue;
      }
      Finish(**it, nullptr, now);
      it = children_.erase(it);
    }
    if (!children_.empty()) Pump(absl::InfiniteFuture(), nullptr, /*watch_wakeup=*/false);
  }
}

ProcessExecutor::ProcessExecutor() : ProcessExecutor(ProcessExecutorOptions{}) {}
ProcessExecutor::ProcessExecutor(ProcessExecutorOptions options)
    : impl_(std::make_unique<Impl>(options)) {}
ProcessExecutor::~ProcessExecutor() = default;
absl::Status ProcessExecutor::Start(const CommandSpec& spec) { return impl_->Start(spec); }
std::optional<CommandResult> ProcessExecutor::Wait(absl::Time deadline, OutputListener& listener) {
  return impl_->Wait(deadline, listener);
}
void ProcessExecutor::Stop(uint64_t id) { impl_->Stop(id); }
void ProcessExecutor::Abort() { impl_->Abort(); }
void ProcessExecutor::Interrupt() { impl_->Interrupt(); }
size_t ProcessExecutor::running() const { return impl_->running(); }
std::optional<bool> ProcessExecutor::OwnsProcess(uint64_t id, pid_t pid) const {
  return impl_->OwnsProcess(id, pid);
}
absl::Status ProcessExecutor::RecordProcesses(std::filesystem::path state_dir, std::string owner,
                                              Redactor redactor) {
  return impl_->RecordProcesses(std::move(state_dir), std::move(owner), std::move(redactor));
}
std::filesystem::path ProcessExecutor::process_record() const { return impl_->process_record(); }
bool ProcessExecutor::recording() const { return impl_->recording(); }

}  // namespace fops
