#include "fops/base/proc_stat.h"

#include <dirent.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace fops {

std::optional<ProcStat> ReadProcStat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[1024];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  absl::string_view text(buf, static_cast<size_t>(n));
  size_t paren = text.rfind(')');
  if (paren == absl::string_view::npos || paren + 2 >= text.size()) return std::nullopt;
  std::vector<absl::string_view> fields =
      absl::StrSplit(text.substr(paren + 2), ' ', absl::SkipEmpty());
  ProcStat stat;
  int ppid = 0;
  int pgrp = 0;
  // Field 22 of stat(5), the start time, is the 20th after the name.
  if (fields.size() < 20 || fields[0].size() != 1 || !absl::SimpleAtoi(fields[1], &ppid) ||
      !absl::SimpleAtoi(fields[2], &pgrp) || !absl::SimpleAtoi(fields[19], &stat.start_ticks)) {
    return std::nullopt;
  }
  stat.state = fields[0][0];
  stat.ppid = ppid;
  stat.pgrp = pgrp;
  return stat;
}

bool IsDeadState(char state) { return state == 'Z' || state == 'X' || state == 'x'; }

bool IsSameProcess(pid_t pid, uint64_t start_ticks) {
  std::optional<ProcStat> stat = ReadProcStat(pid);
  return stat && !IsDeadState(stat->state) && stat->start_ticks == start_ticks;
}

absl::flat_hash_map<pid_t, ProcStat> ScanProcesses() {
  absl::flat_hash_map<pid_t, ProcStat> found;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return found;
  while (dirent* entry = ::readdir(dir)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid) || pid <= 1) continue;
    std::optional<ProcStat> stat = ReadProcStat(pid);
    if (!stat || IsDeadState(stat->state)) continue;
    found.emplace(static_cast<pid_t>(pid), *stat);
  }
  ::closedir(dir);
  return found;
}

uint64_t BootTicksFloor() {
  timespec ts;
  ::clock_gettime(CLOCK_BOOTTIME, &ts);
  static const long hz = ::sysconf(_SC_CLK_TCK);
  uint64_t ticks = static_cast<uint64_t>(ts.tv_sec) * static_cast<uint64_t>(hz) +
                   static_cast<uint64_t>(ts.tv_nsec) / (1000000000 / static_cast<uint64_t>(hz));
  return ticks > 0 ? ticks - 1 : 0;
}

std::vector<std::string> ReadEnvironValues(pid_t pid, std::string_view name) {
  std::vector<std::string> values;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/environ", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return values;
  std::string env;
  char buf[8192];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) env.append(buf, static_cast<size_t>(n));
  ::close(fd);
  const std::string key = absl::StrCat(absl::string_view(name.data(), name.size()), "=");
  for (absl::string_view entry : absl::StrSplit(env, '\0')) {
    if (absl::ConsumePrefix(&entry, key)) values.emplace_back(entry);
  }
  return values;
}

std::string ReadCommandLine(pid_t pid, size_t max_bytes) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/cmdline", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text;
  char buf[4096];
  ssize_t n;
  // A little more than shown, to know whether it was cut.
  while (text.size() <= max_bytes && (n = ::read(fd, buf, sizeof buf)) > 0) {
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  while (!text.empty() && text.back() == '\0') text.pop_back();
  for (char& c : text) {
    if (c == '\0' || c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (text.size() > max_bytes) {
    size_t keep = max_bytes > 3 ? max_bytes - 3 : 0;
    // Not in the middle of a UTF-8 character.
    while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
    text.resize(keep);
    text += "...";
  }
  return text;
}

}  // namespace fops
