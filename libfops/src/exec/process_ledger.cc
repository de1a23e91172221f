#include "fops/exec/process_ledger.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "fops/base/atomic_file.h"
#include "fops/base/errno_text.h"
#include "fops/base/proc_stat.h"
#include "fops/base/shell_quote.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"
#include "nlohmann/json.hpp"

namespace fops {
namespace {

constexpr char kDirectory[] = "processes";
constexpr char kExtension[] = ".jsonl";
constexpr size_t kShownCommandBytes = 120;
constexpr int kVersion = 1;

// Numbers the ledgers of one process, so two executors never share a file.
std::atomic<uint64_t> next_ledger{1};

nlohmann::json ProcessesToJson(const std::vector<RecordedProcess>& processes) {
  nlohmann::json list = nlohmann::json::array();
  for (const RecordedProcess& p : processes) {
    nlohmann::json one = {{"pid", p.pid}, {"start_ticks", p.start_ticks}};
    if (p.start_ticks_max != 0) one["start_ticks_max"] = p.start_ticks_max;
    list.push_back(std::move(one));
  }
  return list;
}

std::vector<RecordedProcess> ProcessesFromJson(const nlohmann::json& list) {
  std::vector<RecordedProcess> processes;
  for (const nlohmann::json& p : list) {
    processes.push_back(RecordedProcess{.pid = p.at("pid").get<pid_t>(),
                                        .start_ticks = p.at("start_ticks").get<uint64_t>(),
                                        .start_ticks_max = p.value("start_ticks_max", uint64_t{0})});
  }
  return processes;
}

// One journal line. A command cut inside a multi-byte character must not
// make the record unwritable.
std::string Line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string HeaderLine(const LedgerRecord& record) {
  return Line({
      {"version", kVersion},
      {"owner",
       {{"pid", record.owner.pid},
        {"start_ticks", record.owner.start_ticks},
        {"command", record.owner_command}}},
      {"tag", record.tag},
      {"started_ticks", record.started_ticks},
  });
}

std::string AddLine(const RecordedGroup& g) {
  return Line({{"add",
                {{"id", g.id},
                 {"pgid", g.pgid},
                 {"resource", g.resource},
                 {"command", g.command},
                 {"started_ticks", g.started_ticks},
                 {"processes", ProcessesToJson(g.processes)}}}});
}

// Writes all of `data`: one write(2) for a line, which a regular file
// takes whole, so a writer killed at any moment leaves whole lines.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string Cut(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t keep = max - 3;
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  text.resize(keep);
  return text + "...";
}

}  // namespace

ProcessLedger::ProcessLedger(std::filesystem::path state_dir, LedgerOwner owner) {
  const pid_t self = ::getpid();
  std::optional<ProcStat> stat = ReadProcStat(self);
  record_.owner = RecordedProcess{.pid = self, .start_ticks = stat ? stat->start_ticks : 0};
  record_.owner_command = std::move(owner.owner);
  record_.tag = std::move(owner.tag);
  record_.started_ticks = owner.started_ticks;
  path_ = Directory(state_dir) / absl::StrCat(self, "-", record_.owner.start_ticks, "-",
                                              next_ledger.fetch_add(1), kExtension);
}

ProcessLedger::~ProcessLedger() {
  if (fd_ >= 0) ::close(fd_);
  if (!written_) return;
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  // The directory goes too once empty (rmdir refuses otherwise), so a
  // clean exit leaves the state directory as it found it.
  ::rmdir(path_.parent_path().c_str());
}

absl::Status ProcessLedger::Add(RecordedGroup group) {
  record_.groups.push_back(std::move(group));
  absl::Status written = Append(AddLine(record_.groups.back()));
  if (!written.ok()) record_.groups.pop_back();
  return written;
}

absl::Status ProcessLedger::Update(pid_t pgid, std::vector<RecordedProcess> processes) {
  if (processes.size() > kMaxRecordedMembers) processes.resize(kMaxRecordedMembers);
  for (RecordedGroup& g : record_.groups) {
    if (g.pgid != pgid) continue;
    g.processes = std::move(processes);
    return Append(
        Line({{"update", {{"pgid", pgid}, {"processes", ProcessesToJson(g.processes)}}}}));
  }
  return absl::OkStatus();
}

absl::Status ProcessLedger::Remove(pid_t pgid) {
  auto it = std::find_if(record_.groups.begin(), record_.groups.end(),
                         [pgid](const RecordedGroup& g) { return g.pgid == pgid; });
  if (it == record_.groups.end()) return absl::OkStatus();
  record_.groups.erase(it);
  // The journal stays while the executor lives, even with no group in it:
  // a daemon that left its group is still found by the record's tag.
  return Append(Line({{"remove", pgid}}));
}

