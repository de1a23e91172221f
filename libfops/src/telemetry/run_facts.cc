#include "fops/telemetry/run_facts.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fops/base/atomic_file.h"
#include "fops/base/shell_quote.h"

namespace fops {
namespace {

// A revision is 40 (SHA-1) or 64 (SHA-256) hex digits; anything else is noise.
bool IsRevision(absl::string_view text) {
  if (text.size() != 40 && text.size() != 64) return false;
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string RunGitRevParse(const std::filesystem::path& dir) {
  const std::string command =
      absl::StrCat("git -C ", ShellQuote(dir.string()), " rev-parse HEAD 2>/dev/null");
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[128];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  const int status = ::pclose(pipe);
  if (status != 0) return "";
  out = std::string(absl::StripAsciiWhitespace(out));
  return IsRevision(out) ? out : "";
}

// HEAD read from the repository's files in the common layout (a .git
// directory; HEAD detached or naming a branch that is a loose or packed
// ref): every run asks, and starting git costs milliseconds. nullopt for
// anything else (a worktree's .git file, GIT_DIR, an unborn branch, a ref
// not found): then git itself answers.
std::optional<std::string> ReadHead(const std::filesystem::path& git_dir) {
  absl::StatusOr<std::string> head = ReadFile(git_dir / "HEAD");
  if (!head.ok()) return std::nullopt;
  absl::string_view text = absl::StripAsciiWhitespace(*head);
  if (IsRevision(text)) return std::string(text);
  if (!absl::ConsumePrefix(&text, "ref: refs/")) return std::nullopt;
  const std::string ref = absl::StrCat("refs/", text);
  if (absl::StatusOr<std::string> loose = ReadFile(git_dir / ref); loose.ok()) {
    absl::string_view value = absl::StripAsciiWhitespace(*loose);
    if (IsRevision(value)) return std::string(value);
    return std::nullopt;
  }
  absl::StatusOr<std::string> packed = ReadFile(git_dir / "packed-refs");
  if (!packed.ok()) return std::nullopt;
  for (absl::string_view line : absl::StrSplit(*packed, '\n')) {
    std::pair<absl::string_view, absl::string_view> fields = absl::StrSplit(line, ' ');
    if (fields.second == ref && IsRevision(fields.first)) {
      return std::string(fields.first);
    }
  }
  return std::nullopt;
}

}  // namespace

std::string GitRevision(const std::filesystem::path& dir) {
  for (const char* name : {"GIT_DIR", "GIT_WORK_TREE", "GIT_CEILING_DIRECTORIES",
                           "GIT_DISCOVERY_ACROSS_FILESYSTEM"}) {
    if (std::getenv(name) != nullptr) return RunGitRevParse(dir);
  }
  std::error_code ec;
  std::filesystem::path start = std::filesystem::absolute(dir, ec);
  if (ec || !std::filesystem::is_directory(start, ec)) return "";
  for (std::filesystem::path at = start;; at = at.parent_path()) {
    const std::filesystem::path git = at / ".git";
    if (std::filesystem::is_directory(git, ec)) {
      if (std::optional<std::string> head = ReadHead(git)) return *head;
      return RunGitRevParse(dir);
    }
    if (std::filesystem::exists(git, ec)) return RunGitRevParse(dir);  // a worktree's file
    if (at == at.parent_path()) return "";  // not in a repository: git would say so too
  }
}

RunFacts RunFacts::Detect(const std::filesystem::path& repo_dir, const EnvLookup& env) {
  RunFacts facts;
  facts.runner = EnvValue(env, "CI") && EnvValue(env, "CI") != "false" ? "ci" : "local";
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) == 0) facts.host = host;
  facts.git_revision = GitRevision(repo_dir);
  return facts;
}

}  // namespace fops
