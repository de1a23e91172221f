#include "support/process_state.h"

#include <signal.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace fops::testing {
namespace {

// The part of /proc/<pid>/stat after the command name, which may itself
// hold spaces and parentheses; "" when there is no such process.
std::string StatAfterName(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) return "";
  return text.substr(paren + 2);
}

}  // namespace

char ProcessStateLetter(pid_t pid) {
  std::string rest = StatAfterName(pid);
  return rest.empty() ? 0 : rest[0];
}

bool ProcessRunning(pid_t pid) {
  char state = ProcessStateLetter(pid);
  return state != 0 && state != 'Z' && state != 'X';
}

pid_t ProcessParent(pid_t pid) {
  std::istringstream rest(StatAfterName(pid));
  char state = 0;
  int ppid = 0;
  rest >> state >> ppid;
  return ppid;
}

KillOnExit::~KillOnExit() {
  for (pid_t pid : pids) {
    if (pid > 1 && ProcessRunning(pid)) ::kill(pid, SIGKILL);
  }
}

}  // namespace fops::testing
