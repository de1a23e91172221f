// The guard's command-line reader: it reads one command the way a shell and
// the usual wrappers would run it, and hands each tool it finds to that
// tool's rules (rules/tool_rules.h). It reads `sh -c` / `bash -lc` strings
// (shell_words.h), `env`, `sudo`, `exec`, `command`, `nohup`, `timeout`,
// `xargs`, `watch`, `eval`, `find -exec`, `ssh`, `su -c`, `flock`, shell
// script files, absolute paths, leading VAR=x assignments, aliases and the
// variables a script sets. What it cannot read (an unterminated quote,
// nesting too deep) it refuses as `unreadable`. One reader per check; it
// formats and redacts the refusal. Private to libfops.
//
//   CommandReader reader(config, spec);
//   absl::Status status = reader.Argv(spec.argv);
#ifndef FOPS_SRC_POLICY_COMMAND_READER_H_
#define FOPS_SRC_POLICY_COMMAND_READER_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "fops/base/redact.h"
#include "fops/exec/command_policy.h"
#include "fops/policy/guard.h"
#include "fops/policy/shell_words.h"
#include "rules/tool_rules.h"

namespace fops::guard_rules {

/// The rule of the reader itself: text it cannot read.
const GuardRule& UnreadableRule();

/// The rule with this id (GuardRules()), or nullptr.
const GuardRule* FindRule(std::string_view id);

/// The prefix of every refusal message; GuardRuleOf reads the id after it.
inline constexpr std::string_view kRefusedPrefix = "refused by guard rule ";

/// Reads one guarded command: unwraps wrappers and shells, then applies the
/// rules of the tool it finds. One per Check call; not thread-safe.
class CommandReader {
 public:
  /// `spec`: its environment (variables, secrets to redact) and directory
  /// (relative script paths).
  CommandReader(const GuardConfig& config, const CommandSpec& spec);

  /// OK, or the redacted refusal of `argv`, run without a shell.
  absl::Status Argv(const std::vector<std::string>& argv);
  /// Every refusal of the commands of a shell script, with where each starts.
  std::vector<ScriptRefusal> ScriptRefusals(std::string_view script);

 private:
  using Env = std::map<std::string, Arg>;
  class OverlayVariables;

  // --- command_reader.cc: shell text, words, variables, dispatch -----------
  absl::Status Finish(const absl::Status& status);
  std::string Redacted(std::string_view text) const;
  absl::Status Unreadable(const absl::Status& split_error) const;
  absl::Status Refuse(std::string_view rule_id, std::string_view detail) const;
  absl::Status Script(std::string_view text, std::string via);
  absl::Status ChildScript(std::string_view text, std::string via);
  Arg ResolveVariable(const std::string& name, const ShellWord& word) const;
  Arg Substitute(const ShellWord& w) const;
  Args Resolve(const std::vector<ShellWord>& words) const;
  absl::Status Simple(const ShellCommand& command);
  static void Assign(const Arg& word, Env& into);
  std::optional<Arg> Lookup(const Env& overlay, const std::string& name) const;
  absl::Status Run(Args args, Env overlay, const std::string& heredoc, bool trailing_unknown);
  absl::Status Wrapped(std::string_view wrapper, Args args, size_t from, Env overlay,
                       bool trailing_unknown = false);
  absl::Status Dispatch(const Args& args, Env& overlay, const std::string& heredoc,
                        bool trailing_unknown);
  void CollectSecrets(const Args& args);
  absl::Status UnknownName(const Args& args, Env& overlay, bool trailing_unknown);
  absl::Status ScriptFile(const Arg& path_arg, std::string_view via, bool require_shebang);

  // --- command_wrappers.cc: commands that run other commands ---------------
  /// The status of a wrapper named `name`, or nullopt when it is none.
  std::optional<absl::Status> Wrapper(const std::string& name, const Args& args, Env& overlay,
                                      const std::string& heredoc, bool trailing_unknown);
  absl::Status EnvCommand(const Args& args, Env& overlay);
  absl::Status Flock(const Args& args, Env& overlay);
  absl::Status Watch(const Args& args, Env& overlay);
  absl::Status Shell(const std::string& name, const Args& args, const std::string& heredoc);
  absl::Status Su(const Args& args);
  absl::Status Ssh(const Args& args);
  absl::Status Find(const Args& args, Env& overlay);

  const GuardConfig& config_;
  std::string dir_;
  Redactor redactor_;
  std::map<std::string, Arg> vars_;
  std::set<std::string> exported_;  // names of vars_ in the environment of commands
  std::map<std::string, std::string> aliases_;
  std::set<std::string> expanding_;
  std::set<std::string> scripts_read_;
  std::vector<std::string> via_;
  int depth_ = 0;
};

}  // namespace fops::guard_rules

#endif  // FOPS_SRC_POLICY_COMMAND_READER_H_
