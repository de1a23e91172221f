#include "fops/telemetry/run_facts.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "fops/base/shell_quote.h"

namespace fops {

std::string GitRevision(const std::filesystem::path& dir) {
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
  // A revision is 40 (SHA-1) or 64 (SHA-256) hex digits; anything else is noise.
  if (out.size() != 40 && out.size() != 64) return "";
  for (char c : out) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return "";
  }
  return out;
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
