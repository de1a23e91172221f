#include "fops/exec/port_owner.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <utility>
#include <variant>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "fops/base/atomic_file.h"
#include "fops/base/proc_stat.h"
#include "fops/base/redact.h"

namespace fops {
namespace {

constexpr char kListen[] = "0A";  // TCP_LISTEN in /proc/net/tcp's "st" column

bool ParseHex32(absl::string_view hex, uint32_t& out) {
  if (hex.size() != 8) return false;
  uint32_t value = 0;
  for (char c : hex) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return false;
    }
    value = value << 4 | static_cast<uint32_t>(digit);
  }
  out = value;
  return true;
}

bool IsLocal(const in_addr& a) {
  const uint32_t host = ntohl(a.s_addr);
  return host == INADDR_ANY || (host >> 24) == 127;
}

bool IsLocal(const in6_addr& a) {
  if (IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_LOOPBACK(&a)) return true;
  if (!IN6_IS_ADDR_V4MAPPED(&a)) return false;
  in_addr v4;
  std::memcpy(&v4.s_addr, &a.s6_addr[12], 4);
  return IsLocal(v4);
}

// The kernel prints each 32-bit word of an address as the number it holds
// in memory, so parsing a word back and storing it restores the bytes.
bool LocalAddress(absl::string_view hex, bool v6) {
  if (!v6) {
    uint32_t word = 0;
    if (!ParseHex32(hex, word)) return false;
    in_addr a;
    a.s_addr = word;
    return IsLocal(a);
  }
  if (hex.size() != 32) return false;
  in6_addr a;
  for (int i = 0; i < 4; ++i) {
    uint32_t word = 0;
    if (!ParseHex32(hex.substr(static_cast<size_t>(i) * 8, 8), word)) return false;
    std::memcpy(&a.s6_addr[i * 4], &word, 4);
  }
  return IsLocal(a);
}

// Inodes of the sockets of `family` listening on `port` at a local
// address, from the kernel's socket diagnostics (what `ss -lt` asks): the
// kernel walks its listening sockets only. /proc/net/tcp walks every
// connection's hash bucket and took 10 ms here even when nearly empty.
// False when netlink cannot answer (then /proc/net is read).
bool NetlinkListeningSockets(int family, int port, std::vector<uint64_t>& out) {
  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return false;
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.request.sdiag_family = static_cast<uint8_t>(family);
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = 1u << TCP_LISTEN;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    ::close(fd);
    return false;
  }
  std::vector<uint64_t> found;
  alignas(nlmsghdr) char buf[32768];
  bool done = false;
  bool ok = true;
  while (!done && ok) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    int len = static_cast<int>(n);
    // NLMSG_OK compares the int length with the header's unsigned one (as
    // the kernel's headers define it): g++ hides that inside a system
    // macro, clang (the fuzz build) does not.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
    for (const nlmsghdr* h = reinterpret_cast<const nlmsghdr*>(buf); NLMSG_OK(h, len);
         h = NLMSG_NEXT(h, len)) {
#pragma GCC diagnostic pop
      if (h->nlmsg_type == NLMSG_DONE) {
        done = true;
        break;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        ok = false;
        break;
      }
      const auto* diag = reinterpret_cast<const inet_diag_msg*>(NLMSG_DATA(h));
      if (ntohs(diag->id.idiag_sport) != port) continue;
      bool local;
      if (family == AF_INET) {
        in_addr a;
        std::memcpy(&a.s_addr, diag->id.idiag_src, 4);
        local = IsLocal(a);
      } else {
        in6_addr a;
        std::memcpy(a.s6_addr, diag->id.idiag_src, 16);
        local = IsLocal(a);
      }
      if (local && diag->idiag_inode != 0) found.push_back(diag->idiag_inode);
    }
  }
  ::close(fd);
  if (!ok) return false;
  out.insert(out.end(), found.begin(), found.end());
  return true;
}

// Inodes of the sockets listening on `port` at a local address, from one
// /proc/net table.
void ListeningSockets(const char* table, bool v6, int port, std::vector<uint64_t>& out) {
  absl::StatusOr<std::string> text = ReadFile(table);
  if (!text.ok()) return;
  bool header = true;
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    if (std::exchange(header, false)) continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() < 10 || fields[3] != kListen) continue;
    absl::string_view local = fields[1];
    size_t colon = local.rfind(':');
    if (colon == absl::string_view::npos) continue;
    uint32_t local_port = 0;
    if (!absl::SimpleHexAtoi(local.substr(colon + 1), &local_port) ||
        local_port != static_cast<uint32_t>(port)) {
      continue;
    }
    if (!LocalAddress(local.substr(0, colon), v6)) continue;
    uint64_t inode = 0;
    if (absl::SimpleAtoi(fields[9], &inode) && inode != 0) out.push_back(inode);
  }
}

