// Runs one command to completion as a real process and keeps what it
// printed: for the few places fops itself needs a command's answer (an
// exec readiness probe, `helm status -o json` when confirming a release)
// rather than streaming a resource's output. The command runs in its own
// process group like every command fops starts, bounded by its timeout;
// nothing of it is left running when the call returns.
//
//   FOPS_ASSIGN_OR_RETURN(CommandOutput out, RunCommand({.argv = {"helm", "status", "api"},
//                                                        .timeout = absl::Seconds(10)}));
//   if (out.result.ok()) parse(out.stdout_text);
#ifndef FOPS_EXEC_RUN_COMMAND_H_
#define FOPS_EXEC_RUN_COMMAND_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "fops/exec/executor.h"

namespace fops {

/// What a finished command left.
struct CommandOutput {
  CommandResult result;         ///< how it ended
  std::string stdout_text;      ///< its standard output, lines joined with '\n'
  std::string last_error_line;  ///< its last non-empty line on stderr (else stdout), for messages
  bool truncated = false;       ///< stdout was longer than the limit; the rest is dropped
};

/// Runs `spec` (its id and resource are only labels) and waits for it. An
/// error means it could not start (ProcessExecutor::Start's codes); a
/// command that ran and failed is an OK result with `result` saying how.
/// At most `max_stdout` bytes of standard output are kept.
absl::StatusOr<CommandOutput> RunCommand(CommandSpec spec, size_t max_stdout = 4 << 20);

}  // namespace fops

#endif  // FOPS_EXEC_RUN_COMMAND_H_
