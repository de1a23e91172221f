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
  bool serve_until_stopped = false;  ///< for serve commands: keep running
};

/// Not thread-safe except Interrupt().
class ScriptedExecutor : public Executor {
 public:
  ScriptedExecutor();
  ~ScriptedExecutor() override;

  /// Rules are tried newest first; with no match a command exits 0 with no
  /// output (a serve command runs until stopped).
  void AddRule(ScriptedRule rule);

  /// Every command started, in start order.
  const std::vector<CommandSpec>& calls() const;

  absl::Status Start(const CommandSpec& spec) override;
  std::optional<CommandResult> Wait(absl::Time deadline, OutputListener& listener) override;
  void Stop(uint64_t id) override;
  void Abort() override;
  void Interrupt() override {}
  size_t running() const override;
  bool simulated() const override { return true; }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/// Glob match used by ScriptedRule: `*` and `?`, no character classes.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace fops

#endif  // FOPS_EXEC_SCRIPTED_EXECUTOR_H_
