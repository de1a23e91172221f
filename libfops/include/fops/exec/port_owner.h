// Who listens on a local TCP port, and the two rules a serve resource's
// readiness probe follows with it. The kernel lists its listening sockets
// (address, port, inode) through socket diagnostics (netlink, what
// `ss -lt` asks; /proc/net/tcp and tcp6 where that is not allowed); a
// process holds one when a descriptor in /proc/<pid>/fd links to
// `socket:[inode]`. Only this user's processes can be looked into: another
// user's listener is "another process".
//
// A port counts as taken when a socket listens on it at a loopback address
// (127.0.0.0/8, ::1) or at every address (0.0.0.0, ::): a connection to
// 127.0.0.1 or ::1 on that port would reach it.
//
//   PortListeners taken = FindPortListeners(8080);
//   if (taken.listening()) return absl::FailedPreconditionError(taken.InUse(8080));
//   // "port 8080 is already in use by PID 1234 (python3 -m http.server 8080)"
#ifndef FOPS_EXEC_PORT_OWNER_H_
#define FOPS_EXEC_PORT_OWNER_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "fops/exec/executor.h"
#include "fops/model/probe.h"

namespace fops {

/// A process holding a listening socket.
struct PortHolder {
  pid_t pid = 0;
  std::string command;  ///< its command line, shortened, secrets redacted
};

/// The listeners of one port.
struct PortListeners {
  std::vector<uint64_t> sockets;    ///< inodes of the listening sockets; empty: free
  std::vector<PortHolder> holders;  ///< the processes holding them that we can see, by pid
  /// Something listens.
  bool listening() const { return !sockets.empty(); }
  /// "PID 1234 (python3 -m http.server 8080)", or "another process" when
  /// no holder can be seen.
  std::string Holder() const;
  /// "port 8080 is already in use by " + Holder().
  std::string InUse(int port) const;
};

/// The sockets listening on `port` where a local connection reaches them,
/// and who holds them. Reads /proc; nothing listens when it cannot.
PortListeners FindPortListeners(int port);

/// The port a probe connects to when it connects to this machine (an
/// http_get or tcp_socket whose host is 127.x.x.x, localhost, ::1 or
/// empty); nullopt for an exec probe or another host.
std::optional<int> LocalProbePort(const Probe& probe);

/// Before a serve command starts: kFailedPrecondition "port 8080 is
/// already in use by PID 1234 (...)" when its probe's local port is taken,
/// since the probe would be answered by that server. OK otherwise.
absl::Status CheckProbePortFree(const Probe& probe);

/// After a probe passed: kFailedPrecondition "port 8080 is served by PID
/// 1234 (...), not by this serve_cmd" when a process we can see holds the
/// port's listener and `executor` says none of the holders is command
/// `id`'s. Holders are looked for newest pid first and the search stops at
/// the command's own, so a server just started costs a few looks, not a
/// scan of every process. OK when one is, when nothing local listens, when no holder can
/// be seen (another user's, e.g. a container engine's proxy: the port was
/// free when the command started), or when the executor cannot tell.
absl::Status CheckProbePortOwner(const Probe& probe, const Executor& executor, uint64_t id);

}  // namespace fops

#endif  // FOPS_EXEC_PORT_OWNER_H_
