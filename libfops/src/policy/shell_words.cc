#include "fops/policy/shell_words.h"

#include <cctype>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

constexpr int kMaxDepth = 64;
constexpr size_t kNoCommand = static_cast<size_t>(-1);

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
// Characters that end an unquoted word.
bool IsWordEnd(char c) {
  return IsBlank(c) || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')' ||
         c == '<' || c == '>';
}

// What a `case` statement expects next.
enum class CaseState { kHeader, kPattern, kBody };

struct PendingHeredoc {
  size_t command = kNoCommand;  // index in the output, or kNoCommand
  std::string delimiter;
  bool strip_tabs = false;  // <<-
  bool quoted = false;      // a quoted delimiter: no expansion in the body
};

// The simple command being read.
struct Building {
  ShellCommand command;
  bool discard = false;  // a for/select/case header or [[ ]]: not a command
  bool after_time = false;
  bool function_name = false;  // the next word names a function
  bool in_test = false;        // inside [[ ... ]]
  std::vector<PendingHeredoc> heredocs;
  bool at_command_position() const { return command.words.empty() && !discard; }
};

class Splitter {
 public:
  Splitter(std::string_view text, std::vector<ShellCommand>& out, int depth)
      : s_(text), out_(out), depth_(depth) {}

  absl::Status Run() { return ParseList(/*until_paren=*/false); }

  /// The byte offset of the error Run returned.
  size_t error_at() const { return error_at_; }

