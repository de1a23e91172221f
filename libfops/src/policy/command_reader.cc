#include "command_reader.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fops/base/string_view.h"
#include "rules/rule_ids.h"

namespace fops::guard_rules {
namespace {

constexpr int kMaxDepth = 24;
constexpr std::uintmax_t kMaxScriptBytes = 1 << 20;

constexpr GuardExample kUnreadableExamples[] = {
    {"echo 'unterminated"},
    {"echo $(kubectl get pods"},
    {"echo 'terminated'", false},
    {"bash -c 'kubectl get pods'", false},
};

constexpr GuardRule kUnreadableRule = {
    .id = kUnreadable,
    .reason = "the guard cannot tell what this shell text would run, so none of it runs",
    .refuses = "shell text the guard cannot read (an unterminated quote, nesting too deep): it "
               "cannot tell what would run",
    .why = "Every command passes the guard before it runs. Text a shell would reject (an "
           "unterminated quote, $( or backtick, an unmatched parenthesis) or shells and "
           "wrappers nested deeper than the guard follows cannot be checked, and letting what "
           "cannot be checked through would let anything through.",
    .instead = "Fix the quoting (a shell would reject this text too), or flatten the nesting: "
               "put the steps in a shell script that the command runs, which the guard reads.",
    .examples = kUnreadableExamples};

std::string Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// A command's text on one line: line continuations dropped, each run of
// blanks with a newline in it one space, at most 200 bytes.
std::string OneLine(std::string_view text) {
  constexpr size_t kMax = 200;
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size() && text[i + 1] == '\n') c = text[++i];
    if (c == '\n' || c == '\r') {
      while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
      while (i + 1 < text.size() && std::isspace(static_cast<unsigned char>(text[i + 1]))) ++i;
      out.push_back(' ');
      continue;
    }
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > kMax) {
    size_t cut = kMax - 3;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
    out.resize(cut);
    out += "…";
  }
  return out;
}

Args Literal(const std::vector<std::string>& argv) {
  Args args;
  for (const std::string& word : argv) args.push_back(Arg{word});
  return args;
}

}  // namespace

const GuardRule& UnreadableRule() { return kUnreadableRule; }

