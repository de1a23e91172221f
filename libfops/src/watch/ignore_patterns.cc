#include "fops/watch/ignore_patterns.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

// Go's filepath.Clean on a '/' path, then Docker's "drop a leading '/'".
std::string Clean(std::string_view pattern) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(ToAbsl(pattern), '/')) {
    if (part.empty() || part == ".") continue;
    if (part == ".." && !parts.empty() && parts.back() != "..") {
      parts.pop_back();
      continue;
    }
    parts.emplace_back(part);
  }
  return parts.empty() ? "." : absl::StrJoin(parts, "/");
}

}  // namespace

absl::StatusOr<std::vector<IgnorePatterns::Token>> IgnorePatterns::Tokenize(
    std::string_view p) {
  std::vector<Token> tokens;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '*') {
      if (i + 1 < p.size() && p[i + 1] == '*') {
        ++i;
        if (i + 1 < p.size() && p[i + 1] == '/') ++i;  // "**/" is "**"
        tokens.push_back({i + 1 == p.size() ? TokenKind::kAnyAll : TokenKind::kAnyDirs});
      } else {
        tokens.push_back({TokenKind::kStar});
      }
    } else if (c == '?') {
      tokens.push_back({TokenKind::kAnyOne});
    } else if (c == '\\') {
      if (i + 1 == p.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("ignore pattern \"", ToAbsl(p),
                         "\": ends with an unfinished '\\' escape"));
      }
      tokens.push_back({TokenKind::kLiteral, p[++i]});
    } else if (c == '[') {
      Token t{TokenKind::kClass};
      size_t j = i + 1;
      if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
        t.negated = true;
        ++j;
      }
      bool closed = false;
      bool first = true;
      while (j < p.size()) {
        if (p[j] == ']' && !first) {
          closed = true;
          break;
        }
        first = false;
        char lo = p[j];
        if (lo == '\\' && j + 1 < p.size()) lo = p[++j];
        char hi = lo;
        if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
          hi = p[j + 2];
          if (hi == '\\' && j + 3 < p.size()) {
            hi = p[j + 3];
            ++j;
          }
          j += 2;
        }
        if (hi < lo) {
          return absl::InvalidArgumentError(absl::StrCat(
              "ignore pattern \"", ToAbsl(p), "\": range ", std::string(1, lo), "-",
              std::string(1, hi), " is reversed"));
        }
        t.set.push_back(lo);
        t.set.push_back(hi);
        ++j;
      }
      if (!closed) {
        return absl::InvalidArgumentError(
            absl::StrCat("ignore pattern \"", ToAbsl(p), "\": '[' at offset ", i,
                         " has no closing ']'"));
      }
      tokens.push_back(std::move(t));
      i = j;
    } else {
      tokens.push_back({TokenKind::kLiteral, c});
    }
  }
  return tokens;
}

bool IgnorePatterns::Match(const std::vector<Token>& tokens, size_t ti, std::string_view s,
                           size_t si) {
  while (ti < tokens.size()) {
    const Token& t = tokens[ti];
    switch (t.kind) {
      case TokenKind::kLiteral:
        if (si >= s.size() || s[si] != t.literal) return false;
        ++si;
        ++ti;
        break;
      case TokenKind::kAnyOne:
        if (si >= s.size() || s[si] == '/') return false;
        ++si;
        ++ti;
        break;
      case TokenKind::kClass: {
        if (si >= s.size() || s[si] == '/') return false;
        bool in = false;
        for (size_t k = 0; k + 1 < t.set.size(); k += 2) {
          in = in || (s[si] >= t.set[k] && s[si] <= t.set[k + 1]);
        }
        if (in == t.negated) return false;
        ++si;
        ++ti;
        break;
      }
      case TokenKind::kAnyAll:
        return true;
      case TokenKind::kStar:
        // [^/]*: try every length up to the next '/'.
        for (size_t k = si;; ++k) {
          if (Match(tokens, ti + 1, s, k)) return true;
          if (k >= s.size() || s[k] == '/') return false;
        }
      case TokenKind::kAnyDirs:
        // (.*/)?: nothing, or anything ending in '/'.
        if (Match(tokens, ti + 1, s, si)) return true;
        for (size_t k = si; k < s.size(); ++k) {
          if (s[k] == '/' && Match(tokens, ti + 1, s, k + 1)) return true;
        }
        return false;
    }
  }
  return si == s.size();
}

absl::StatusOr<IgnorePatterns> IgnorePatterns::Compile(const std::vector<std::string>& patterns) {
  IgnorePatterns out;
  for (const std::string& raw : patterns) {
    std::string_view text = raw;
    Pattern p;
    if (!text.empty() && text.front() == '!') {
      p.exception = true;
      text.remove_prefix(1);
    }
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (text.empty()) continue;
    p.text = Clean(text);
    if (p.text == ".") continue;  // the root itself is never excluded
    absl::StatusOr<std::vector<Token>> tokens = Tokenize(p.text);
    if (!tokens.ok()) return tokens.status();
    p.tokens = *std::move(tokens);
    p.components = absl::StrSplit(p.text, '/');
    out.has_exceptions_ = out.has_exceptions_ || p.exception;
    out.patterns_.push_back(std::move(p));
  }
  return out;
}

bool IgnorePatterns::MatchesOrParent(const Pattern& p, std::string_view path) {
  if (Match(p.tokens, 0, path, 0)) return true;
  for (size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    if (Match(p.tokens, 0, path.substr(0, slash), 0)) return true;
  }
  return false;
}

bool IgnorePatterns::Excluded(std::string_view path) const {
  bool matched = false;
  for (const Pattern& p : patterns_) {
    // An exclusion cannot change an excluded path, nor an exception an included one.
    if (p.exception != matched) continue;
    if (MatchesOrParent(p, path)) matched = !p.exception;
  }
  return matched;
}

bool IgnorePatterns::CanSkipDirectory(std::string_view dir) const {
  if (!has_exceptions_) return true;
  std::vector<absl::string_view> parts = absl::StrSplit(ToAbsl(dir), '/');
  for (const Pattern& p : patterns_) {
    if (!p.exception) continue;
    bool could_match_inside = true;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i >= p.components.size() || p.components[i].find("**") != std::string::npos) break;
      absl::StatusOr<std::vector<Token>> component = Tokenize(p.components[i]);
      // A component cut inside an escape or a class (`a\/b`, `[/]`) cannot
      // be judged alone: the pattern may still match inside.
      if (!component.ok()) break;
      if (!Match(*component, 0, ToStd(parts[i]), 0)) {
        could_match_inside = false;
        break;
      }
    }
    if (could_match_inside) return false;
  }
  return true;
}

}  // namespace fops
