// The guard's public face: its configuration, the rule list, and Check,
// which hands each command to a CommandReader (command_reader.h). The rules
// of each tool are in policy/rules.
#include "fops/policy/guard.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fops/base/string_view.h"
#include "fops/exec/scripted_executor.h"
#include "command_reader.h"
#include "rules/tool_rules.h"

namespace fops {
namespace {

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

// Edits (insert, delete, replace) between two ids: how close a typo is.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// `text` as lines of at most `width` characters, each after `indent`.
void AppendWrapped(std::string& out, std::string_view text, std::string_view indent, size_t width) {
  size_t column = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(start, end - start);
    if (column > 0 && column + 1 + word.size() > width) {
      out += "\n";
      column = 0;
    }
    if (column == 0) {
      absl::StrAppend(&out, ToAbsl(indent), ToAbsl(word));
      column = indent.size() + word.size();
    } else {
      absl::StrAppend(&out, " ", ToAbsl(word));
      column += 1 + word.size();
    }
    start = end + 1;
  }
  out += "\n";
}

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

const std::vector<GuardRule>& GuardRules() {
  // The reader's own rule, then each tool's, in the table's order.
  static const auto* rules = [] {
    auto* all = new std::vector<GuardRule>{guard_rules::UnreadableRule()};
    for (const guard_rules::ToolRules* tool : guard_rules::ToolRuleTable()) {
      all->insert(all->end(), tool->rules.begin(), tool->rules.end());
    }
    return all;
  }();
  return *rules;
}

absl::StatusOr<const GuardRule*> FindGuardRule(std::string_view id) {
  if (const GuardRule* rule = guard_rules::FindRule(id)) return rule;
  // Close ids first: a typo (a few edits) or a part of an id (helm).
  std::vector<std::pair<size_t, std::string_view>> close;
  for (const GuardRule& rule : GuardRules()) {
    size_t distance = EditDistance(id, rule.id);
    bool part = id.size() >= 3 && rule.id.find(id) != std::string_view::npos;
    if (part || distance <= std::max<size_t>(2, id.size() / 3)) {
      close.emplace_back(part ? 0 : distance, rule.id);
    }
  }
  std::stable_sort(close.begin(), close.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> names;
  for (const auto& [distance, name] : close) names.emplace_back(name);
  std::string message = absl::StrCat("unknown guard rule '", ToAbsl(id), "'");
  if (!names.empty()) {
    absl::StrAppend(&message, "; did you mean ", absl::StrJoin(names, ", "), "?");
  } else {
    std::vector<std::string> all;
    for (const GuardRule& rule : GuardRules()) all.emplace_back(rule.id);
    absl::StrAppend(&message, "; the rules are ", absl::StrJoin(all, ", "));
  }
  return absl::NotFoundError(message);
}

std::string ExplainGuardRule(const GuardRule& rule) {
  constexpr size_t kWidth = 78;
  std::string out = absl::StrCat(ToAbsl(rule.id), "\n");
  AppendWrapped(out, rule.reason, "  ", kWidth);
  out += "\nRefuses:\n";
  AppendWrapped(out, rule.refuses, "  ", kWidth);
  out += "\nWhy:\n";
  AppendWrapped(out, rule.why, "  ", kWidth);
  out += "\nInstead:\n";
  AppendWrapped(out, rule.instead, "  ", kWidth);
  for (bool refused : {true, false}) {
    bool header = false;
    for (const GuardExample& example : rule.examples) {
      if (example.refused != refused) continue;
      if (!header) {
        absl::StrAppend(&out, "\n", refused ? "Refused" : "Allowed", " in ",
                        ToAbsl(ModeName(rule.mode)), " mode:\n");
        header = true;
      }
      absl::StrAppend(&out, "  ", ToAbsl(example.command), "\n");
    }
  }
  return out;
}

GuardConfig ExampleConfig(const GuardRule& rule) {
  GuardConfig config{.mode = rule.mode};
  if (rule.mode == Mode::kStaging) {
    config.staging_targets = {{.release = "fractalops-api", .namespace_name = "fractalops"}};
  }
  if (!rule.allowed_contexts.empty()) {
    config.allowed_contexts = {std::string(rule.allowed_contexts)};
    config.current_context = std::string(rule.allowed_contexts);
  }
  return config;
}

std::string GuardRuleOf(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kFailedPrecondition) return "";
  std::string_view message = ToStd(status.message());
  size_t at = message.find(guard_rules::kRefusedPrefix);
  if (at == std::string_view::npos) return "";
  message.remove_prefix(at + guard_rules::kRefusedPrefix.size());
  return std::string(message.substr(0, message.find(':')));
}

std::vector<std::string> GuardExplainHints(std::string_view message) {
  std::vector<std::string> hints;
  std::vector<std::string_view> named;
  constexpr std::string_view kPrefix = guard_rules::kRefusedPrefix;
  for (size_t at = message.find(kPrefix); at != std::string_view::npos;
       at = message.find(kPrefix, at + kPrefix.size())) {
    std::string_view rest = message.substr(at + kPrefix.size());
    std::string_view id = rest.substr(0, rest.find(':'));
    if (guard_rules::FindRule(id) == nullptr ||
        std::find(named.begin(), named.end(), id) != named.end()) {
      continue;  // not a rule (quoted text), or named already
    }
    named.push_back(id);
    hints.push_back(absl::StrCat("`fops guard --explain ", ToAbsl(id),
                                 "`: why the rule exists and what to do instead"));
  }
  return hints;
}

Guard::Guard(GuardConfig config) : config_(std::move(config)) {}

absl::Status Guard::Check(const CommandSpec& spec) const {
  guard_rules::CommandReader reader(config_, spec);
  return reader.Argv(spec.argv);
}

absl::Status Guard::CheckArgv(const std::vector<std::string>& argv) const {
  CommandSpec spec;
  spec.argv = argv;
  return Check(spec);
}

absl::Status Guard::CheckShell(std::string_view script) const {
  return CheckArgv({"sh", "-c", std::string(script)});
}

std::vector<ScriptRefusal> Guard::CheckScript(std::string_view script,
                                              const CommandSpec& spec) const {
  guard_rules::CommandReader reader(config_, spec);
  return reader.ScriptRefusals(script);
}

}  // namespace fops