absl::Status ProcessLedger::Open(bool truncate) {
  const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | (truncate ? O_CREAT | O_TRUNC : 0);
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::error_code ec;
    std::filesystem::create_directories(path_.parent_path(), ec);
    fd_ = ::open(path_.c_str(), flags, 0644);
    // Another ledger's destructor may remove the directory between its
    // creation and the open: once more then.
    if (fd_ >= 0 || errno != ENOENT) break;
  }
  if (fd_ < 0) {
    return absl::InternalError(absl::StrCat("recording the processes fops runs: opening '",
                                            path_.string(), "': ", ErrnoText(errno)));
  }
  written_ = true;
  return absl::OkStatus();
}

absl::Status ProcessLedger::Append(const std::string& line) {
  auto failed = [&] {
    return absl::InternalError(absl::StrCat("recording the processes fops runs: writing '",
                                            path_.string(), "': ", ErrnoText(errno)));
  };
  if (fd_ < 0) {
    FOPS_RETURN_IF_ERROR(Open(/*truncate=*/true));
    if (!WriteAll(fd_, HeaderLine(record_))) return failed();
    lines_ = 1;
  }
  if (!WriteAll(fd_, line)) return failed();
  ++lines_;
  if (lines_ >= kCompactAfterLines && lines_ > 4 * record_.groups.size() + 1) return Compact();
  return absl::OkStatus();
}

// The journal rewritten to its header and live groups, atomically: a
// reader sees the long journal or the short one, which say the same.
absl::Status ProcessLedger::Compact() {
  std::string content = HeaderLine(record_);
  for (const RecordedGroup& g : record_.groups) content += AddLine(g);
  if (!WriteFileAtomic(path_, content, 0644, Durability::kProcessCrash).ok()) {
    return absl::OkStatus();  // the long journal is still right; next change tries again
  }
  ::close(fd_);
  fd_ = -1;
  FOPS_RETURN_IF_ERROR(Open(/*truncate=*/false));
  lines_ = 1 + record_.groups.size();
  return absl::OkStatus();
}

std::filesystem::path ProcessLedger::Directory(const std::filesystem::path& state_dir) {
  return state_dir / kDirectory;
}

absl::StatusOr<LedgerRecord> ProcessLedger::Read(const std::filesystem::path& file) {
  absl::StatusOr<std::string> text = ReadFile(file);
  if (!text.ok()) return text.status();
  size_t line_number = 1;
  auto bad = [&](std::string_view why) {
    return absl::DataLossError(absl::StrCat(file.string(), ":", line_number,
                                            ": not a record of fops processes: ", ToAbsl(why)));
  };
  // Whole lines only: a last line without its newline was cut short.
  std::string_view rest(*text);
  const size_t last_newline = rest.rfind('\n');
  rest = last_newline == std::string_view::npos ? std::string_view() : rest.substr(0, last_newline + 1);
  if (rest.empty()) return bad("no header line");
  LedgerRecord record;
  try {
    for (line_number = 1; !rest.empty(); ++line_number) {
      const size_t end = rest.find('\n');
      const std::string_view line = rest.substr(0, end);
      rest.remove_prefix(end + 1);
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object()) return bad("not a JSON object");
      if (line_number == 1) {
        if (j.value("version", 0) != kVersion) return bad("unknown version");
        const nlohmann::json& owner = j.at("owner");
        record.owner.pid = owner.at("pid").get<pid_t>();
        record.owner.start_ticks = owner.at("start_ticks").get<uint64_t>();
        record.owner_command = owner.value("command", "");
        record.tag = j.value("tag", "");
        record.started_ticks = j.value("started_ticks", uint64_t{0});
        if (record.owner.pid <= 0) return bad("no owner pid");
      } else if (j.contains("add")) {
        const nlohmann::json& g = j.at("add");
        RecordedGroup group;
        group.id = g.value("id", uint64_t{0});
        group.pgid = g.at("pgid").get<pid_t>();
        group.resource = g.value("resource", "");
        group.command = g.value("command", "");
        group.started_ticks = g.at("started_ticks").get<uint64_t>();
        group.processes = ProcessesFromJson(g.at("processes"));
        record.groups.push_back(std::move(group));
      } else if (j.contains("update")) {
        const nlohmann::json& u = j.at("update");
        const pid_t pgid = u.at("pgid").get<pid_t>();
        for (RecordedGroup& g : record.groups) {
          if (g.pgid == pgid) g.processes = ProcessesFromJson(u.at("processes"));
        }
      } else if (j.contains("remove")) {
        const pid_t pgid = j.at("remove").get<pid_t>();
        std::erase_if(record.groups, [pgid](const RecordedGroup& g) { return g.pgid == pgid; });
      } else {
        return bad("unknown entry");
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return bad(e.what());
  }
  return record;
}

std::string ProcessLedger::ShowCommand(const std::vector<std::string>& argv,
                                       const Redactor& redactor) {
  std::string shown = argv.size() == 3 && argv[0] == "sh" && argv[1] == "-c" ? argv[2]
                                                                             : ShellJoin(argv);
  for (char& c : shown) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return Cut(redactor.Redact(shown), kShownCommandBytes);
}

}  // namespace fops
