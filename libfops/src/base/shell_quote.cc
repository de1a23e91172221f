#include "fops/base/shell_quote.h"


namespace fops {
namespace {

bool IsSafe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.' || c == '/' || c == ':' || c == '=' ||
         c == '@' || c == '%' || c == '+' || c == ',';
}

// A bare first word a shell reads as something else than the command's
// name: a reserved word (`if`, `time`, ...) or an assignment (`A=b`).
bool ReadAsOtherFirst(std::string_view word) {
  static constexpr std::string_view kReserved[] = {
      "if",   "then",  "else",  "elif", "fi",       "do",     "done",   "case",
      "esac", "while", "until", "for",  "function", "select", "time",   "coproc", "in"};
  for (std::string_view reserved : kReserved) {
    if (word == reserved) return true;
  }
  return word.find('=') != std::string_view::npos;
}

}  // namespace

std::string ShellQuote(std::string_view word) {
  bool safe = !word.empty();
  for (char c : word) safe = safe && IsSafe(c);
  if (safe) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

std::string ShellJoin(const std::vector<std::string>& argv) {
  std::string out;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) out.push_back(' ');
    std::string quoted = ShellQuote(argv[i]);
    // Safe characters only (no quote inside): quoting is enough.
    if (i == 0 && quoted == argv[i] && ReadAsOtherFirst(argv[i])) quoted = "'" + quoted + "'";
    out += quoted;
  }
  return out;
}

}  // namespace fops
