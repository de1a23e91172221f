#include "fops/model/command.h"

#include <utility>

#include "fops/base/shell_quote.h"

namespace fops {

Command Command::Shell(std::string script) {
  Command command;
  command.shell_ = true;
  command.script_ = std::move(script);
  return command;
}

Command Command::Argv(std::vector<std::string> argv) {
  Command command;
  command.argv_ = std::move(argv);
  return command;
}

std::vector<std::string> Command::argv() const {
  if (shell_) return {"sh", "-c", script_};
  return argv_;
}

std::string Command::ToString() const {
  if (shell_) return script_;
  return ShellJoin(argv_);
}

}  // namespace fops
