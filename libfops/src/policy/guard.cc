#include "fops/policy/guard.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fops/base/redact.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"
#include "fops/exec/scripted_executor.h"
#include "fops/policy/shell_words.h"

namespace fops {
namespace {

// Rule ids: stable, documented in docs/guard.md, printed by `fops guard`.
constexpr std::string_view kUnreadable = "unreadable";
constexpr std::string_view kPreviewWorkspace = "preview-workspace";
constexpr std::string_view kPreviewNamespace = "preview-namespace";
constexpr std::string_view kArgoPause = "argo-pause";
constexpr std::string_view kArgoAppMutation = "argo-app-mutation";
constexpr std::string_view kArgoSync = "argo-sync-outside-deploy";
constexpr std::string_view kKubectl = "kubectl-mutation";
constexpr std::string_view kHelmDevNamespace = "helm-dev-namespace";
constexpr std::string_view kHelmDevRelease = "helm-dev-release";
constexpr std::string_view kHelmStaging = "helm-staging-target";
constexpr std::string_view kHelmArgoOwned = "helm-argo-owned";
constexpr std::string_view kReleaseTag = "release-tag-push";

constexpr std::string_view kRefusedPrefix = "refused by guard rule ";
constexpr int kMaxDepth = 24;
constexpr std::uintmax_t kMaxScriptBytes = 1 << 20;

const std::vector<GuardRule>& Rules() {
  static const auto* rules = new std::vector<GuardRule>{
      {kUnreadable, "",
       "shell text the guard cannot read (an unterminated quote, nesting too deep): it cannot "
       "tell what would run"},
      {kPreviewWorkspace,
       "Do not create a Daytona workspace per repo, branch, agent, or preview channel.",
       "daytona create (any workspace or sandbox creation), in every mode"},
      {kPreviewNamespace,
       "Do not deploy managed project previews into ad-hoc k3s namespaces from Tilt.",
       "kubectl create namespace preview-*/pr-*, and any kubectl or Helm mutation in a preview "
       "namespace, in every mode"},
      {kArgoPause,
       "Tilt must not call kubectl set image, patch Deployment env, or pause Argo for ordinary "
       "dev iteration.",
       "turning off auto-sync or pausing Argo CD: argocd app set/unset/patch/edit touching the "
       "sync policy, sync windows, kubectl mutations of Argo CD objects or annotations, in every "
       "mode"},
      {kArgoAppMutation, "Argo owns canonical release mutation",
       "argocd app create/delete/rollback/set/patch/terminate-op/actions run, appset and project "
       "mutations, argocd admin, in every mode"},
      {kArgoSync, "make deploy-mode is the required way to hand ownership back to Argo.",
       "argocd app sync outside deployment mode (use `fops mode deploy`)"},
      {kKubectl,
       "Tilt must not call kubectl set image, patch Deployment env, or pause Argo for ordinary "
       "dev iteration.",
       "every kubectl verb but the diagnostics allow-list, in every mode"},
      {kHelmDevNamespace, "development mode: Tilt builds images and upgrades dev-only Helm releases",
       "development mode: helm install/upgrade/uninstall/rollback/test outside the dev "
       "namespaces, or without an explicit namespace"},
      {kHelmDevRelease, "development mode: Tilt builds images and upgrades dev-only Helm releases",
       "development mode: helm install/upgrade/uninstall/rollback/test of a release that is not "
       "a dev release"},
      {kHelmStaging,
       "staging mode: builds staging-tagged images and cache scopes without mutating live "
       "workloads by default",
       "staging mode: Helm mutations of any release not named as a target of the run"},
      {kHelmArgoOwned, "deployment mode: Argo reconciles Helm-declared Git state",
       "deployment mode: every Helm mutation"},
      {kReleaseTag, "Never use Tilt to promote a release. Use it only for fast live-cluster iteration.",
       "development and staging modes: pushing an image under a release tag (v1.2.3, latest, "
       "release-*, ...) with docker/podman/buildah/skopeo/crane/oras/regctl/buildctl/kaniko"},
  };
  return *rules;
}

const GuardRule& RuleById(std::string_view id) {
  for (const GuardRule& rule : Rules()) {
    if (rule.id == id) return rule;
  }
  return Rules().front();
}

bool Contains(std::initializer_list<std::string_view> set, std::string_view value) {
  for (std::string_view item : set) {
    if (item == value) return true;
  }
  return false;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// A word safe to quote in a refusal: short and of name characters only,
// so no credential or stray argument text can ride along.
std::string Safe(std::string_view word) {
  if (word.empty() || word.size() > 80) return "<…>";
  for (char c : word) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        c != '/' && c != ':' && c != '@' && c != '*' && c != '$' && c != '{' && c != '}') {
      return "<…>";
    }
  }
  return std::string(word);
}

bool IsSemver(std::string_view tag) {
  size_t i = 0;
  bool v = !tag.empty() && tag[0] == 'v';
  if (v) ++i;
  int parts = 0;
  while (true) {
    size_t start = i;
    while (i < tag.size() && std::isdigit(static_cast<unsigned char>(tag[i]))) ++i;
    if (i == start) return false;
    ++parts;
    if (i < tag.size() && tag[i] == '.' && parts < 3) {
      ++i;
      continue;
    }
    break;
  }
  if (parts == 1 && !v) return false;  // "1234" is a build number, not a release
  if (i == tag.size()) return true;
  if (tag[i] != '-' && tag[i] != '+') return false;
  if (i + 1 == tag.size()) return false;
  for (size_t j = i + 1; j < tag.size(); ++j) {
    char c = tag[j];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '+') return false;
  }
  return true;
}

// One argument after the shell is done with it. `known` is false when it
// depends on an expansion the guard cannot see; `hint` then holds the text
// it came from (for recognising `$KUBECTL`).
struct Arg {
  std::string text;
  bool known = true;
  std::string hint;
};
using Args = std::vector<Arg>;

