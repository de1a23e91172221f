// A tool's guard rules: what the command-line reader (command_reader.h)
// hands to the rules of the tool it found, and the one table that says which
// rules judge which command. The reader unwraps shells and wrappers and
// resolves variables; a rule function only reads the final argv of its tool
// and says whether, and by which rule, it refuses it. Private to libfops.
//
// Adding a tool's rules: write `policy/rules/<tool>_rules.cc` defining a
// ToolRules (its GuardRule entries, the command names it judges, its check
// function) and add it to the table in tool_table.cc.
//
//   std::optional<Refusal> CheckDaytona(const ToolCall& call) {
//     if (call.args.size() > 1 && call.args[1].text == "create") {
//       return Refusal{kPreviewWorkspace, "daytona create: ..."};
//     }
//     return std::nullopt;
//   }
#ifndef FOPS_SRC_POLICY_RULES_TOOL_RULES_H_
#define FOPS_SRC_POLICY_RULES_TOOL_RULES_H_

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fops/policy/guard.h"

namespace fops::guard_rules {

/// One argument after the shell is done with it. `known` is false when it
/// depends on an expansion the guard cannot see; `hint` then holds the text
/// it came from (for recognising `$KUBECTL`).
struct Arg {
  std::string text;
  bool known = true;
  std::string hint;
};
/// A command's arguments; the first is the command name as written.
using Args = std::vector<Arg>;

/// The variables a command sees: its own `VAR=x` prefixes, the script's
/// assignments, the command's environment, then the process environment.
class VariableLookup {
 public:
  virtual ~VariableLookup() = default;
  /// The value of `name`, or nullopt when it is not set anywhere.
  virtual std::optional<Arg> Lookup(const std::string& name) const = 0;
};

/// What a rule function sees: one tool's command, unwrapped.
struct ToolCall {
  /// The repo's guard settings (mode, dev namespaces, ...).
  const GuardConfig& config;
  /// The command's basename ("kubectl" for /usr/local/bin/kubectl).
  std::string_view tool;
  /// The arguments; args[0] is the command as written.
  const Args& args;
  /// Its trailing arguments come from input the guard cannot see (xargs).
  bool trailing_unknown = false;
  /// Variables the command sees (HELM_NAMESPACE, ...).
  const VariableLookup& vars;
};

/// A refusal a rule function returns: the rule id and what it saw.
struct Refusal {
  std::string_view rule;  ///< an id of GuardRules()
  std::string detail;     ///< what it saw, in words safe to show (see Safe)
};

/// A rule function: nullopt when the command is allowed.
using ToolCheck = std::optional<Refusal> (*)(const ToolCall& call);

/// A command name a tool's rules judge.
struct ToolName {
  std::string_view name;           ///< the command's basename: "kubectl", "oc"
  std::string_view path_contains;  ///< when set: only if the command's path contains it
};

/// One tool's rules: one file of policy/rules, one line of the table.
struct ToolRules {
  std::string_view tool;             ///< the group's name, for readers ("kubectl")
  std::span<const GuardRule> rules;  ///< the rules it owns, in the order they are listed
  std::span<const ToolName> names;   ///< the commands it judges
  ToolCheck check;                   ///< judges one command of those names
};

/// The table, in the order rules are listed (GuardRules()).
std::span<const ToolRules* const> ToolRuleTable();

/// The tool whose rules judge a command named `name` (its basename) run as
/// `path`, or nullptr for a command no rule is about.
const ToolRules* FindToolRules(std::string_view name, std::string_view path);

/// What an unresolved command name may stand for: when the name's text
/// contains `stem` ($KUBECTL, ${HELM:-helm}, $(command -v argocd)), it is
/// judged as `tool`. Tried in this order.
struct NameHint {
  std::string_view stem;  ///< lower case
  std::string_view tool;  ///< a name of the table
};
/// Every hint, in the order they are tried.
std::span<const NameHint> NameHints();

// --- words -------------------------------------------------------------------

/// True when `value` is one of `set`.
inline bool Contains(std::initializer_list<std::string_view> set, std::string_view value) {
  for (std::string_view item : set) {
    if (item == value) return true;
  }
  return false;
}

/// True when `text` starts with `prefix`.
inline bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

/// A word safe to quote in a refusal: short and of name characters only,
/// so no credential or stray argument text can ride along; else "<…>".
std::string Safe(std::string_view word);

// --- cobra-style command lines (kubectl, helm, argocd, docker, ...) ----------

/// A parsed command line of a cobra-style tool: flags may come anywhere,
/// before or after the verb; some take a value.
struct CobraLine {
  std::vector<Arg> positionals;                    ///< verb, subverb, names, ...
  std::vector<std::pair<std::string, Arg>> flags;  ///< name ("--namespace", "-n"), value
  /// The value of the last of `names` given (cobra keeps the last), or nullptr.
  const Arg* Flag(std::initializer_list<std::string_view> names) const;
  /// True when any of `names` was given.
  bool Has(std::initializer_list<std::string_view> names) const;
};

/// Parses args[from...]. `value_long`: long flags that take the next word
/// as value; `value_short`: short flag letters that take a value (attached
/// or the next word).
CobraLine ParseCobra(const Args& args, size_t from, std::initializer_list<std::string_view> value_long,
                     std::string_view value_short);

}  // namespace fops::guard_rules

#endif  // FOPS_SRC_POLICY_RULES_TOOL_RULES_H_
