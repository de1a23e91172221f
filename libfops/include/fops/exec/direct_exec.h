// When `sh -c SCRIPT` may be skipped: a string command made only of plain
// words (`make -j2 app`, `true`, `./bin/api --port 8080`) runs the same
// program with the same argv whether or not a shell parses it first, so an
// executor can spawn that argv directly and save starting a shell (what
// make does too). This decides it conservatively: DirectArgv returns the
// argv only when no shell feature could change the result.
//
//   DirectArgv("make -j2 app")     == {"make", "-j2", "app"}
//   DirectArgv("make CC=gcc")      == {"make", "CC=gcc"}
//   DirectArgv("CC=gcc make")      == nullopt   (an assignment)
//   DirectArgv("cd src && make")   == nullopt   (a builtin, an operator)
//   DirectArgv("ls *.c")           == nullopt   (a glob)
//
// The parse is not the whole equivalence; an executor that uses it must
// also:
//   - keep the shell when the command's env sets PATH (a shell would search
//     the child's PATH, posix_spawnp searches the parent's);
//   - set PWD in the child as dash does: keep an inherited absolute PWD
//     that names the working directory, else the physical path;
//   - fall back to `sh -c SCRIPT` when the spawn fails (not found, not
//     executable, no #! line), so the error and exit 127/126 are the shell's;
//   - report a death by a signal it did not send as the shell would: exit
//     128+N, with the shell's one-line message on stderr.
// ProcessExecutor does all of that (docs/executors.md, "String commands").
#ifndef FOPS_EXEC_DIRECT_EXEC_H_
#define FOPS_EXEC_DIRECT_EXEC_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fops {

/// The argv `sh -c script` would execute, when running it without the
/// shell is equivalent; nullopt when any shell syntax, expansion, builtin
/// or reserved word is involved.
std::optional<std::vector<std::string>> DirectArgv(std::string_view script);

/// The message dash prints on stderr when a command dies by `signal`
/// ("Segmentation fault", "Killed", ...), or "" for SIGINT and SIGPIPE,
/// which it reports silently. `core_dumped` adds " (core dumped)".
std::string ShellSignalMessage(int signal, bool core_dumped);

}  // namespace fops

#endif  // FOPS_EXEC_DIRECT_EXEC_H_