Args Literal(const std::vector<std::string>& argv) {
  Args args;
  for (const std::string& word : argv) args.push_back(Arg{word});
  return args;
}

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

// A parsed command line of a cobra-style tool (kubectl, helm, argocd):
// flags may come anywhere; some take a value.
struct CobraLine {
  std::vector<Arg> positionals;
  std::vector<std::pair<std::string, Arg>> flags;  // name ("--namespace", "-n"), value
  const Arg* Flag(std::initializer_list<std::string_view> names) const {
    const Arg* found = nullptr;
    for (const auto& [name, value] : flags) {
      if (Contains(names, name)) found = &value;  // the last one wins, as in cobra
    }
    return found;
  }
  bool Has(std::initializer_list<std::string_view> names) const {
    for (const auto& [name, value] : flags) {
      if (Contains(names, name)) return true;
    }
    return false;
  }
};

CobraLine ParseCobra(const Args& args, size_t from, std::initializer_list<std::string_view> value_long,
                     std::string_view value_short) {
  CobraLine line;
  for (size_t i = from; i < args.size(); ++i) {
    const Arg& a = args[i];
    const std::string& t = a.text;
    if (t == "--") {
      for (size_t j = i + 1; j < args.size(); ++j) line.positionals.push_back(args[j]);
      break;
    }
    if (StartsWith(t, "--") && t.size() > 2) {
      size_t eq = t.find('=');
      if (eq != std::string::npos) {
        line.flags.emplace_back(t.substr(0, eq), Arg{t.substr(eq + 1), a.known, a.hint});
      } else if (Contains(value_long, t) && i + 1 < args.size()) {
        line.flags.emplace_back(t, args[i + 1]);
        ++i;
      } else {
        line.flags.emplace_back(t, Arg{"true"});
      }
      continue;
    }
    if (t.size() > 1 && t[0] == '-' && a.known) {
      bool consumed = false;
      for (size_t j = 1; j < t.size(); ++j) {
        std::string name = absl::StrCat("-", std::string(1, t[j]));
        if (value_short.find(t[j]) != std::string_view::npos) {
          if (j + 1 < t.size()) {
            std::string value = t.substr(j + 1);
            if (!value.empty() && value[0] == '=') value.erase(0, 1);
            line.flags.emplace_back(name, Arg{value});
          } else if (i + 1 < args.size()) {
            line.flags.emplace_back(name, args[i + 1]);
            consumed = true;
          }
          break;
        }
        line.flags.emplace_back(name, Arg{"true"});
      }
      if (consumed) ++i;
      continue;
    }
    line.positionals.push_back(a);
  }
  return line;
}

// The tag an image reference pushes: "" for a digest-only reference or a
// destination that is not a registry (oci:, dir:, containers-storage:).
// A reference without tag or digest pushes "latest".
std::optional<std::string> PushedTag(std::string_view ref) {
  if (StartsWith(ref, "docker://")) {
    ref.remove_prefix(9);
  } else {
    size_t colon = ref.find(':');
    size_t slash = ref.find('/');
    for (std::string_view transport : {"oci:", "oci-archive:", "dir:", "docker-archive:",
                                       "docker-daemon:", "containers-storage:"}) {
      if (StartsWith(ref, transport) && (slash == std::string_view::npos || colon < slash)) {
        return std::nullopt;
      }
    }
  }
  if (ref.empty()) return std::nullopt;
  size_t at = ref.find('@');
  bool digest = at != std::string_view::npos;
  std::string_view name = digest ? ref.substr(0, at) : ref;
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    return std::string(name.substr(colon + 1));
  }
  if (digest) return std::nullopt;
  return std::string("latest");
}

// Reads one guarded command: unwraps wrappers and shells, then applies the
// rule of the tool it finds. One per Check call.
class Inspector {
 public:
  Inspector(const GuardConfig& config, const CommandSpec& spec)
      : config_(config), dir_(spec.dir) {
    for (const auto& [name, value] : spec.env) {
      vars_[name] = Arg{value};
      exported_.insert(name);
      if (Redactor::IsSecretName(name)) redactor_.AddSecret(value);
    }
  }

  absl::Status Argv(const std::vector<std::string>& argv) {
    return Finish(Run(Literal(argv), {}, "", /*trailing_unknown=*/false));
  }

 private:
  using Env = std::map<std::string, Arg>;

  // Redacts the refusal once, on the way out. The environment's secrets
  // are read only here: reading them for every allowed command cost more
  // than the whole check.
  absl::Status Finish(const absl::Status& status) {
    if (status.ok()) return status;
    // "refused by guard rule <id>:" stays as written: a secret that happens
    // to be a word of the id ("push") must not hide the rule.
    const std::string_view message = ToStd(status.message());
    size_t keep = 0;
    if (StartsWith(message, kRefusedPrefix)) {
      keep = std::min(message.size(), message.find(':', kRefusedPrefix.size()) + 1);
    }
    return absl::Status(status.code(),
                        absl::StrCat(ToAbsl(message.substr(0, keep)),
                                     Redactor::FromEnvironment().Redact(
                                         redactor_.Redact(message.substr(keep)))));
  }

  absl::Status Refuse(std::string_view rule_id, std::string_view detail) const {
    const GuardRule& rule = RuleById(rule_id);
    std::string message = absl::StrCat(ToAbsl(kRefusedPrefix), ToAbsl(rule.id), ": ");
    if (!rule.boundary.empty()) absl::StrAppend(&message, "\"", ToAbsl(rule.boundary), "\" ");
    absl::StrAppend(&message, "-- ", ToAbsl(detail));
    if (!via_.empty()) absl::StrAppend(&message, " [via ", absl::StrJoin(via_, " > "), "]");
    return absl::FailedPreconditionError(message);
  }

