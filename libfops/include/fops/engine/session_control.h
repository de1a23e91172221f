// The control channel of a running `fops up`: a Unix domain socket in the
// repo's state directory (`<state_dir>/session.sock`) on which another
// process asks the session to trigger resources (`fops trigger`), to
// disable or enable one, for its status (`fops status`) or for its
// buffered log lines (`fops logs`). The protocol is one request line and
// one answer line, readable by a person and a test alike:
//
//   -> trigger api smoke
//   <- ok triggered api, smoke
//   <- error not_found unknown resource 'apii' (did you mean 'api'?); defined: api, db
//   -> disable api                      (and: enable api)
//   <- ok disabled api
//   -> status
//   <- ok {"session": ..., "resources": [...]}            (StatusBoard::SnapshotJson)
//   -> logs api after=120 wait=10
//   <- ok {"lines": [...], "next": 134, "dropped": false, "running": true}
//
// `logs` answers the lines after seq `after` (default 0: all kept) of the
// resource named (none: of every resource); with `wait=S` (seconds, at most
// 30) and nothing new yet, it answers when a line comes, the session ends or
// S pass, so a follower (`fops logs -f`) asks again at once without
// polling. Each connection is answered on its own thread, so a waiting
// follower holds up nobody.
//
// Only processes of the session's own user are answered (SO_PEERCRED; the
// socket is also mode 0600). A state directory whose socket path would not
// fit sockaddr_un's 108 bytes is reached through the directory's
// descriptor (`/proc/self/fd/N/session.sock`), so the socket always lives
// in the state directory and nothing is left in /tmp.
//
//   FOPS_ASSIGN_OR_RETURN(std::unique_ptr<SessionControl> control,
//                         SessionControl::Start(state_dir, *engine));
//   RunResult result = engine->Up();
//   control.reset();  // stops listening and removes the socket
//
//   // in another process:
//   FOPS_ASSIGN_OR_RETURN(std::string answer, RequestTrigger(state_dir, {"api"}));
#ifndef FOPS_ENGINE_SESSION_CONTROL_H_
#define FOPS_ENGINE_SESSION_CONTROL_H_

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fops/engine/engine.h"
#include "fops/engine/status_board.h"

namespace fops {

/// `<state_dir>/session.sock`, where a session listens.
std::filesystem::path SessionSocketPath(const std::filesystem::path& state_dir);

/// Listens on SessionSocketPath(state_dir) on its own thread and answers
/// each request with what `engine` says. Start() and the destructor are for
/// one thread; the engine must outlive this object.
class SessionControl {
 public:
  /// Creates the socket (replacing one a dead session left behind) and
  /// starts answering. kFailedPrecondition when a live session already
  /// answers there; kInternal when the socket cannot be created.
  /// `board` (optional, not owned, must outlive this object) answers
  /// `status` and `logs`; without it they are kFailedPrecondition.
  static absl::StatusOr<std::unique_ptr<SessionControl>> Start(
      const std::filesystem::path& state_dir, Engine& engine, const StatusBoard* board = nullptr);

  /// Close().
  ~SessionControl();
  SessionControl(const SessionControl&) = delete;
  SessionControl& operator=(const SessionControl&) = delete;

  /// Stops answering and removes the socket (if it is still ours);
  /// idempotent. Requests being answered are finished first (a waiting
  /// `logs` is answered with what it has).
  void Close();

  /// The socket's path.
  const std::filesystem::path& path() const;

  class Impl;

 private:
  explicit SessionControl(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Asks the session listening in `state_dir` to trigger `names` (all or
/// none: an unknown name triggers nothing). Returns the session's answer
/// ("triggered api, smoke"). kUnavailable when no session listens there;
/// kNotFound for unknown names (the message names the defined ones);
/// kInvalidArgument for no names or a name with whitespace;
/// kDeadlineExceeded when the session does not answer within `timeout`.
absl::StatusOr<std::string> RequestTrigger(const std::filesystem::path& state_dir,
                                           const std::vector<std::string>& names,
                                           absl::Duration timeout = absl::Seconds(10));

/// Sends one request line to the session listening in `state_dir` and
/// returns the text of its `ok` answer, or its `error` as a Status with that
/// code. For tools that speak the protocol above directly.
absl::StatusOr<std::string> SendSessionRequest(const std::filesystem::path& state_dir,
                                               std::string_view request,
                                               absl::Duration timeout = absl::Seconds(10));

}  // namespace fops

#endif  // FOPS_ENGINE_SESSION_CONTROL_H_
