// A command a resource runs. Tilt's rule: a list runs as argv without a
// shell; a string runs with `sh -c`. fops keeps the string (for display)
// and renders argv only when the command is started.
//
//   Command build = Command::Shell("make -j2 app");
//   Command test = Command::Argv({"pytest", "-q"});
//   build.argv();  // {"sh", "-c", "make -j2 app"}
#ifndef FOPS_MODEL_COMMAND_H_
#define FOPS_MODEL_COMMAND_H_

#include <string>
#include <vector>

namespace fops {

class Command {
 public:
  /// An empty command (a resource without `cmd` or without `serve_cmd`).
  Command() = default;
  /// A command run by `sh -c script`, as Tilt does for strings.
  static Command Shell(std::string script);
  /// A command run as argv, without a shell.
  static Command Argv(std::vector<std::string> argv);

  /// True when there is nothing to run.
  bool empty() const { return script_.empty() && argv_.empty(); }
  /// True for a string command run through `sh -c`.
  bool is_shell() const { return shell_; }
  /// The script of a shell command; empty for argv commands.
  const std::string& script() const { return script_; }
  /// The argv to execute: {"sh", "-c", script} for shell commands.
  std::vector<std::string> argv() const;
  /// What a user reads: the script, or the shell-quoted argv.
  std::string ToString() const;

  friend bool operator==(const Command&, const Command&) = default;

 private:
  bool shell_ = false;
  std::string script_;
  std::vector<std::string> argv_;
};

}  // namespace fops

#endif  // FOPS_MODEL_COMMAND_H_
