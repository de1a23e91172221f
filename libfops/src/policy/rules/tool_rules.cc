#include "tool_rules.h"

#include <cctype>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace fops::guard_rules {

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

const Arg* CobraLine::Flag(std::initializer_list<std::string_view> names) const {
  const Arg* found = nullptr;
  for (const auto& [name, value] : flags) {
    if (Contains(names, name)) found = &value;  // the last one wins, as in cobra
  }
  return found;
}

bool CobraLine::Has(std::initializer_list<std::string_view> names) const {
  for (const auto& [name, value] : flags) {
    if (Contains(names, name)) return true;
  }
  return false;
}

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

}  // namespace fops::guard_rules