const GuardRule* FindRule(std::string_view id) {
  for (const GuardRule& rule : GuardRules()) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

// The variables a tool's rules see: the command's own VAR=x prefixes, then
// the reader's.
class CommandReader::OverlayVariables : public VariableLookup {
 public:
  OverlayVariables(const CommandReader& reader, const Env& overlay)
      : reader_(reader), overlay_(overlay) {}
  std::optional<Arg> Lookup(const std::string& name) const override {
    return reader_.Lookup(overlay_, name);
  }

 private:
  const CommandReader& reader_;
  const Env& overlay_;
};

CommandReader::CommandReader(const GuardConfig& config, const CommandSpec& spec)
    : config_(config), dir_(spec.dir) {
  for (const auto& [name, value] : spec.env) {
    vars_[name] = Arg{value};
    exported_.insert(name);
    if (Redactor::IsSecretName(name)) redactor_.AddSecret(value);
  }
}

absl::Status CommandReader::Argv(const std::vector<std::string>& argv) {
  return Finish(Run(Literal(argv), {}, "", /*trailing_unknown=*/false));
}

// Redacts the refusal once, on the way out. The environment's secrets
// are read only here: reading them for every allowed command cost more
// than the whole check. "refused by guard rule <id>:" stays as written: a
// secret that happens to be a word of the id ("push") must not hide the
// rule from GuardRuleOf.
absl::Status CommandReader::Finish(const absl::Status& status) {
  if (status.ok()) return status;
  const std::string_view message = ToStd(status.message());
  size_t keep = 0;
  if (StartsWith(message, kRefusedPrefix)) {
    keep = std::min(message.size(), message.find(':', kRefusedPrefix.size()) + 1);
  }
  return absl::Status(status.code(), absl::StrCat(ToAbsl(message.substr(0, keep)),
                                                  Redacted(message.substr(keep))));
}

std::string CommandReader::Redacted(std::string_view text) const {
  return Redactor::FromEnvironment().Redact(redactor_.Redact(text));
}

absl::Status CommandReader::Unreadable(const absl::Status& split_error) const {
  return Refuse(kUnreadable,
                absl::StrCat("shell text a shell would reject: ", split_error.message()));
}

std::vector<ScriptRefusal> CommandReader::ScriptRefusals(std::string_view script) {
  std::vector<size_t> newlines;
  for (size_t i = script.find('\n'); i != std::string_view::npos; i = script.find('\n', i + 1)) {
    newlines.push_back(i);
  }
  auto line_of = [&newlines](size_t offset) {
    return static_cast<int>(std::lower_bound(newlines.begin(), newlines.end(), offset) -
                            newlines.begin()) + 1;
  };
  std::vector<ScriptRefusal> refusals;
  size_t error_at = 0;
  absl::StatusOr<std::vector<ShellCommand>> commands = SplitShell(script, &error_at);
  if (!commands.ok()) {
    int line = line_of(std::min(error_at, script.size()));
    size_t begin = line == 1 ? 0 : newlines[static_cast<size_t>(line) - 2] + 1;
    size_t end = std::min(script.find('\n', begin), script.size());
    refusals.push_back({.line = line,
                        .command = Redacted(OneLine(script.substr(begin, end - begin))),
                        .status = Finish(Unreadable(commands.status()))});
    return refusals;
  }
  ++depth_;
  for (const ShellCommand& command : *commands) {
    absl::Status status = Simple(command);
    if (status.ok()) continue;
    std::string_view text = script.substr(command.begin, command.end - command.begin);
    refusals.push_back({.line = line_of(command.begin),
                        .command = Redacted(OneLine(text)),
                        .status = Finish(status)});
  }
  --depth_;
  return refusals;
}

absl::Status CommandReader::Refuse(std::string_view rule_id, std::string_view detail) const {
  const GuardRule* found = FindRule(rule_id);
  const GuardRule& rule = found != nullptr ? *found : kUnreadableRule;
  std::string message = absl::StrCat(ToAbsl(kRefusedPrefix), ToAbsl(rule.id), ": ",
                                     ToAbsl(rule.reason), " (", ToAbsl(detail), ")");
  if (!via_.empty()) absl::StrAppend(&message, " [via ", absl::StrJoin(via_, " > "), "]");
  return absl::FailedPreconditionError(message);
}

// A shell string: every command in it, with the variables it assigns.
absl::Status CommandReader::Script(std::string_view text, std::string via) {
  if (depth_ >= kMaxDepth) return Refuse(kUnreadable, "shells and wrappers nested too deep");
  absl::StatusOr<std::vector<ShellCommand>> commands = SplitShell(text);
  via_.push_back(std::move(via));
  if (!commands.ok()) {
    absl::Status refusal = Unreadable(commands.status());
    via_.pop_back();
    return refusal;
  }
  ++depth_;
  absl::Status status = absl::OkStatus();
  for (const ShellCommand& command : *commands) {
    status = Simple(command);
    if (!status.ok()) break;
  }
  --depth_;
  via_.pop_back();
  return status;
}

// A script another shell process runs (sh -c, bash x.sh, su -c, ...): what
// it assigns, exports or aliases ends with that process.
absl::Status CommandReader::ChildScript(std::string_view text, std::string via) {
  std::map<std::string, Arg> vars = vars_;
  std::set<std::string> exported = exported_;
  std::map<std::string, std::string> aliases = aliases_;
  absl::Status status = Script(text, std::move(via));
  vars_ = std::move(vars);
  exported_ = std::move(exported);
  aliases_ = std::move(aliases);
  return status;
}

Arg CommandReader::ResolveVariable(const std::string& name, const ShellWord& word) const {
  if (auto it = vars_.find(name); it != vars_.end()) {
    Arg value = it->second;
    if (!value.known) value.hint = absl::StrCat(word.text, " ", name, " ", value.hint);
    return value;
  }
  if (const char* env = std::getenv(name.c_str()); env != nullptr) return Arg{env};
  return Arg{word.text, false, absl::StrCat(word.text, " ", name)};
}

// A word with $NAME / ${NAME} parts among text (ghcr.io/x:$TAG): known
// when every part is a known variable; anything else ($(…), ${x:-y},
// globs) leaves it unknown.
Arg CommandReader::Substitute(const ShellWord& w) const {
  const std::string& t = w.text;
  std::string out;
  for (size_t i = 0; i < t.size();) {
    char c = t[i];
    if (c == '*' || c == '?' || c == '[' || c == '`') return Arg{t, false, t};
    if (c != '$') {
      out.push_back(c);
      ++i;
      continue;
    }
    size_t start = i + 1;
    bool braced = start < t.size() && t[start] == '{';
    if (braced) ++start;
    size_t end = start;
    while (end < t.size() && (std::isalnum(static_cast<unsigned char>(t[end])) || t[end] == '_')) ++end;
    if (end == start || std::isdigit(static_cast<unsigned char>(t[start]))) return Arg{t, false, t};
    if (braced && (end >= t.size() || t[end] != '}')) return Arg{t, false, t};
    std::string name = t.substr(start, end - start);
    Arg value = ResolveVariable(name, w);
    if (!value.known) return Arg{t, false, absl::StrCat(t, " ", value.hint)};
    out += value.text;
    i = braced ? end + 1 : end;
  }
  return Arg{out};
}

Args CommandReader::Resolve(const std::vector<ShellWord>& words) const {
  Args args;
  for (const ShellWord& w : words) {
    if (w.literal) {
      args.push_back(Arg{w.text});
      continue;
    }
    if (w.variable.empty()) {
      args.push_back(Substitute(w));
      continue;
    }
    Arg value = ResolveVariable(w.variable, w);
    if (value.known && !w.quoted) {
      // Field splitting of an unquoted $VAR: "kubectl -n x" is three words.
      for (absl::string_view part : absl::StrSplit(value.text, absl::ByAnyChar(" \t\n"), absl::SkipEmpty())) {
        args.push_back(Arg{std::string(part)});
      }
      continue;
    }
    args.push_back(std::move(value));
  }
  return args;
}

absl::Status CommandReader::Simple(const ShellCommand& command) {
  Args args = Resolve(command.words);
  Env overlay;
  size_t i = 0;
  while (i < args.size() && IsShellAssignment(args[i].text)) {
    Assign(args[i], overlay);
    ++i;
  }
  if (i == args.size()) {
    for (auto& [name, value] : overlay) vars_[name] = value;  // NAME=value alone: a variable
    return absl::OkStatus();
  }
  args.erase(args.begin(), args.begin() + static_cast<long>(i));
  return Run(std::move(args), overlay, command.heredoc, /*trailing_unknown=*/false);
}

void CommandReader::Assign(const Arg& word, Env& into) {
  size_t eq = word.text.find('=');
  std::string name = word.text.substr(0, eq);
  if (!name.empty() && name.back() == '+') name.pop_back();
  into[name] = Arg{word.text.substr(eq + 1), word.known, word.text};
}

std::optional<Arg> CommandReader::Lookup(const Env& overlay, const std::string& name) const {
  if (auto it = overlay.find(name); it != overlay.end()) return it->second;
  // A shell variable reaches a command only when exported (NAME=value
  // alone sets one that the next command does not see).
  if (auto it = vars_.find(name);
      it != vars_.end() && (exported_.count(name) || std::getenv(name.c_str()) != nullptr)) {
    return it->second;
  }
  if (const char* env = std::getenv(name.c_str()); env != nullptr) return Arg{env};
  return std::nullopt;
}

// One command as argv: wrappers are peeled, tools are judged.
absl::Status CommandReader::Run(Args args, Env overlay, const std::string& heredoc,
                                bool trailing_unknown) {
  if (args.empty()) return absl::OkStatus();
  if (depth_ >= kMaxDepth) return Refuse(kUnreadable, "shells and wrappers nested too deep");
  ++depth_;
  absl::Status status = Dispatch(args, overlay, heredoc, trailing_unknown);
  --depth_;
  return status;
}

absl::Status CommandReader::Wrapped(std::string_view wrapper, Args args, size_t from, Env overlay,
                                    bool trailing_unknown) {
  if (from >= args.size()) return absl::OkStatus();
  via_.push_back(std::string(wrapper));
  Args rest(args.begin() + static_cast<long>(from), args.end());
  absl::Status status = Run(std::move(rest), std::move(overlay), "", trailing_unknown);
  via_.pop_back();
  return status;
}

absl::Status CommandReader::Dispatch(const Args& args, Env& overlay, const std::string& heredoc,
                                     bool trailing_unknown) {
  CollectSecrets(args);
  const Arg& first = args[0];
  if (!first.known) return UnknownName(args, overlay, trailing_unknown);
  const std::string name = Basename(first.text);
  if (auto alias = aliases_.find(name); alias != aliases_.end() && !expanding_.count(name)) {
    absl::StatusOr<std::vector<ShellCommand>> words = SplitShell(alias->second);
    if (!words.ok() || words->size() != 1) {
      return Refuse(kUnreadable, absl::StrCat("alias ", Safe(name), " cannot be read"));
    }
    Args expanded = Resolve((*words)[0].words);
    expanded.insert(expanded.end(), args.begin() + 1, args.end());
    expanding_.insert(name);
    absl::Status status = Run(std::move(expanded), overlay, heredoc, trailing_unknown);
    expanding_.erase(name);
    // bash -c expands no alias (dash does): the command as written runs
    // there, so it must pass too.
    if (!status.ok()) return status;
  }

  if (std::optional<absl::Status> wrapped = Wrapper(name, args, overlay, heredoc, trailing_unknown)) {
    return *std::move(wrapped);
  }
  if (Contains({"export", "declare", "typeset", "local", "readonly"}, name)) {
    // export, and declare/typeset -x, put variables in the environment.
    bool exports = name == "export";
    for (size_t i = 1; i < args.size(); ++i) {
      if ((name == "declare" || name == "typeset") && StartsWith(args[i].text, "-") &&
          args[i].text.find('x') != std::string::npos) {
        exports = true;
      }
    }
    for (size_t i = 1; i < args.size(); ++i) {
      if (IsShellAssignment(args[i].text)) {
        Env assigned;
        Assign(args[i], assigned);
        for (auto& [var, value] : assigned) {
          vars_[var] = value;
          if (exports) exported_.insert(var);
        }
      } else if (exports && !StartsWith(args[i].text, "-")) {
        exported_.insert(args[i].text);  // export NAME
      }
    }
    return absl::OkStatus();
  }
  if (name == "alias") {
    for (size_t i = 1; i < args.size(); ++i) {
      size_t eq = args[i].text.find('=');
      if (eq != std::string::npos && eq > 0) aliases_[args[i].text.substr(0, eq)] = args[i].text.substr(eq + 1);
    }
    return absl::OkStatus();
  }
  if (name == "unset" || name == "unalias") {
    for (size_t i = 1; i < args.size(); ++i) {
      vars_.erase(args[i].text);
      exported_.erase(args[i].text);
      if (name == "unalias") aliases_.erase(args[i].text);
    }
    return absl::OkStatus();
  }
  if (const ToolRules* tool = FindToolRules(name, first.text)) {
    OverlayVariables vars(*this, overlay);
    std::optional<Refusal> refusal = tool->check(ToolCall{.config = config_,
                                                          .tool = name,
                                                          .args = args,
                                                          .trailing_unknown = trailing_unknown,
                                                          .vars = vars});
    if (refusal) return Refuse(refusal->rule, refusal->detail);
    return absl::OkStatus();
  }
  if (config_.inspect_scripts && first.text.find('/') != std::string::npos) {
    return ScriptFile(first, "script", /*require_shebang=*/true);
  }
  return absl::OkStatus();
}

// Values of credential flags (--token, --password, --auth-token,
// --creds, --header ...) join the redactor, so a refusal that quotes
// the environment or a later word never carries one.
void CommandReader::CollectSecrets(const Args& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& t = args[i].text;
    if (!StartsWith(t, "-")) continue;
    std::string name = absl::AsciiStrToLower(t.substr(0, t.find('=')));
    bool secret = absl::StrContains(name, "token") ||
                  absl::StrContains(name, "password") || absl::StrContains(name, "creds") ||
                  absl::StrContains(name, "secret") || absl::StrContains(name, "header");
    if (!secret) continue;
    if (t.find('=') != std::string::npos) {
      redactor_.AddSecret(t.substr(t.find('=') + 1));
    } else if (i + 1 < args.size()) {
      redactor_.AddSecret(args[i + 1].text);
    }
  }
}