// Calls `visit` for each process whose descriptors include one of
// `sockets`, newest pid first (a server just started is found after few
// looks), until `visit` returns true.
void ScanHolders(const std::vector<uint64_t>& sockets, const std::function<bool(pid_t)>& visit) {
  absl::flat_hash_set<std::string> links;
  for (uint64_t inode : sockets) links.insert(absl::StrCat("socket:[", inode, "]"));
  std::vector<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return;
  while (dirent* entry = ::readdir(proc)) {
    int pid = 0;
    if (absl::SimpleAtoi(entry->d_name, &pid) && pid > 0) pids.push_back(pid);
  }
  ::closedir(proc);
  std::sort(pids.rbegin(), pids.rend());
  for (pid_t pid : pids) {
    const std::string fd_dir = absl::StrCat("/proc/", pid, "/fd");
    DIR* fds = ::opendir(fd_dir.c_str());
    if (fds == nullptr) continue;  // gone, or another user's
    bool holds = false;
    while (!holds) {
      dirent* fd = ::readdir(fds);
      if (fd == nullptr) break;
      if (fd->d_name[0] == '.') continue;
      char target[64];
      const std::string link = absl::StrCat(fd_dir, "/", fd->d_name);
      ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
      if (n <= 0) continue;
      holds = links.contains(absl::string_view(target, static_cast<size_t>(n)));
    }
    ::closedir(fds);
    if (holds && visit(pid)) return;
  }
}

bool IsLocalHost(std::string host) {
  host = std::string(absl::StripAsciiWhitespace(host));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || absl::EqualsIgnoreCase(host, "localhost")) return true;
  in_addr v4;
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::vector<uint64_t> LocalListeningSockets(int port) {
  std::vector<uint64_t> sockets;
  if (!NetlinkListeningSockets(AF_INET, port, sockets)) {
    ListeningSockets("/proc/net/tcp", /*v6=*/false, port, sockets);
  }
  if (!NetlinkListeningSockets(AF_INET6, port, sockets)) {
    ListeningSockets("/proc/net/tcp6", /*v6=*/true, port, sockets);
  }
  return sockets;
}

PortHolder Describe(pid_t pid) {
  static const Redactor redactor = Redactor::FromEnvironment();
  return PortHolder{.pid = pid, .command = redactor.Redact(ReadCommandLine(pid))};
}

}  // namespace

std::string PortListeners::Holder() const {
  if (holders.empty()) return "another process";
  const PortHolder& h = holders.front();
  return absl::StrCat("PID ", h.pid, h.command.empty() ? "" : absl::StrCat(" (", h.command, ")"));
}

std::string PortListeners::InUse(int port) const {
  return absl::StrCat("port ", port, " is already in use by ", Holder());
}

PortListeners FindPortListeners(int port) {
  PortListeners result;
  result.sockets = LocalListeningSockets(port);
  if (result.sockets.empty()) return result;
  std::vector<pid_t> holders;
  ScanHolders(result.sockets, [&](pid_t pid) {
    holders.push_back(pid);
    return false;  // all of them
  });
  std::sort(holders.begin(), holders.end());
  for (pid_t pid : holders) result.holders.push_back(Describe(pid));
  return result;
}

std::optional<int> LocalProbePort(const Probe& probe) {
  if (const auto* http = std::get_if<HttpGetAction>(&probe.action)) {
    if (http->port > 0 && IsLocalHost(http->host)) return http->port;
  } else if (const auto* tcp = std::get_if<TcpSocketAction>(&probe.action)) {
    if (tcp->port > 0 && IsLocalHost(tcp->host)) return tcp->port;
  }
  return std::nullopt;
}

absl::Status CheckProbePortFree(const Probe& probe) {
  std::optional<int> port = LocalProbePort(probe);
  if (!port) return absl::OkStatus();
  // Only a taken port pays for the search of its holder.
  if (LocalListeningSockets(*port).empty()) return absl::OkStatus();
  PortListeners listeners = FindPortListeners(*port);
  if (!listeners.listening()) return absl::OkStatus();  // closed meanwhile
  return absl::FailedPreconditionError(listeners.InUse(*port));
}

absl::Status CheckProbePortOwner(const Probe& probe, const Executor& executor, uint64_t id) {
  std::optional<int> port = LocalProbePort(probe);
  if (!port) return absl::OkStatus();
  PortListeners listeners;
  listeners.sockets = LocalListeningSockets(*port);
  if (listeners.sockets.empty()) return absl::OkStatus();
  bool counts = false;
  std::vector<pid_t> others;
  ScanHolders(listeners.sockets, [&](pid_t pid) {
    std::optional<bool> ours = executor.OwnsProcess(id, pid);
    counts = !ours.has_value() || *ours;
    if (!counts) others.push_back(pid);
    return counts;  // one holder of the command's is enough
  });
  if (counts || others.empty()) return absl::OkStatus();
  std::sort(others.begin(), others.end());
  for (pid_t pid : others) listeners.holders.push_back(Describe(pid));
  return absl::FailedPreconditionError(
      absl::StrCat("port ", *port, " is served by ", listeners.Holder(), ", not by this serve_cmd"));
}

}  // namespace fops
