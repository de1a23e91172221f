// Renders argv as one line a POSIX shell reads back to the same argv.
// `fops plan` prints every command this way, so its output can be pasted.
//
//   ShellJoin({"sh", "-c", "echo hi"})  ==  "sh -c 'echo hi'"
#ifndef FOPS_BASE_SHELL_QUOTE_H_
#define FOPS_BASE_SHELL_QUOTE_H_

#include <string>
#include <string_view>
#include <vector>

namespace fops {

/// Quotes one word for a POSIX shell; words of safe characters stay bare.
std::string ShellQuote(std::string_view word);

/// Quotes each word and joins them with single spaces; a first word a shell
/// would not run as the command (`if`, `time`, `A=b`) is quoted too.
std::string ShellJoin(const std::vector<std::string>& argv);

}  // namespace fops

#endif  // FOPS_BASE_SHELL_QUOTE_H_
