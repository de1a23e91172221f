// An executor for test harnesses: rules map argv patterns to an exit code,
// output lines and a simulated delay, and every call is recorded. Time is
// virtual (a delay orders completions; nothing sleeps), so runs are fast and
// deterministic.
//
//   ScriptedExecutor ex;
//   ex.AddRule({.pattern = "helm upgrade *", .exit_code = 0,
//               .output = {"Release \"api\" has been upgraded."}});
//   ex.AddRule({.pattern = "make test", .exit_code = 2});
//   ... run the engine ...
//   EXPECT_EQ(ex.calls()[0].argv[0], "helm");
#ifndef FOPS_EXEC_SCRIPTED_EXECUTOR_H_
#define FOPS_EXEC_SCRIPTED_EXECUTOR_H_

#include <memory>
#include <string>
#include <vector>

#include "fops/exec/executor.h"

namespace fops {

struct ScriptedRule {
  /// Matched against the shell-joined argv (and, for `sh -c SCRIPT`, the
  /// script alone) as a glob: `*` any run of characters, `?` one.
  std::string pattern = "*";
  int exit_code = 0;
  std::vector<std::string> output;  ///< stdout lines, delivered before it finishes
  absl::Duration delay = absl::ZeroDuration();  ///< virtual time it takes
  /// Keep running until stopped (or the command's timeout). A serve
  /// command no rule matches does so too; a serve command whose rule says
  /// false exits after `delay` with `exit_code` (a server that dies).
  bool serve_until_stopped = false;
};

/// Not thread-safe except Interrupt(). Commands finish in order of virtual
/// finish time (start + delay, or start + timeout when the delay is longer:
/// then they are reported as timed out), ties in start order. Output lines
/// are delivered by the first Wait() after a command starts.
class ScriptedExecutor : public Executor {
 public:
  ScriptedExecutor();
  ~ScriptedExecutor() override;
  ScriptedExecutor(const ScriptedExecutor&) = delete;
  ScriptedExecutor& operator=(const ScriptedExecutor&) = delete;

  /// Rules are tried newest first; with no match a command exits 0 with no
  /// output (a serve command runs until stopped).
  void AddRule(ScriptedRule rule);

  /// Every command started, in start order.
  const std::vector<CommandSpec>& calls() const;

  absl::Status Start(const CommandSpec& spec) override;
  std::optional<CommandResult> Wait(absl::Time deadline, OutputListener& listener) override;
  void Stop(uint64_t id) override;
  void Abort() override;
  /// Wakes a Wait() blocked with nothing left that can finish (only serve
  /// commands running and no deadline). Thread-safe, async-signal-safe.
  void Interrupt() override;
  size_t running() const override;
  bool simulated() const override { return true; }
  /// Virtual time: starts at the real time of construction and moves only
  /// when a Wait() returns a command that took `delay` or reaches a deadline.
  const Clock& clock() const override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/// Glob match used by ScriptedRule: `*` and `?`, no character classes.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace fops

#endif  // FOPS_EXEC_SCRIPTED_EXECUTOR_H_
