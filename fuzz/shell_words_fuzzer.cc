// The shell reader of the guard (policy/shell_words.h) on any text.
// The first byte picks what the rest is:
//   'a': an argv, words separated by NUL bytes. Invariant: ShellJoin
//        (base/shell_quote.h, how `fops plan` prints a command) renders it
//        as text SplitShell reads back as exactly that one command, word
//        for word, each word literal, and whose first word is not an
//        unquoted assignment (a shell would run the next word instead).
//   otherwise: a script. Invariants: SplitShell returns commands or
//        kInvalidArgument naming a byte offset; every command has a word;
//        IsShellAssignment agrees with the shell's NAME=value rule.
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "fops/base/shell_quote.h"
#include "fops/policy/shell_words.h"
#include "fuzz_check.h"

using fops::fuzz::Require;

namespace {

void CheckArgvRoundTrip(std::string_view text) {
  std::vector<std::string> argv = fops::fuzz::Split(text, std::string_view("\0", 1));
  const std::string line = fops::ShellJoin(argv);
  absl::StatusOr<std::vector<fops::ShellCommand>> commands = fops::SplitShell(line);
  const std::string shown = absl::StrJoin(argv, "\\0") + "  =>  " + line;
  Require(commands.ok(), "SplitShell reads what ShellJoin wrote", shown);
  Require(commands->size() == 1, "ShellJoin's text is one command", shown);
  const fops::ShellCommand& command = commands->front();
  Require(command.texts() == argv, "the words read back are the argv", shown);
  Require(command.heredoc.empty(), "ShellJoin's text feeds no here-document", shown);
  for (const fops::ShellWord& word : command.words) {
    Require(word.literal, "every word is passed as written (no expansion, no glob)", shown);
  }
  const fops::ShellWord& first = command.words.front();
  Require(first.quoted || !fops::IsShellAssignment(first.text),
          "the first word runs as the command, not as an assignment", shown);
}

void CheckScript(std::string_view script) {
  absl::StatusOr<std::vector<fops::ShellCommand>> commands = fops::SplitShell(script);
  if (!commands.ok()) {
    Require(absl::IsInvalidArgument(commands.status()) &&
                absl::StrContains(commands.status().message(), " at byte "),
            "a refusal is kInvalidArgument naming the byte offset", commands.status().ToString());
    return;
  }
  for (const fops::ShellCommand& command : *commands) {
    Require(!command.words.empty(), "every command has at least one word", script);
    for (const fops::ShellWord& word : command.words) {
      if (!word.variable.empty()) {
        Require(!word.literal, "a whole-word variable is an expansion", word.text);
      }
    }
  }
  // NAME=value: NAME is [A-Za-z_][A-Za-z0-9_]* (bash also allows NAME+=).
  std::string_view word = script.substr(0, script.find_first_of(" \n\t"));
  size_t eq = word.find('=');
  bool expected = false;
  if (eq != std::string_view::npos && eq > 0) {
    std::string_view name = word.substr(0, eq);
    if (name.back() == '+') name.remove_suffix(1);
    expected = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
    for (char c : name) expected = expected && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  }
  Require(fops::IsShellAssignment(word) == expected, "IsShellAssignment follows NAME=value",
          word);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest = fops::fuzz::Text(data + 1, size - 1);
  if (data[0] == 'a') {
    CheckArgvRoundTrip(rest);
  } else {
    CheckScript(rest);
  }
  return 0;
}