  // Reads `s_` as the inside of double quotes without the closing quote
  // (an unquoted here-document body): only its substitutions matter.
  absl::Status ScanExpansions() {
    ShellWord ignored;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '\\' && pos_ + 1 < s_.size()) {
        pos_ += 2;
      } else if (c == '$') {
        FOPS_RETURN_IF_ERROR(ParseDollar(ignored, /*in_double_quotes=*/true));
      } else if (c == '`') {
        FOPS_RETURN_IF_ERROR(ParseBacktick(ignored));
      } else {
        ++pos_;
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error(std::string_view what, size_t at) {
    error_at_ = at;
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(what), " at byte ", at));
  }

  bool At(std::string_view token) const { return s_.substr(pos_, token.size()) == token; }

  // Commands out_[first...] were read from a copy of s_[begin, end) (a
  // backtick's body, a here-document, an arithmetic expansion): their
  // ranges become that construct's.
  void Place(size_t first, size_t begin, size_t end) {
    for (size_t i = first; i < out_.size(); ++i) {
      out_[i].begin = begin;
      out_[i].end = end;
    }
  }

  // Pushes the command being read (unless it is empty or not a command)
  // and hands its here-documents to the next newline.
  void Finish(Building& b) {
    size_t index = kNoCommand;
    if (!b.discard && !b.command.words.empty()) {
      index = out_.size();
      out_.push_back(std::move(b.command));
    }
    for (PendingHeredoc& h : b.heredocs) {
      h.command = index;
      pending_.push_back(std::move(h));
    }
    b = Building{};
  }

  // After a newline: reads the bodies of the here-documents opened on the
  // line that just ended.
  absl::Status ReadHeredocBodies() {
    std::vector<PendingHeredoc> pending = std::move(pending_);
    pending_.clear();
    for (const PendingHeredoc& h : pending) {
      const size_t body_begin = pos_;
      size_t body_end = pos_;
      std::string body;
      while (pos_ < s_.size()) {
        body_end = pos_;
        size_t eol = s_.find('\n', pos_);
        std::string_view line = s_.substr(pos_, eol == std::string_view::npos ? s_.npos : eol - pos_);
        pos_ = eol == std::string_view::npos ? s_.size() : eol + 1;
        std::string_view compare = line;
        if (h.strip_tabs) {
          while (!compare.empty() && compare.front() == '\t') compare.remove_prefix(1);
        }
        if (compare == h.delimiter) break;
        body_end = pos_;
        absl::StrAppend(&body, ToAbsl(compare), "\n");
      }
      if (!h.quoted) {
        const size_t first = out_.size();
        Splitter scan(body, out_, depth_ + 1);
        if (absl::Status status = scan.ScanExpansions(); !status.ok()) {
          error_at_ = body_begin;  // inner offsets are in the body's copy
          return status;
        }
        if (h.strip_tabs) {
          Place(first, body_begin, body_end);  // the copy lost the tabs
        } else {
          for (size_t i = first; i < out_.size(); ++i) {  // the copy is the text itself
            out_[i].begin += body_begin;
            out_[i].end += body_begin;
          }
        }
      }
      if (h.command != kNoCommand) out_[h.command].heredoc += body;
    }
    return absl::OkStatus();
  }

  // A sequence of commands up to the end of the text or, with
  // `until_paren`, up to and including the `)` that closes it.
  absl::Status ParseList(bool until_paren) {
    if (++depth_ > kMaxDepth) return Error("nesting deeper than 64", pos_);
    size_t opened_at = pos_;
    Building b;
    std::vector<CaseState> cases;
    while (true) {
      if (pos_ >= s_.size()) {
        if (until_paren) return Error("unterminated '(' opened", opened_at);
        Finish(b);
        --depth_;
        return absl::OkStatus();
      }
      char c = s_[pos_];
      if (IsBlank(c)) {
        ++pos_;
        continue;
      }
      if (c == '\\' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') {
        pos_ += 2;
        continue;
      }
      if (c == '#') {  // a comment: only at the start of a word, which this is
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
        continue;
      }
      if (b.in_test && (c == '(' || c == ')' || c == '<' || c == '>' || c == '&' || c == '|' ||
                        c == '!')) {
        ++pos_;  // grouping and comparison inside [[ ]], not operators
        continue;
      }
      if (c == '\n') {
        ++pos_;
        Finish(b);
        FOPS_RETURN_IF_ERROR(ReadHeredocBodies());
        continue;
      }
      if (At(";;&") || At(";;") || At(";&")) {
        pos_ += At(";;&") ? 3 : 2;
        Finish(b);
        if (!cases.empty()) cases.back() = CaseState::kPattern;
        continue;
      }
      if (c == ';' || At("&&") || At("||") || At("|&")) {
        pos_ += c == ';' ? 1 : 2;
        Finish(b);
        continue;
      }
      if (c == '|') {
        ++pos_;
        if (cases.empty() || cases.back() != CaseState::kPattern) Finish(b);
        continue;  // in a case pattern, `|` separates alternatives
      }
      if (c == '&' && !At("&>")) {
        ++pos_;
        Finish(b);
        continue;
      }
      if (At("((") && b.command.words.empty() &&
          (cases.empty() || cases.back() != CaseState::kPattern)) {
        // ((…)) and for ((…)): arithmetic, not a subshell in a subshell.
        FOPS_RETURN_IF_ERROR(SkipArithmetic(/*dollar=*/false, nullptr));
        b.discard = true;
        continue;
      }
      if (c == '(') {
        FOPS_RETURN_IF_ERROR(OpenParen(b, cases));
        continue;
      }
      if (c == ')') {
        if (!cases.empty() && cases.back() == CaseState::kPattern) {
          ++pos_;
          b = Building{};  // the pattern is not a command
          cases.back() = CaseState::kBody;
          continue;
        }
        if (!until_paren) return Error("unmatched ')'", pos_);
        ++pos_;
        Finish(b);
        --depth_;
        return absl::OkStatus();
      }
      if ((c == '<' || c == '>') && pos_ + 1 < s_.size() && s_[pos_ + 1] == '(') {
        FOPS_RETURN_IF_ERROR(ReadWord(b, cases));  // process substitution
        continue;
      }
      if (c == '<' || c == '>' || At("&>")) {
        FOPS_RETURN_IF_ERROR(ParseRedirect(b));
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c))) {
        size_t end = pos_;
        while (end < s_.size() && std::isdigit(static_cast<unsigned char>(s_[end]))) ++end;
        if (end < s_.size() && (s_[end] == '<' || s_[end] == '>')) {
          pos_ = end;  // an IO number (2>&1): part of the redirection
          continue;
        }
      }
      FOPS_RETURN_IF_ERROR(ReadWord(b, cases));
    }
  }

  absl::Status OpenParen(Building& b, std::vector<CaseState>& cases) {
    size_t at = pos_;
    ++pos_;
    if (!cases.empty() && cases.back() == CaseState::kPattern) return absl::OkStatus();
    size_t next = pos_;
    while (next < s_.size() && IsBlank(s_[next])) ++next;
    if (next < s_.size() && s_[next] == ')' &&
        (b.command.words.size() == 1 || b.command.words.empty())) {
      pos_ = next + 1;  // name() { ...: a function definition, not a command
      b = Building{};
      return absl::OkStatus();
    }
    if (!b.command.words.empty() && !b.command.words.back().text.empty() &&
        b.command.words.back().text.back() == '=' && !b.command.words.back().quoted) {
      // An array assignment, name=( a b $(c) ): read its words, keep none.
      Building array;
      while (true) {
        while (pos_ < s_.size() && (IsBlank(s_[pos_]) || s_[pos_] == '\n')) ++pos_;
        if (pos_ >= s_.size()) return Error("unterminated '(' opened", at);
        if (s_[pos_] == ')') {
          ++pos_;
          return absl::OkStatus();
        }
        ShellWord ignored;
        FOPS_RETURN_IF_ERROR(ParseWord(ignored));
        if (ignored.text.empty() && pos_ < s_.size() && s_[pos_] != ')') ++pos_;
      }
    }
    if (!b.command.words.empty() || b.discard) return Error("unexpected '('", at);
    // A subshell: its commands are commands like any other.
    return ParseList(/*until_paren=*/true);
  }

  absl::Status ParseRedirect(Building& b) {
    size_t at = pos_;
    static constexpr std::string_view kOperators[] = {"&>>", "&>", "<<<", "<<-", "<<", "<>", "<&",
                                                      ">>",  ">|", ">&",  "<",   ">"};
    std::string_view op;
    for (std::string_view candidate : kOperators) {
      if (At(candidate)) {
        op = candidate;
        break;
      }
    }
    pos_ += op.size();
    while (pos_ < s_.size() && IsBlank(s_[pos_])) ++pos_;
    if (pos_ >= s_.size() || (IsWordEnd(s_[pos_]) && !(s_[pos_] == '<' || s_[pos_] == '>'))) {
      return Error(absl::StrCat("'", ToAbsl(op), "' without a target"), at);
    }
    ShellWord target;
    FOPS_RETURN_IF_ERROR(ParseWord(target));
    if (op == "<<" || op == "<<-") {
      b.heredocs.push_back(PendingHeredoc{.delimiter = target.text,
                                          .strip_tabs = op == "<<-",
                                          .quoted = target.quoted});
    } else if (op == "<<<") {
      absl::StrAppend(&b.command.heredoc, target.text, "\n");
    }
    if (!b.command.words.empty()) b.command.end = pos_;
    return absl::OkStatus();
  }

  // Reads one word into the command, handling reserved words at the
  // command position and the states of `case`.
  absl::Status ReadWord(Building& b, std::vector<CaseState>& cases) {
    ShellWord word;
    const size_t start = pos_;
    FOPS_RETURN_IF_ERROR(ParseWord(word));
    const bool reserved_position = !word.quoted && b.at_command_position();
    const std::string& t = word.text;
    if (b.in_test) {
      if (!word.quoted && t == "]]") b.in_test = false;
      return absl::OkStatus();
    }
    if (!cases.empty() && cases.back() == CaseState::kHeader) {
      if (!word.quoted && t == "in") cases.back() = CaseState::kPattern;
      return absl::OkStatus();
    }
    if (!cases.empty() && cases.back() == CaseState::kPattern) {
      if (!word.quoted && t == "esac") cases.pop_back();
      return absl::OkStatus();  // patterns are not commands
    }
    if (b.function_name) {
      b.function_name = false;
      return absl::OkStatus();
    }
    if (reserved_position) {
      if (t == "!" || t == "{" || t == "}" || t == "if" || t == "then" || t == "else" ||
          t == "elif" || t == "fi" || t == "do" || t == "done" || t == "while" || t == "until" ||
          t == "coproc") {
        return absl::OkStatus();
      }
      if (t == "time") {
        b.after_time = true;
        return absl::OkStatus();
      }
      if (t == "-p" && b.after_time) return absl::OkStatus();
      if (t == "function") {
        b.function_name = true;
        return absl::OkStatus();
      }
      if (t == "esac") {
        if (!cases.empty()) cases.pop_back();
        return absl::OkStatus();
      }
      if (t == "case") {
        cases.push_back(CaseState::kHeader);
        b.discard = true;
        return absl::OkStatus();
      }
      if (t == "for" || t == "select") {
        b.discard = true;  // `for x in a b c`: words, not a command
        return absl::OkStatus();
      }
      if (t == "[[") {
        b.in_test = true;
        b.discard = true;
        return absl::OkStatus();
      }
    }
    b.after_time = false;
    if (b.command.words.empty()) b.command.begin = start;
    b.command.words.push_back(std::move(word));
    b.command.end = pos_;
    return absl::OkStatus();
  }

  // One word, up to an unquoted blank or operator character.
  absl::Status ParseWord(ShellWord& w) {
    size_t start = pos_;
    bool brace = false;
    bool comma = false;
    if (At("<(") || At(">(")) {
      pos_ += 2;
      FOPS_RETURN_IF_ERROR(ParseList(/*until_paren=*/true));
      w.text.append(s_.substr(start, pos_ - start));
      w.literal = false;
    }
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (IsWordEnd(c)) break;
      if (c == '\\') {
        if (pos_ + 1 >= s_.size()) {
          w.text.push_back('\\');
          ++pos_;
        } else if (s_[pos_ + 1] == '\n') {
          pos_ += 2;
        } else {
          w.text.push_back(s_[pos_ + 1]);
          w.quoted = true;
          pos_ += 2;
        }
      } else if (c == '\'') {
        size_t end = s_.find('\'', pos_ + 1);
        if (end == std::string_view::npos) return Error("unterminated single quote", pos_);
        w.text.append(s_.substr(pos_ + 1, end - pos_ - 1));
        w.quoted = true;
        pos_ = end + 1;
      } else if (c == '"') {
        FOPS_RETURN_IF_ERROR(ParseDoubleQuoted(w));
      } else if (c == '$') {
        FOPS_RETURN_IF_ERROR(ParseDollar(w, /*in_double_quotes=*/false));
      } else if (c == '`') {
        FOPS_RETURN_IF_ERROR(ParseBacktick(w));
      } else {
        if (c == '*' || c == '?' || c == '[') w.literal = false;  // a glob
        if (c == '{') brace = true;
        if (c == ',' || (c == '.' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '.')) comma = true;
        w.text.push_back(c);
        ++pos_;
      }
    }
    if (brace && comma) w.literal = false;  // brace expansion: {kube,}ctl
    if (!w.literal) w.variable = WholeVariable(w.text);
    return absl::OkStatus();
  }

  // NAME when `text` is exactly $NAME or ${NAME}.
  static std::string WholeVariable(std::string_view text) {
    if (text.size() < 2 || text[0] != '$') return "";
    std::string_view name = text.substr(1);
    if (name.size() >= 2 && name.front() == '{' && name.back() == '}') {
      name = name.substr(1, name.size() - 2);
    }
    if (name.empty() || !IsNameStart(name[0])) return "";
    for (char c : name) {
      if (!IsNameChar(c)) return "";
    }
    return std::string(name);
  }

  absl::Status ParseDoubleQuoted(ShellWord& w) {
    size_t at = pos_;
    ++pos_;
    w.quoted = true;
    while (true) {
      if (pos_ >= s_.size()) return Error("unterminated double quote", at);
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c == '\\' && pos_ + 1 < s_.size()) {
        char next = s_[pos_ + 1];
        if (next == '\n') {
          pos_ += 2;
          continue;
        }
        if (next == '$' || next == '`' || next == '"' || next == '\\') {
          w.text.push_back(next);
        } else {
          w.text.push_back('\\');
          w.text.push_back(next);
        }
        pos_ += 2;
      } else if (c == '$') {
        FOPS_RETURN_IF_ERROR(ParseDollar(w, /*in_double_quotes=*/true));
      } else if (c == '`') {
        FOPS_RETURN_IF_ERROR(ParseBacktick(w));
      } else {
        w.text.push_back(c);
        ++pos_;
      }
    }
  }

  absl::Status ParseDollar(ShellWord& w, bool in_double_quotes) {
    size_t start = pos_;
    char next = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
    if (next == '\'' && !in_double_quotes) return ParseAnsiC(w);
    if (next == '"' && !in_double_quotes) {
      ++pos_;  // $"…": a translated string, quoted like "…"
      return ParseDoubleQuoted(w);
    }
    if (next == '(') {
      if (pos_ + 2 < s_.size() && s_[pos_ + 2] == '(') {
        bool arithmetic = false;
        FOPS_RETURN_IF_ERROR(SkipArithmetic(/*dollar=*/true, &arithmetic));
        if (!arithmetic) {
          pos_ = start + 2;  // $( (…) …): a substitution that opens a subshell
          FOPS_RETURN_IF_ERROR(ParseList(/*until_paren=*/true));
        }
      } else {
        pos_ += 2;
        FOPS_RETURN_IF_ERROR(ParseList(/*until_paren=*/true));
      }
      w.text.append(s_.substr(start, pos_ - start));
      w.literal = false;
      return absl::OkStatus();
    }
    if (next == '{') {
      FOPS_RETURN_IF_ERROR(SkipBraces());
      w.text.append(s_.substr(start, pos_ - start));
      w.literal = false;
      return absl::OkStatus();
    }
    if (IsNameStart(next)) {
      pos_ += 2;
      while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
      w.text.append(s_.substr(start, pos_ - start));
      w.literal = false;
      return absl::OkStatus();
    }
    if (std::isdigit(static_cast<unsigned char>(next)) || next == '@' || next == '*' ||
        next == '#' || next == '?' || next == '-' || next == '$' || next == '!') {
      pos_ += 2;
      w.text.append(s_.substr(start, 2));
      w.literal = false;
      return absl::OkStatus();
    }
    w.text.push_back('$');  // a lone dollar is a dollar
    ++pos_;
    return absl::OkStatus();
  }

  // ${…}: to the matching brace; substitutions inside are read.
  absl::Status SkipBraces() {
    size_t at = pos_;
    pos_ += 2;
    int depth = 1;
    ShellWord ignored;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '}') {
        if (--depth == 0) {
          ++pos_;
          return absl::OkStatus();
        }
        ++pos_;
      } else if (c == '\\' && pos_ + 1 < s_.size()) {
        pos_ += 2;
      } else if (c == '\'') {
        size_t end = s_.find('\'', pos_ + 1);
        if (end == std::string_view::npos) return Error("unterminated single quote", pos_);
        pos_ = end + 1;
      } else if (c == '"') {
        FOPS_RETURN_IF_ERROR(ParseDoubleQuoted(ignored));
      } else if (c == '`') {
        FOPS_RETURN_IF_ERROR(ParseBacktick(ignored));
      } else if (c == '$') {
        if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '{') {
          ++depth;
          pos_ += 2;
        } else {
          FOPS_RETURN_IF_ERROR(ParseDollar(ignored, /*in_double_quotes=*/true));
        }
      } else {
        ++pos_;
      }
    }
    return Error("unterminated '${'", at);
  }

  // $((…)) or ((…)): to the matching `))`. The inside is read leniently
  // as commands too, so `$((kubectl …))` cannot hide one. With `dollar`,
  // `*arithmetic` says whether it really closed with `))`.
  absl::Status SkipArithmetic(bool dollar, bool* arithmetic) {
    size_t at = pos_;
    size_t open = pos_ + (dollar ? 3 : 2);
    size_t i = open;
    int depth = 2;
    while (i < s_.size() && depth > 0) {
      char c = s_[i];
      if (c == '(') ++depth;
      if (c == ')') --depth;
      if (c == '\'' || c == '"') {
        size_t end = s_.find(c, i + 1);
        if (end == std::string_view::npos) return Error("unterminated quote", i);
        i = end;
      }
      ++i;
    }
    if (depth > 0) return Error("unterminated '(('", at);
    bool closed_together = s_[i - 2] == ')';
    if (arithmetic != nullptr) *arithmetic = closed_together;
    if (dollar && !closed_together) return absl::OkStatus();
    std::string inner(s_.substr(open, i - 2 - open));
    std::vector<ShellCommand> lenient;
    Splitter inside(inner, lenient, depth_ + 1);
    if (inside.Run().ok()) {
      const size_t first = out_.size();
      for (ShellCommand& command : lenient) out_.push_back(std::move(command));
      Place(first, at, i);
    }
    pos_ = i;
    return absl::OkStatus();
  }

  absl::Status ParseBacktick(ShellWord& w) {
    size_t at = pos_;
    ++pos_;
    std::string body;
    while (true) {
      if (pos_ >= s_.size()) return Error("unterminated backtick", at);
      char c = s_[pos_];
      if (c == '`') {
        ++pos_;
        break;
      }
      if (c == '\\' && pos_ + 1 < s_.size() &&
          (s_[pos_ + 1] == '`' || s_[pos_ + 1] == '\\' || s_[pos_ + 1] == '$')) {
        body.push_back(s_[pos_ + 1]);
        pos_ += 2;
        continue;
      }
      body.push_back(c);
      ++pos_;
    }
    const size_t first = out_.size();
    Splitter inner(body, out_, depth_ + 1);
    if (absl::Status status = inner.Run(); !status.ok()) {
      error_at_ = at;  // inner offsets are in the body's copy
      return status;
    }
    Place(first, at, pos_);
    w.text.append(s_.substr(at, pos_ - at));
    w.literal = false;
    return absl::OkStatus();
  }

  // $'…' with bash's escapes.
  absl::Status ParseAnsiC(ShellWord& w) {
    size_t at = pos_;
    pos_ += 2;
    w.quoted = true;
    while (true) {
      if (pos_ >= s_.size()) return Error("unterminated $' quote", at);
      char c = s_[pos_];
      if (c == '\'') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c != '\\' || pos_ + 1 >= s_.size()) {
        w.text.push_back(c);
        ++pos_;
        continue;
      }
      char e = s_[pos_ + 1];
      pos_ += 2;
      switch (e) {
        case 'n': w.text.push_back('\n'); break;
        case 't': w.text.push_back('\t'); break;
        case 'r': w.text.push_back('\r'); break;
        case 'a': w.text.push_back('\a'); break;
        case 'b': w.text.push_back('\b'); break;
        case 'f': w.text.push_back('\f'); break;
        case 'v': w.text.push_back('\v'); break;
        case 'e':
        case 'E': w.text.push_back('\x1b'); break;
        case '\\':
        case '\'':
        case '"':
        case '?': w.text.push_back(e); break;
        case 'x': {
          int value = 0;
          int digits = 0;
          while (digits < 2 && pos_ < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[pos_]))) {
            char h = static_cast<char>(std::tolower(static_cast<unsigned char>(s_[pos_])));
            value = value * 16 + (h <= '9' ? h - '0' : h - 'a' + 10);
            ++digits;
            ++pos_;
          }
          if (digits == 0) {
            w.text.append("\\x");
          } else {
            w.text.push_back(static_cast<char>(value));
          }
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            int value = e - '0';
            for (int digits = 1; digits < 3 && pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '7';
                 ++digits) {
              value = value * 8 + (s_[pos_++] - '0');
            }
            w.text.push_back(static_cast<char>(value));
          } else {
            w.text.push_back('\\');
            w.text.push_back(e);
          }
      }
    }
  }

  std::string_view s_;
  std::vector<ShellCommand>& out_;
  int depth_;
  size_t pos_ = 0;
  std::vector<PendingHeredoc> pending_;
  size_t error_at_ = 0;
};

}  // namespace

std::vector<std::string> ShellCommand::texts() const {
  std::vector<std::string> texts;
  texts.reserve(words.size());
  for (const ShellWord& word : words) texts.push_back(word.text);
  return texts;
}

absl::StatusOr<std::vector<ShellCommand>> SplitShell(std::string_view script,
                                                     size_t* error_offset) {
  std::vector<ShellCommand> commands;
  Splitter splitter(script, commands, 0);
  absl::Status status = splitter.Run();
  if (!status.ok()) {
    if (error_offset != nullptr) *error_offset = splitter.error_at();
    return status;
  }
  return commands;
}

bool IsShellAssignment(std::string_view word) {
  size_t eq = word.find('=');
  if (eq == 0 || eq == std::string_view::npos) return false;
  std::string_view name = word.substr(0, eq);
  if (name.back() == '+') name.remove_suffix(1);  // NAME+=value
  if (name.empty() || !IsNameStart(name[0])) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

}  // namespace fops
