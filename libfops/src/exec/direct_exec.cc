#include "fops/exec/direct_exec.h"

#include <signal.h>

#include <array>
#include <cstring>

namespace fops {
namespace {

// Characters a POSIX shell takes literally anywhere in a word. Everything
// else (quotes, $, `, \, globs, ~, #, operators, braces, tabs, newlines) may
// mean something, so a script containing it keeps the shell.
bool IsPlain(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("-_./,:@+%=", c) != nullptr && c != '\0';
}

// Reserved words and builtins of dash (Debian's /bin/sh) and POSIX: as the
// first word they do not name a program on PATH, or a builtin behaves
// unlike the program of the same name (echo, printf, test, kill, pwd).
constexpr std::array<std::string_view, 52> kShellWords = {
    "!",       "{",        "}",      "[[",     "]]",      "case",    "do",     "done",
    "elif",    "else",     "esac",   "fi",     "for",     "function", "if",    "in",
    "select",  "then",     "time",   "until",  "while",   ".",       ":",      "[",
    "alias",   "bg",       "break",  "cd",     "chdir",   "command", "continue", "echo",
    "eval",    "exec",     "exit",   "export", "fc",      "fg",      "getopts", "hash",
    "jobs",    "kill",     "local",  "printf", "pwd",     "read",    "readonly", "return",
    "set",     "shift",    "test",   "times",
};
constexpr std::array<std::string_view, 10> kMoreBuiltins = {
    "trap", "type", "ulimit", "umask", "unalias", "unset", "wait", "source", "true", "false",
};

bool IsShellWord(std::string_view word) {
  for (std::string_view w : kShellWords) {
    if (w == word) return true;
  }
  for (std::string_view w : kMoreBuiltins) {
    if (w == word) return true;
  }
  return false;
}

}  // namespace

std::optional<std::vector<std::string>> DirectArgv(std::string_view script) {
  std::vector<std::string> argv;
  std::string word;
  for (char c : script) {
    if (c == ' ') {
      if (!word.empty()) argv.push_back(std::move(word));
      word.clear();
      continue;
    }
    if (!IsPlain(c)) return std::nullopt;
    word.push_back(c);
  }
  if (!word.empty()) argv.push_back(std::move(word));
  if (argv.empty()) return std::nullopt;
  const std::string& program = argv[0];
  // `NAME=value` first is an assignment, not a program.
  if (program.find('=') != std::string::npos) return std::nullopt;
  // `true` and `false` are builtins too, but without arguments the programs
  // of the same name do exactly what they do (with one, coreutils' reads
  // --help); they are what no-op resources run.
  if ((program == "true" || program == "false") && argv.size() == 1) return argv;
  if (IsShellWord(program)) return std::nullopt;
  return argv;
}

std::string ShellSignalMessage(int signal, bool core_dumped) {
  if (signal == SIGINT || signal == SIGPIPE) return "";
  const char* text = strsignal(signal);
  std::string message = text != nullptr ? text : "Signal " + std::to_string(signal);
  if (core_dumped) message += " (core dumped)";
  return message;
}

}  // namespace fops
