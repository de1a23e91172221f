// The commands that run other commands, as the reader peels them: env,
// sudo, exec, nohup, timeout, xargs, watch, eval, shells, ssh, find -exec,
// the distributions' kubectl wrappers. Part of CommandReader
// (command_reader.h).
#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "command_reader.h"
#include "fops/base/status_macros.h"
#include "rules/rule_ids.h"

namespace fops::guard_rules {
namespace {

std::string JoinTexts(const Args& args, size_t from) {
  std::vector<std::string> texts;
  for (size_t i = from; i < args.size(); ++i) texts.push_back(args[i].text);
  return absl::StrJoin(texts, " ");
}

// Index of the first argument after a wrapper's options. `value_long`:
// long options that take the next word; `value_short`: short option
// letters that take a value (attached or the next word).
size_t SkipOptions(const Args& args, size_t i, std::initializer_list<std::string_view> value_long,
                   std::string_view value_short) {
  while (i < args.size()) {
    const std::string& t = args[i].text;
    if (t == "--") return i + 1;
    if (StartsWith(t, "--")) {
      bool takes_value = t.find('=') == std::string::npos && Contains(value_long, t);
      i += takes_value ? 2 : 1;
      continue;
    }
    if (t.size() > 1 && t[0] == '-') {
      size_t next = i + 1;
      for (size_t j = 1; j < t.size(); ++j) {
        if (value_short.find(t[j]) != std::string_view::npos) {
          if (j + 1 == t.size()) next = i + 2;
          break;
        }
      }
      i = next;
      continue;
    }
    return i;
  }
  return i;
}

}  // namespace

std::optional<absl::Status> CommandReader::Wrapper(const std::string& name, const Args& args,
                                                   Env& overlay, const std::string& heredoc,
                                                   bool trailing_unknown) {
  if (name == "env") return EnvCommand(args, overlay);
  if (name == "sudo" || name == "doas") {
    size_t i = name == "sudo"
                   ? SkipOptions(args, 1, {"--user", "--group", "--host", "--prompt", "--close-from",
                                           "--chdir", "--role", "--type", "--command-timeout",
                                           "--other-user", "--chroot"},
                                 "ugpCDrtTUR")
                   : SkipOptions(args, 1, {}, "uC");
    while (i < args.size() && IsShellAssignment(args[i].text)) Assign(args[i++], overlay);
    return Wrapped(name, args, i, overlay);
  }
  if (name == "exec") return Wrapped(name, args, SkipOptions(args, 1, {}, "a"), overlay);
  if (name == "command") {
    for (size_t i = 1; i < args.size() && StartsWith(args[i].text, "-"); ++i) {
      if (args[i].text.find_first_of("vV") != std::string::npos) return absl::OkStatus();
    }
    return Wrapped(name, args, SkipOptions(args, 1, {}, ""), overlay);
  }
  if (name == "builtin" || name == "nohup" || name == "unbuffer" || name == "catchsegv") {
    return Wrapped(name, args, SkipOptions(args, 1, {}, ""), overlay);
  }
  if (name == "setsid") return Wrapped(name, args, SkipOptions(args, 1, {}, ""), overlay);
  if (name == "time") {
    return Wrapped(name, args, SkipOptions(args, 1, {"--format", "--output"}, "fo"), overlay);
  }
  if (name == "nice") return Wrapped(name, args, SkipOptions(args, 1, {"--adjustment"}, "n"), overlay);
  if (name == "ionice") return Wrapped(name, args, SkipOptions(args, 1, {"--class", "--classdata"}, "cn"), overlay);
  if (name == "stdbuf") {
    return Wrapped(name, args, SkipOptions(args, 1, {"--input", "--output", "--error"}, "ioe"), overlay);
  }
  if (name == "chrt" || name == "taskset") {
    // chrt [options] PRIORITY COMMAND, taskset [options] MASK COMMAND
    return Wrapped(name, args, SkipOptions(args, 1, {}, "TPD") + 1, overlay);
  }
  if (name == "timeout") {
    // timeout [options] DURATION COMMAND
    return Wrapped(name, args, SkipOptions(args, 1, {"--signal", "--kill-after"}, "sk") + 1, overlay);
  }
  if (name == "flock") return Flock(args, overlay);
  if (name == "xargs") {
    size_t i = SkipOptions(args, 1,
                           {"--arg-file", "--delimiter", "--eof", "--replace", "--max-lines",
                            "--max-args", "--max-procs", "--max-chars", "--process-slot-var"},
                           "adEILnPs");
    return Wrapped(name, args, i, overlay, /*trailing_unknown=*/true);
  }
  if (name == "watch") return Watch(args, overlay);
  if (name == "eval") return Script(JoinTexts(args, 1), "eval");
  if (name == "." || name == "source") {
    if (args.size() < 2) return absl::OkStatus();
    return ScriptFile(args[1], name, /*require_shebang=*/false);
  }
  if (Contains({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash", "posh", "rbash"}, name)) {
    return Shell(name, args, heredoc);
  }
  if (name == "su") return Su(args);
  if (name == "ssh") return Ssh(args);
  if (name == "find") return Find(args, overlay);
  if (name == "busybox") return Wrapped(name, args, 1, overlay);
  if (name == "k3s" || name == "microk8s" || name == "rke2") {
    if (args.size() > 1 && Contains({"kubectl", "helm", "helm3"}, args[1].text)) {
      return Wrapped(name, args, 1, overlay);
    }
    return absl::OkStatus();
  }
  if (name == "microk8s.kubectl" || name == "microk8s.helm" || name == "microk8s.helm3") {
    Args renamed = args;
    renamed[0].text = name.substr(name.find('.') + 1);
    return Run(std::move(renamed), overlay, heredoc, trailing_unknown);
  }
  if (name == "minikube") {
    if (args.size() < 2 || args[1].text != "kubectl") return absl::OkStatus();
    Args kubectl = {Arg{"kubectl"}};
    size_t i = 2;
    for (size_t j = 2; j < args.size(); ++j) {
      if (args[j].text == "--") {
        i = j + 1;
        break;
      }
    }
    kubectl.insert(kubectl.end(), args.begin() + static_cast<long>(i), args.end());
    via_.push_back("minikube");
    absl::Status status = Run(std::move(kubectl), overlay, "", false);
    via_.pop_back();
    return status;
  }
  return std::nullopt;
}

absl::Status CommandReader::EnvCommand(const Args& args, Env& overlay) {
  size_t i = 1;
  Args split;
  while (i < args.size()) {
    const std::string& t = args[i].text;
    if (t == "--") {
      ++i;
      break;
    }
    if (t == "-S" || t == "--split-string" || StartsWith(t, "--split-string=") ||
        (StartsWith(t, "-S") && t.size() > 2)) {
      std::string value;
      if (t == "-S" || t == "--split-string") {
        if (i + 1 < args.size()) value = args[++i].text;
      } else {
        value = t.substr(t[1] == 'S' ? 2 : std::string_view("--split-string=").size());
      }
      absl::StatusOr<std::vector<ShellCommand>> words = SplitShell(value);
      if (!words.ok()) return Refuse(kUnreadable, "env -S string cannot be read");
      for (const ShellCommand& command : *words) {
        for (const Arg& a : Resolve(command.words)) split.push_back(a);
      }
      ++i;
      continue;
    }
    if (t == "-u" || t == "-C" || t == "--unset" || t == "--chdir") {
      i += 2;
      continue;
    }
    if (StartsWith(t, "-")) {
      ++i;
      continue;
    }
    break;
  }
  Args rest = split;
  rest.insert(rest.end(), args.begin() + static_cast<long>(std::min(i, args.size())), args.end());
  size_t j = 0;
  while (j < rest.size() && IsShellAssignment(rest[j].text)) Assign(rest[j++], overlay);
  return Wrapped("env", rest, j, overlay);
}

absl::Status CommandReader::Flock(const Args& args, Env& overlay) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& t = args[i].text;
    if ((t == "-c" || t == "--command") && i + 1 < args.size()) return ChildScript(args[i + 1].text, "flock -c");
    if (StartsWith(t, "--command=")) return ChildScript(t.substr(10), "flock -c");
  }
  // flock [options] FILE COMMAND ...
  return Wrapped("flock", args, SkipOptions(args, 1, {"--timeout", "--conflict-exit-code"}, "wE") + 1, overlay);
}

absl::Status CommandReader::Watch(const Args& args, Env& overlay) {
  bool exec = false;
  for (size_t i = 1; i < args.size() && StartsWith(args[i].text, "-"); ++i) {
    const std::string& t = args[i].text;
    if (t == "--exec" || (!StartsWith(t, "--") && t.find('x') != std::string::npos)) exec = true;
  }
  size_t i = SkipOptions(args, 1, {"--interval"}, "n");
  if (i >= args.size()) return absl::OkStatus();
  if (exec) return Wrapped("watch -x", args, i, overlay);
  return ChildScript(JoinTexts(args, i), "watch");  // watch runs its words with sh -c
}

absl::Status CommandReader::Shell(const std::string& name, const Args& args,
                                  const std::string& heredoc) {
  bool command_string = false;
  bool read_stdin = false;
  size_t i = 1;
  while (i < args.size()) {
    const std::string& t = args[i].text;
    if (t == "--" || t == "-") {
      ++i;
      break;
    }
    if (StartsWith(t, "--")) {
      i += (t == "--rcfile" || t == "--init-file") ? 2 : 1;
      continue;
    }
    if (t.size() > 1 && (t[0] == '-' || t[0] == '+')) {
      size_t extra = 0;
      for (size_t j = 1; j < t.size(); ++j) {
        if (t[j] == 'c') command_string = true;
        if (t[j] == 's') read_stdin = true;
        if (t[j] == 'o' || t[j] == 'O') ++extra;  // -o pipefail
      }
      i += 1 + extra;
      continue;
    }
    break;
  }
  if (command_string) {
    if (i >= args.size()) return absl::OkStatus();
    if (!args[i].known) return absl::OkStatus();  // "$SCRIPT": not visible; see docs/guard.md
    return ChildScript(args[i].text, absl::StrCat(name, " -c"));
  }
  if (i < args.size() && !read_stdin) return ScriptFile(args[i], name, /*require_shebang=*/false);
  if (!heredoc.empty()) return ChildScript(heredoc, absl::StrCat(name, " <<EOF"));
  return absl::OkStatus();
}

absl::Status CommandReader::Su(const Args& args) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& t = args[i].text;
    if ((t == "-c" || t == "--command") && i + 1 < args.size()) return ChildScript(args[i + 1].text, "su -c");
    if (StartsWith(t, "--command=")) return ChildScript(t.substr(10), "su -c");
  }
  return absl::OkStatus();
}

absl::Status CommandReader::Ssh(const Args& args) {
  size_t host = SkipOptions(args, 1, {}, "bcDEeFIiJLlmOopQRSWwB");
  if (host + 1 >= args.size()) return absl::OkStatus();
  return ChildScript(JoinTexts(args, host + 1), "ssh");  // the remote shell reads the words joined
}

absl::Status CommandReader::Find(const Args& args, Env& overlay) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (!Contains({"-exec", "-execdir", "-ok", "-okdir"}, args[i].text)) continue;
    size_t end = i + 1;
    while (end < args.size() && args[end].text != ";" && args[end].text != "+") ++end;
    Args sub(args.begin() + static_cast<long>(i + 1), args.begin() + static_cast<long>(end));
    via_.push_back(absl::StrCat("find ", args[i].text));
    absl::Status status = Run(std::move(sub), overlay, "", false);
    via_.pop_back();
    FOPS_RETURN_IF_ERROR(status);
    i = end;
  }
  return absl::OkStatus();
}

}  // namespace fops::guard_rules
