// A reader of POSIX shell text for the guard: it splits a script into the
// simple commands a shell would run, with their words after quote removal,
// so `sh -c 'cd x && K=1 kubectl "set" image ...'` is seen as two commands.
// It never expands or runs anything. It reads quotes ('…', "…", $'…'),
// backslash escapes and line continuations, comments, the separators
// `;` `&` `&&` `||` `|` `|&` and newlines, subshells and groups, redirections
// (their targets are not words), here-documents (their bodies are kept,
// and their command substitutions read), and the bodies of `$(…)`,
// backticks, `<(…)` and `$((…))`, recursively, as commands of their own.
// Reserved words (if, then, do, !, {, time, case patterns, for/select
// headers, [[ … ]]) are dropped so every command starts with its name.
//
//   FOPS_ASSIGN_OR_RETURN(std::vector<ShellCommand> commands,
//                         SplitShell("make && $(echo kubectl) get pods"));
//   // {"echo", "kubectl"}, {"make"}, {"$(echo kubectl)", "get", "pods"}
#ifndef FOPS_POLICY_SHELL_WORDS_H_
#define FOPS_POLICY_SHELL_WORDS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace fops {

/// One word of a simple command.
struct ShellWord {
  /// After quote removal; expansions stay as written ("$K", "$(…)").
  std::string text;
  /// No parameter, command or arithmetic expansion and no unquoted glob:
  /// the shell passes `text` as is.
  bool literal = true;
  /// Some part was quoted or escaped (so no field splitting of `$VAR`).
  bool quoted = false;
  /// When the whole word is one `$NAME` or `${NAME}`: NAME.
  std::string variable;
  friend bool operator==(const ShellWord&, const ShellWord&) = default;
};

/// A simple command as the shell would run it.
struct ShellCommand {
  std::vector<ShellWord> words;  ///< leading NAME=value assignments included
  std::string heredoc;           ///< here-document or here-string fed to it, if any
  /// Where its text is in the script: from its first word to the end of its
  /// last word or redirection. A command read from a copy of the text (a
  /// backtick's body, a `<<-` here-document, `$((…))`) has the range of
  /// that construct.
  size_t begin = 0;
  size_t end = 0;  ///< one past its last byte
  /// The words' texts, for tests and messages.
  std::vector<std::string> texts() const;
};

/// Splits `script` into simple commands, in the order they start: commands
/// inside a substitution come before the command whose word holds it.
/// kInvalidArgument (naming the byte offset) for text a shell would reject
/// as incomplete: an unterminated quote, `$(`, backtick or `${`, an
/// unmatched `)`, or nesting deeper than 64; `error_offset`, when given,
/// then receives that offset.
absl::StatusOr<std::vector<ShellCommand>> SplitShell(std::string_view script,
                                                     size_t* error_offset = nullptr);

/// True when `word` is a shell assignment, NAME=value (NAME a valid name).
bool IsShellAssignment(std::string_view word);

}  // namespace fops

#endif  // FOPS_POLICY_SHELL_WORDS_H_