// A command whose name is an expansion the guard cannot resolve. When its
// text names a guarded tool ($KUBECTL, ${HELM:-helm}, $(which argocd)),
// it is judged as that tool.
absl::Status CommandReader::UnknownName(const Args& args, Env& overlay, bool trailing_unknown) {
  std::string hint = absl::AsciiStrToLower(absl::StrCat(args[0].text, " ", args[0].hint));
  for (const NameHint& name_hint : NameHints()) {
    if (!absl::StrContains(hint, ToAbsl(name_hint.stem))) continue;
    Args as_tool = args;
    as_tool[0] = Arg{std::string(name_hint.tool)};
    via_.push_back(absl::StrCat(Safe(args[0].text), " read as ", ToAbsl(name_hint.tool)));
    absl::Status status = Run(std::move(as_tool), overlay, "", trailing_unknown);
    via_.pop_back();
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// A shell script the command runs. Unreadable or missing files are left
// to fail on their own; with `require_shebang`, only files that start
// with a shell's #! line are read (a binary or a Python script is not).
absl::Status CommandReader::ScriptFile(const Arg& path_arg, std::string_view via,
                                       bool require_shebang) {
  if (!config_.inspect_scripts || !path_arg.known) return absl::OkStatus();
  std::filesystem::path path(path_arg.text);
  if (path.is_relative() && !dir_.empty()) path = std::filesystem::path(dir_) / path;
  std::error_code ec;
  std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
  if (ec || !std::filesystem::is_regular_file(canonical, ec)) return absl::OkStatus();
  if (std::filesystem::file_size(canonical, ec) > kMaxScriptBytes || ec) return absl::OkStatus();
  if (!scripts_read_.insert(canonical.string()).second) return absl::OkStatus();
  std::ifstream in(canonical, std::ios::binary);
  if (!in) return absl::OkStatus();
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (require_shebang) {
    std::string first_line = text.substr(0, text.find('\n'));
    if (!StartsWith(first_line, "#!")) return absl::OkStatus();
    bool shell = false;
    for (absl::string_view word : absl::StrSplit(first_line.substr(2), absl::ByAnyChar(" \t/"), absl::SkipEmpty())) {
      if (Contains({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash"}, ToStd(word))) shell = true;
    }
    if (!shell) return absl::OkStatus();
  }
  if (text.find('\0') != std::string::npos) return absl::OkStatus();
  // `. lib.sh` and `source` run in this shell; any other way, in its own.
  const std::string through = absl::StrCat(ToAbsl(via), " ", Safe(path_arg.text));
  if (via == "." || via == "source") return Script(text, through);
  return ChildScript(text, through);
}

}  // namespace fops::guard_rules