  // A shell string: every command in it, with the variables it assigns.
  absl::Status Script(std::string_view text, std::string via) {
    if (depth_ >= kMaxDepth) return Refuse(kUnreadable, "shells and wrappers nested too deep");
    absl::StatusOr<std::vector<ShellCommand>> commands = SplitShell(text);
    via_.push_back(std::move(via));
    if (!commands.ok()) {
      absl::Status refusal = Refuse(
          kUnreadable, absl::StrCat("the guard cannot read this shell text: ",
                                    commands.status().message(),
                                    "; a shell would reject it too, and the guard refuses what it "
                                    "cannot read"));
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

  // A script another shell process runs (sh -c, bash x.sh, su -c, ...):
  // what it assigns, exports or aliases ends with that process.
  absl::Status ChildScript(std::string_view text, std::string via) {
    std::map<std::string, Arg> vars = vars_;
    std::set<std::string> exported = exported_;
    std::map<std::string, std::string> aliases = aliases_;
    absl::Status status = Script(text, std::move(via));
    vars_ = std::move(vars);
    exported_ = std::move(exported);
    aliases_ = std::move(aliases);
    return status;
  }

  Arg ResolveVariable(const std::string& name, const ShellWord& word) const {
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
  Arg Substitute(const ShellWord& w) const {
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

  Args Resolve(const std::vector<ShellWord>& words) const {
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

  absl::Status Simple(const ShellCommand& command) {
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

  static void Assign(const Arg& word, Env& into) {
    size_t eq = word.text.find('=');
    std::string name = word.text.substr(0, eq);
    if (!name.empty() && name.back() == '+') name.pop_back();
    into[name] = Arg{word.text.substr(eq + 1), word.known, word.text};
  }

  std::optional<Arg> Lookup(const Env& overlay, const std::string& name) const {
    if (auto it = overlay.find(name); it != overlay.end()) return it->second;
    // A shell variable reaches a command only when exported (NAME=value
    // alone sets one that the next command does not see).
    if (auto it = vars_.find(name); it != vars_.end() &&
                                    (exported_.count(name) || std::getenv(name.c_str()) != nullptr)) {
      return it->second;
    }
    if (const char* env = std::getenv(name.c_str()); env != nullptr) return Arg{env};
    return std::nullopt;
  }

  // One command as argv: wrappers are peeled, tools are judged.
  absl::Status Run(Args args, Env overlay, const std::string& heredoc, bool trailing_unknown) {
    if (args.empty()) return absl::OkStatus();
    if (depth_ >= kMaxDepth) return Refuse(kUnreadable, "shells and wrappers nested too deep");
    ++depth_;
    absl::Status status = Dispatch(args, overlay, heredoc, trailing_unknown);
    --depth_;
    return status;
  }

  absl::Status Wrapped(std::string_view wrapper, Args args, size_t from, Env overlay,
                       bool trailing_unknown = false) {
    if (from >= args.size()) return absl::OkStatus();
    via_.push_back(std::string(wrapper));
    Args rest(args.begin() + static_cast<long>(from), args.end());
    absl::Status status = Run(std::move(rest), std::move(overlay), "", trailing_unknown);
    via_.pop_back();
    return status;
  }

  absl::Status Dispatch(const Args& args, Env& overlay, const std::string& heredoc,
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
    if (name == "kubectl" || name == "oc" || name == "kubecolor") return Kubectl(args, trailing_unknown);
    if (name == "helm" || name == "helm3") return Helm(args, overlay, trailing_unknown);
    if (name == "argocd") return Argo(args);
    if (name == "daytona") return Daytona(args);
    if (Contains({"docker", "podman", "nerdctl", "buildah", "skopeo", "crane", "gcrane", "regctl",
                  "oras", "buildctl", "kaniko"},
                 name) ||
        (name == "executor" && absl::StrContains(first.text, "kaniko"))) {
      return Push(name, args);
    }
    if (config_.inspect_scripts && first.text.find('/') != std::string::npos) {
      return ScriptFile(first, "script", /*require_shebang=*/true);
    }
    return absl::OkStatus();
  }

  // Values of credential flags (--token, --password, --auth-token,
  // --creds, --header ...) join the redactor, so a refusal that quotes
  // the environment or a later word never carries one.
  void CollectSecrets(const Args& args) {
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
  absl::Status UnknownName(const Args& args, Env& overlay, bool trailing_unknown) {
    std::string hint = absl::AsciiStrToLower(absl::StrCat(args[0].text, " ", args[0].hint));
    static constexpr std::pair<std::string_view, std::string_view> kHints[] = {
        {"kube", "kubectl"},   {"helm", "helm"},       {"argo", "argocd"},
        {"daytona", "daytona"}, {"docker", "docker"},   {"podman", "podman"},
        {"buildah", "buildah"}, {"skopeo", "skopeo"},   {"crane", "crane"}};
    for (const auto& [key, tool] : kHints) {
      if (!absl::StrContains(hint, ToAbsl(key))) continue;
      Args as_tool = args;
      as_tool[0] = Arg{std::string(tool)};
      via_.push_back(absl::StrCat(Safe(args[0].text), " read as ", ToAbsl(tool)));
      absl::Status status = Run(std::move(as_tool), overlay, "", trailing_unknown);
      via_.pop_back();
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  absl::Status EnvCommand(const Args& args, Env& overlay) {
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

  absl::Status Flock(const Args& args, Env& overlay) {
    for (size_t i = 1; i < args.size(); ++i) {
      const std::string& t = args[i].text;
      if ((t == "-c" || t == "--command") && i + 1 < args.size()) return ChildScript(args[i + 1].text, "flock -c");
      if (StartsWith(t, "--command=")) return ChildScript(t.substr(10), "flock -c");
    }
    // flock [options] FILE COMMAND ...
    return Wrapped("flock", args, SkipOptions(args, 1, {"--timeout", "--conflict-exit-code"}, "wE") + 1, overlay);
  }

  absl::Status Watch(const Args& args, Env& overlay) {
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

  absl::Status Shell(const std::string& name, const Args& args, const std::string& heredoc) {
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

  absl::Status Su(const Args& args) {
    for (size_t i = 1; i < args.size(); ++i) {
      const std::string& t = args[i].text;
      if ((t == "-c" || t == "--command") && i + 1 < args.size()) return ChildScript(args[i + 1].text, "su -c");
      if (StartsWith(t, "--command=")) return ChildScript(t.substr(10), "su -c");
    }
    return absl::OkStatus();
  }

  absl::Status Ssh(const Args& args) {
    size_t host = SkipOptions(args, 1, {}, "bcDEeFIiJLlmOopQRSWwB");
    if (host + 1 >= args.size()) return absl::OkStatus();
    return ChildScript(JoinTexts(args, host + 1), "ssh");  // the remote shell reads the words joined
  }

  absl::Status Find(const Args& args, Env& overlay) {
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

  // A shell script the command runs. Unreadable or missing files are left
  // to fail on their own; with `require_shebang`, only files that start
  // with a shell's #! line are read (a binary or a Python script is not).
  absl::Status ScriptFile(const Arg& path_arg, std::string_view via, bool require_shebang) {
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

  // --- kubectl --------------------------------------------------------------

  static bool Allowed(std::string_view verb, std::string_view sub) {
    if (Contains({"get", "describe", "logs", "log", "top", "events", "explain", "version",
                  "api-resources", "api-versions", "cluster-info", "port-forward", "wait", "diff",
                  "kustomize", "help", "completion", "options"},
                 verb)) {
      return true;
    }
    if (verb == "config") {
      return Contains({"view", "get-contexts", "current-context", "get-clusters", "get-users"}, sub);
    }
    if (verb == "auth") return Contains({"can-i", "whoami"}, sub);
    if (verb == "rollout") return Contains({"status", "history"}, sub);
    if (verb == "plugin") return sub == "list";
    return false;
  }

  // True when a kubectl mutation touches Argo CD itself: its objects,
  // annotations, sync policy, or its controller.
  static bool TouchesArgo(const CobraLine& line, const Arg* ns) {
    if (ns != nullptr && ns->text == "argocd") return true;
    auto touches = [](std::string_view text) {
      return absl::StrContains(ToAbsl(text), "argoproj.io") || absl::StrContains(ToAbsl(text), "syncPolicy") ||
             absl::StrContains(ToAbsl(text), "argocd-") || absl::StrContains(ToAbsl(text), "\"automated\"");
    };
    for (size_t i = 1; i < line.positionals.size(); ++i) {
      std::string_view t = line.positionals[i].text;
      if (touches(t)) return true;
      std::string_view kind = t.substr(0, t.find('/'));
      if (Contains({"application", "applications", "app", "apps", "appproject", "appprojects",
                    "applicationset", "applicationsets"},
                   kind)) {
        return true;
      }
    }
    for (const auto& [name, value] : line.flags) {
      if (touches(value.text)) return true;
    }
    return false;
  }

  absl::Status Kubectl(const Args& args, bool trailing_unknown) {
    CobraLine line = ParseCobra(
        args, 1,
        {"--namespace", "--context", "--cluster", "--user", "--kubeconfig", "--server", "--token",
         "--as", "--as-group", "--as-uid", "--certificate-authority", "--client-certificate",
         "--client-key", "--request-timeout", "--tls-server-name", "--cache-dir", "--v",
         "--vmodule", "--log-dir", "--log-file", "--log-file-max-size", "--log-backtrace-at",
         "--stderrthreshold", "--password", "--username", "--profile", "--profile-output",
         "--kuberc", "--output", "--selector", "--filename", "--container", "--type", "--patch",
         "--field-manager", "--replicas", "--image", "--port", "--timeout", "--for",
         "--field-selector", "--template", "--sort-by", "--since", "--tail", "--address"},
        "nsvolfcp");
    const Arg* ns = line.Flag({"-n", "--namespace"});
    if (line.positionals.empty()) {
      if (trailing_unknown) {
        return Refuse(kKubectl, "kubectl with its verb read from xargs input; kubectl is for "
                                "diagnostics only");
      }
      return absl::OkStatus();
    }
    const Arg& verb = line.positionals[0];
    if (!verb.known) {
      return Refuse(kKubectl, "kubectl verb is an expansion the guard cannot see; kubectl is for "
                              "diagnostics only");
    }
    std::string sub = line.positionals.size() > 1 ? line.positionals[1].text : "";
    if (Allowed(verb.text, sub)) return absl::OkStatus();

    bool two_words = Contains({"config", "auth", "rollout", "set", "create", "plugin",
                               "certificate", "apply", "alpha"},
                              verb.text);
    std::string what = absl::StrCat("kubectl ", Safe(verb.text), two_words && !sub.empty() ? " " : "",
                                    two_words && !sub.empty() ? Safe(sub) : "");
    if (verb.text == "create" && (sub == "namespace" || sub == "ns") && line.positionals.size() > 2 &&
        config_.IsPreviewNamespace(line.positionals[2].text)) {
      return Refuse(kPreviewNamespace,
                    absl::StrCat("kubectl create namespace ", Safe(line.positionals[2].text),
                                 ": project previews run in the Daytona sandbox, not in cluster "
                                 "namespaces"));
    }
    if (ns != nullptr && ns->known && config_.IsPreviewNamespace(ns->text)) {
      return Refuse(kPreviewNamespace, absl::StrCat(what, " in preview namespace ", Safe(ns->text)));
    }
    if (TouchesArgo(line, ns)) {
      return Refuse(kArgoPause, absl::StrCat(what, " on Argo CD's own objects, annotations or sync "
                                                   "policy"));
    }
    return Refuse(kKubectl,
                  absl::StrCat(what, "; kubectl is for diagnostics only: get, describe, logs, top, "
                                     "events, explain, version, api-resources, config view, auth "
                                     "can-i, port-forward (all: docs/guard.md)"));
  }

  // --- helm -----------------------------------------------------------------

  absl::Status Helm(const Args& args, const Env& overlay, bool trailing_unknown) {
    CobraLine line = ParseCobra(
        args, 1,
        {"--namespace", "--kube-context", "--kubeconfig", "--kube-apiserver", "--kube-as-user",
         "--kube-as-group", "--kube-ca-file", "--kube-token", "--kube-tls-server-name",
         "--registry-config", "--repository-cache", "--repository-config", "--burst-limit", "--qps",
         "--values", "--set", "--set-string", "--set-file", "--set-json", "--set-literal",
         "--version", "--timeout", "--description", "--post-renderer", "--post-renderer-args",
         "--repo", "--username", "--password", "--ca-file", "--cert-file", "--key-file",
         "--keyring", "--output", "--history-max", "--labels", "--name-template", "--max",
         "--revision", "--cascade", "--api-versions", "--kube-version", "--show-only",
         "--output-dir", "--selector", "--filter", "--wait-for"},
        "nfolsa");
    const Arg* verb = line.positionals.empty() ? nullptr : &line.positionals[0];
    const bool mutation =
        verb == nullptr || !verb->known ||
        Contains({"install", "upgrade", "uninstall", "delete", "del", "un", "rollback", "test"},
                 verb->text);
    if (!mutation) return absl::OkStatus();
    if (verb == nullptr && !trailing_unknown) return absl::OkStatus();
    if (verb == nullptr || !verb->known) {
      std::string_view rule = config_.mode == Mode::kDevelopment ? kHelmDevRelease
                              : config_.mode == Mode::kStaging   ? kHelmStaging
                                                                 : kHelmArgoOwned;
      return Refuse(rule, "helm with a verb the guard cannot see (an expansion or xargs input)");
    }
    std::string what = absl::StrCat("helm ", verb->text);

    std::optional<Arg> ns;
    if (const Arg* flag = line.Flag({"-n", "--namespace"})) {
      ns = *flag;
    } else {
      ns = Lookup(overlay, "HELM_NAMESPACE");
    }
    std::vector<Arg> releases;
    {
      bool generated = line.Has({"--generate-name", "-g"});
      if (Contains({"uninstall", "delete", "del", "un"}, verb->text)) {
        releases.assign(line.positionals.begin() + 1, line.positionals.end());
      } else if (line.positionals.size() > 1 && !(verb->text == "install" && generated)) {
        releases.push_back(line.positionals[1]);
      }
    }
    if (ns && ns->known && config_.IsPreviewNamespace(ns->text)) {
      return Refuse(kPreviewNamespace, absl::StrCat(what, " into preview namespace ", Safe(ns->text),
                                                    ": project previews are not deployed from "
                                                    "the dev loop"));
    }
    switch (config_.mode) {
      case Mode::kDevelopment: {
        std::string dev = absl::StrJoin(config_.dev_namespaces, ", ");
        if (!ns) {
          return Refuse(kHelmDevNamespace,
                        absl::StrCat(what, " without --namespace: Helm would use the kube "
                                           "context's namespace; dev releases go to ", dev));
        }
        if (!ns->known) {
          return Refuse(kHelmDevNamespace,
                        absl::StrCat(what, " into a namespace the guard cannot see (",
                                     Safe(ns->text), "); dev releases go to ", dev));
        }
        if (!config_.IsDevNamespace(ns->text)) {
          return Refuse(kHelmDevNamespace, absl::StrCat(what, " into namespace ", Safe(ns->text),
                                                        "; dev namespaces: ", dev));
        }
        if (releases.empty()) {
          return Refuse(kHelmDevRelease,
                        absl::StrCat(what, " without a release name the guard can see (a "
                                           "generated name is never a dev release)"));
        }
        for (const Arg& release : releases) {
          if (!release.known || !config_.IsDevRelease(release.text)) {
            return Refuse(kHelmDevRelease,
                          absl::StrCat(what, " of release ", Safe(release.text),
                                       ", which is not a dev release (dev releases end with '",
                                       config_.dev_release_suffix,
                                       "' or are listed in dev_releases); canonical releases "
                                       "belong to Argo CD"));
          }
        }
        return absl::OkStatus();
      }
      case Mode::kStaging: {
        for (const Arg& release : releases) {
          bool named = false;
          for (const HelmTarget& target : config_.staging_targets) {
            named |= release.known && ns && ns->known && target.release == release.text &&
                     target.namespace_name == ns->text;
          }
          if (!named) {
            return Refuse(kHelmStaging,
                          absl::StrCat(what, " of release ", Safe(release.text), " in namespace ",
                                       ns ? Safe(ns->text) : "(none given)",
                                       ": staging mode upgrades only the canonical releases "
                                       "named as targets (`fops mode staging TARGET`)"));
          }
        }
        if (releases.empty()) {
          return Refuse(kHelmStaging, absl::StrCat(what, " without a release name the guard can see"));
        }
        return absl::OkStatus();
      }
      case Mode::kDeployment:
        return Refuse(kHelmArgoOwned,
                      absl::StrCat(what, ": in deployment mode Argo CD owns every release"));
    }
    return absl::OkStatus();
  }

  // --- argocd ---------------------------------------------------------------

  static bool TouchesSyncPolicy(const CobraLine& line) {
    for (const auto& [name, value] : line.flags) {
      for (std::string_view prefix : {"--sync-policy", "--self-heal", "--auto-prune", "--sync-option",
                                      "--sync-retry", "--allow-empty", "--sync-window"}) {
        if (StartsWith(name, prefix)) return true;
      }
      if (absl::StrContains(value.text, "syncPolicy") || absl::StrContains(value.text, "automated")) {
        return true;
      }
    }
    for (const Arg& p : line.positionals) {
      if (absl::StrContains(p.text, "syncPolicy") || absl::StrContains(p.text, "automated")) return true;
    }
    return false;
  }

  absl::Status Argo(const Args& args) {
    CobraLine line = ParseCobra(
        args, 1,
        {"--server", "--auth-token", "--config", "--argocd-context", "--grpc-web-root-path",
         "--header", "--http-retry-max", "--logformat", "--loglevel", "--port-forward-namespace",
         "--client-crt", "--client-crt-key", "--server-crt", "--kube-context", "--redis-haproxy-name",
         "--redis-name", "--repo-server-name", "--server-name", "--redis-compress", "--app-namespace",
         "--output", "--selector", "--parameter", "--helm-set", "--helm-set-string", "--helm-set-file",
         "--values", "--values-literal-file", "--revision", "--timeout", "--sync-policy",
         "--sync-option", "--sync-retry-limit", "--sync-retry-backoff-duration",
         "--sync-retry-backoff-max-duration", "--sync-retry-backoff-factor", "--project",
         "--dest-namespace", "--dest-server", "--dest-name", "--repo", "--path", "--label",
         "--resource", "--patch", "--type", "--kind", "--group", "--namespace", "--name",
         "--local", "--source-position", "--source-name", "--retry-limit", "--strategy",
         "--info", "--annotations", "--file"},
        "HNolpf");
    if (line.positionals.empty()) return absl::OkStatus();
    const std::string& verb = line.positionals[0].text;
    std::string sub = line.positionals.size() > 1 ? line.positionals[1].text : "";
    std::string what = absl::StrCat("argocd ", Safe(verb), sub.empty() ? "" : " ", sub.empty() ? "" : Safe(sub));
    if (Contains({"app", "apps", "application", "applications"}, verb)) {
      if (sub.empty() ||
          Contains({"get", "list", "diff", "history", "manifests", "logs", "resources", "wait",
                    "help"},
                   sub)) {
        return absl::OkStatus();
      }
      if (sub == "actions" && line.positionals.size() > 2 && line.positionals[2].text == "list") {
        return absl::OkStatus();
      }
      if (sub == "sync") {
        if (config_.mode == Mode::kDeployment) return absl::OkStatus();
        return Refuse(kArgoSync, absl::StrCat(what, " in ", ToAbsl(ModeName(config_.mode)),
                                              " mode: `fops mode deploy` stops the session, "
                                              "syncs and waits for Synced/Healthy"));
      }
      if (Contains({"set", "unset", "patch", "edit"}, sub) && TouchesSyncPolicy(line)) {
        return Refuse(kArgoPause, absl::StrCat(what, " touching the sync policy"));
      }
      return Refuse(kArgoAppMutation,
                    absl::StrCat(what, ": Argo CD applications change through Git, and the dev "
                                       "loop never edits them"));
    }
    if (Contains({"appset", "appsets", "applicationset", "applicationsets"}, verb)) {
      if (sub.empty() || Contains({"get", "list", "help"}, sub)) return absl::OkStatus();
      return Refuse(kArgoAppMutation, what);
    }
    if (Contains({"proj", "project", "projects"}, verb)) {
      if (sub.empty() || Contains({"get", "list", "help"}, sub)) return absl::OkStatus();
      if (sub == "windows") {
        std::string action = line.positionals.size() > 2 ? line.positionals[2].text : "";
        if (action.empty() || action == "list") return absl::OkStatus();
        return Refuse(kArgoPause, absl::StrCat(what, " ", Safe(action), ": sync windows pause Argo CD"));
      }
      return Refuse(kArgoAppMutation, what);
    }
    if (verb == "admin" && !sub.empty()) return Refuse(kArgoAppMutation, what);
    return absl::OkStatus();
  }

  // --- previews -------------------------------------------------------------

  absl::Status Daytona(const Args& args) {
    int seen = 0;
    for (size_t i = 1; i < args.size() && seen < 2; ++i) {
      if (StartsWith(args[i].text, "-")) continue;
      ++seen;
      if (Contains({"create", "new", "up"}, args[i].text)) {
        return Refuse(kPreviewWorkspace,
                      absl::StrCat("daytona ", Safe(args[i].text),
                                   ": the dev loop never creates Daytona workspaces or sandboxes"));
      }
    }
    return absl::OkStatus();
  }

  // --- release tags -----------------------------------------------------------

  // The image references a command pushes, per tool. Unknown ones are left
  // out: the guard judges what it can read.
  static std::vector<Arg> PushedRefs(const std::string& tool, const Args& args) {
    std::vector<Arg> refs;
    auto last_positional = [](const CobraLine& line, size_t from) -> std::optional<Arg> {
      if (line.positionals.size() <= from) return std::nullopt;
      return line.positionals.back();
    };
    auto flag_values = [&refs](const CobraLine& line, std::initializer_list<std::string_view> names) {
      for (const auto& [name, value] : line.flags) {
        if (Contains(names, name)) refs.push_back(value);
      }
    };
    if (tool == "docker" || tool == "podman" || tool == "nerdctl") {
      CobraLine line = ParseCobra(
          args, 1,
          {"--host", "--config", "--context", "--log-level", "--tlscacert", "--tlscert", "--tlskey",
           "--root", "--runroot", "--storage-driver", "--storage-opt", "--url", "--connection",
           "--identity", "--cgroup-manager", "--events-backend", "--tmpdir", "--tag", "--file",
           "--build-arg", "--target", "--platform", "--output", "--cache-from", "--cache-to",
           "--builder", "--label", "--secret", "--ssh", "--progress", "--iidfile", "--metadata-file",
           "--digestfile", "--creds", "--authfile", "--cert-dir", "--format", "--sign-by",
           "--compression-format", "--retry", "--annotation", "--network", "--namespace"},
          "HcltfoF");
      std::vector<std::string> words;
      for (const Arg& p : line.positionals) words.push_back(p.text);
      auto at = [&words](size_t i) { return i < words.size() ? words[i] : std::string(); };
      bool build = at(0) == "build" || (at(0) == "buildx" && at(1) == "build") ||
                   (at(0) == "image" && at(1) == "build") || (at(0) == "builder" && at(1) == "build");
      if (at(0) == "push" || (at(0) == "image" && at(1) == "push")) {
        if (line.Has({"-a", "--all-tags"})) refs.push_back(Arg{"all-tags:latest"});
        if (auto ref = last_positional(line, at(0) == "push" ? 1 : 2)) refs.push_back(*ref);
      } else if (at(0) == "manifest" && at(1) == "push") {
        if (auto ref = last_positional(line, 2)) refs.push_back(*ref);
      } else if (at(0) == "buildx" && at(1) == "imagetools" && at(2) == "create") {
        flag_values(line, {"-t", "--tag"});
      } else if (build) {
        bool push = line.Has({"--push"});
        if (const Arg* output = line.Flag({"-o", "--output"})) {
          push |= absl::StrContains(output->text, "push=true") ||
                  absl::StrContains(output->text, "type=registry");
        }
        if (push) flag_values(line, {"-t", "--tag"});
      }
      return refs;
    }
    if (tool == "buildah") {
      CobraLine line = ParseCobra(
          args, 1,
          {"--root", "--runroot", "--storage-driver", "--storage-opt", "--registries-conf",
           "--log-level", "--authfile", "--cert-dir", "--creds", "--digestfile", "--format",
           "--compression-format", "--compression-level", "--encryption-key", "--retry",
           "--retry-delay", "--sign-by", "--signature-policy", "--tag", "--file", "--iidfile"},
          "ftF");
      std::string verb = line.positionals.empty() ? "" : line.positionals[0].text;
      if (verb == "push") {
        if (auto ref = last_positional(line, 1)) refs.push_back(*ref);
      } else if (verb == "manifest" && line.positionals.size() > 1 && line.positionals[1].text == "push") {
        if (auto ref = last_positional(line, 3)) refs.push_back(*ref);
      } else if (verb == "commit" && line.positionals.size() > 2 &&
                 StartsWith(line.positionals.back().text, "docker://")) {
        refs.push_back(line.positionals.back());
      }
      return refs;
    }
    if (tool == "skopeo") {
      CobraLine line = ParseCobra(
          args, 1,
          {"--authfile", "--src-authfile", "--dest-authfile", "--src-creds", "--dest-creds",
           "--src-cert-dir", "--dest-cert-dir", "--format", "--sign-by", "--additional-tag",
           "--multi-arch", "--digestfile", "--src-registry-token", "--dest-registry-token",
           "--retry-times", "--encryption-key", "--dest-compress-format", "--dest-compress-level",
           "--command-timeout", "--override-arch", "--override-os", "--override-variant",
           "--policy", "--registries.d", "--tmpdir", "--image-parallel-copies", "--retry-delay",
           "--src-daemon-host", "--dest-daemon-host", "--src-shared-blob-dir", "--dest-shared-blob-dir"},
          "f");
      if (!line.positionals.empty() && line.positionals[0].text == "copy") {
        if (line.positionals.size() >= 3) refs.push_back(line.positionals.back());
        flag_values(line, {"--additional-tag"});
      }
      return refs;
    }
    if (tool == "crane" || tool == "gcrane") {
      CobraLine line = ParseCobra(args, 1, {"--platform", "--tag", "--jobs", "--new_layer", "--base", "--append"}, "tjf");
      std::string verb = line.positionals.empty() ? "" : line.positionals[0].text;
      if ((verb == "copy" || verb == "cp") && line.positionals.size() >= 3) {
        refs.push_back(line.positionals[2]);
      } else if (verb == "push" && line.positionals.size() >= 3) {
        refs.push_back(line.positionals[2]);
      } else if (verb == "tag" && line.positionals.size() >= 3) {
        Arg tagged = line.positionals[2];
        tagged.text = absl::StrCat("tag:", tagged.text);  // a bare tag: PushedTag reads after ':'
        refs.push_back(tagged);
      }
      flag_values(line, {"-t", "--tag"});
      return refs;
    }
    if (tool == "regctl") {
      CobraLine line = ParseCobra(args, 1, {"--platform", "--host", "--logopt", "--verbosity"}, "v");
      if (line.positionals.size() >= 4 && line.positionals[0].text == "image" &&
          (line.positionals[1].text == "copy" || line.positionals[1].text == "cp")) {
        refs.push_back(line.positionals[3]);
      }
      return refs;
    }
    if (tool == "oras") {
      CobraLine line = ParseCobra(args, 1, {"--username", "--password", "--config", "--artifact-type", "--annotation", "--annotation-file", "--export-manifest"}, "upc");
      std::string verb = line.positionals.empty() ? "" : line.positionals[0].text;
      if (verb == "push" && line.positionals.size() >= 2) refs.push_back(line.positionals[1]);
      if ((verb == "copy" || verb == "cp") && line.positionals.size() >= 3) refs.push_back(line.positionals[2]);
      if (verb == "tag" && line.positionals.size() >= 3) {
        for (size_t i = 2; i < line.positionals.size(); ++i) {
          Arg tagged = line.positionals[i];
          tagged.text = absl::StrCat("tag:", tagged.text);
          refs.push_back(tagged);
        }
      }
      return refs;
    }
    if (tool == "buildctl") {
      CobraLine line = ParseCobra(args, 1, {"--output", "--frontend", "--local", "--opt", "--export-cache", "--import-cache", "--addr", "--progress", "--secret", "--ssh", "--metadata-file", "--trace"}, "o");
      for (const auto& [name, value] : line.flags) {
        if (name != "--output" && name != "-o") continue;
        bool push = absl::StrContains(value.text, "push=true") || absl::StrContains(value.text, "type=registry");
        if (!push) continue;
        // type=image,"name=a:1,b:2",push=true: names run until the next key=value.
        std::string csv = value.text;
        csv.erase(std::remove(csv.begin(), csv.end(), '"'), csv.end());
        bool in_names = false;
        for (absl::string_view field : absl::StrSplit(csv, ',')) {
          if (absl::StartsWith(field, "name=")) {
            in_names = true;
            refs.push_back(Arg{std::string(field.substr(5)), value.known});
          } else if (field.find('=') != absl::string_view::npos) {
            in_names = false;
          } else if (in_names) {
            refs.push_back(Arg{std::string(field), value.known});
          }
        }
      }
      return refs;
    }
    // kaniko: executor --destination REF ...
    CobraLine line = ParseCobra(args, 1, {"--destination", "--context", "--dockerfile", "--cache-repo", "--build-arg"}, "dcf");
    flag_values(line, {"-d", "--destination"});
    return refs;
  }

  absl::Status Push(const std::string& tool, const Args& args) {
    if (config_.mode == Mode::kDeployment) return absl::OkStatus();
    for (const Arg& ref : PushedRefs(tool, args)) {
      if (!ref.known) continue;
      std::optional<std::string> tag = PushedTag(ref.text);
      if (!tag || !config_.IsReleaseTag(*tag)) continue;
      std::string shown = StartsWith(ref.text, "tag:") || StartsWith(ref.text, "all-tags:")
                              ? ""
                              : absl::StrCat(" ", Safe(ref.text));
      if (StartsWith(ref.text, "all-tags:")) {
        return Refuse(kReleaseTag, absl::StrCat(tool, " push --all-tags may push release tags; "
                                                      "push the dev tag alone"));
      }
      return Refuse(kReleaseTag,
                    absl::StrCat(tool, " pushes", shown, " under release tag ", Safe(*tag), " in ",
                                 ToAbsl(ModeName(config_.mode)),
                                 " mode; release tags come from Git/CI, never from the dev loop"));
    }
    return absl::OkStatus();
  }

  const GuardConfig& config_;
  std::string dir_;
  Redactor redactor_;
  std::map<std::string, Arg> vars_;
  std::set<std::string> exported_;  // names of vars_ in the environment of commands
  std::map<std::string, std::string> aliases_;
  std::set<std::string> expanding_;
  std::set<std::string> scripts_read_;
  std::vector<std::string> via_;
  int depth_ = 0;
};

}  // namespace

absl::Status GuardConfig::Validate() const {
  if (dev_namespaces.empty()) {
    return absl::InvalidArgumentError("guard: dev_namespaces: at least one dev namespace is needed");
  }
  for (const std::string& ns : dev_namespaces) {
    if (ns.empty()) return absl::InvalidArgumentError("guard: dev_namespaces: empty namespace name");
    if (IsPreviewNamespace(ns)) {
      return absl::InvalidArgumentError(
          absl::StrCat("guard: dev_namespaces: '", ns, "' matches a preview namespace pattern"));
    }
  }
  if (dev_release_suffix.empty() && dev_releases.empty()) {
    return absl::InvalidArgumentError(
        "guard: dev_release_suffix: empty, and no dev_releases listed: no release could be a dev "
        "release");
  }
  return absl::OkStatus();
}

bool GuardConfig::IsDevNamespace(std::string_view ns) const {
  for (const std::string& dev : dev_namespaces) {
    if (dev == ns) return true;
  }
  return false;
}

bool GuardConfig::IsDevRelease(std::string_view release) const {
  if (release.empty()) return false;
  for (const std::string& dev : dev_releases) {
    if (dev == release) return true;
  }
  return !dev_release_suffix.empty() && release.size() > dev_release_suffix.size() &&
         release.substr(release.size() - dev_release_suffix.size()) == dev_release_suffix;
}

bool GuardConfig::IsPreviewNamespace(std::string_view ns) const {
  for (const std::string& pattern : preview_namespaces) {
    if (GlobMatch(pattern, ns)) return true;
  }
  return false;
}

bool GuardConfig::IsReleaseTag(std::string_view tag) const {
  if (IsSemver(tag)) return true;
  for (const std::string& pattern : release_tags) {
    if (GlobMatch(pattern, tag)) return true;
  }
  return false;
}

const std::vector<GuardRule>& GuardRules() { return Rules(); }

std::string GuardRuleOf(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kFailedPrecondition) return "";
  std::string_view message = ToStd(status.message());
  size_t at = message.find(kRefusedPrefix);
  if (at == std::string_view::npos) return "";
  message.remove_prefix(at + kRefusedPrefix.size());
  return std::string(message.substr(0, message.find(':')));
}

Guard::Guard(GuardConfig config) : config_(std::move(config)) {}

absl::Status Guard::Check(const CommandSpec& spec) const {
  Inspector inspector(config_, spec);
  return inspector.Argv(spec.argv);
}

absl::Status Guard::CheckArgv(const std::vector<std::string>& argv) const {
  CommandSpec spec;
  spec.argv = argv;
  return Check(spec);
}

absl::Status Guard::CheckShell(std::string_view script) const {
  return CheckArgv({"sh", "-c", std::string(script)});
}

}  // namespace fops
