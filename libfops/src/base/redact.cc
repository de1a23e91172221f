#include "fops/base/redact.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "fops/base/string_view.h"

extern char** environ;

namespace fops {
namespace {

constexpr std::string_view kSecretWords[] = {"TOKEN",  "PASSWORD",   "PASSWD", "SECRET",
                                             "APIKEY", "API_KEY",    "_KEY",   "AUTH",
                                             "CREDENTIAL", "PRIVATE"};

// Masks what follows "Authorization:" / "Bearer " / "X-ClickHouse-Key:" up to
// the end of the token, and the password in scheme://user:password@host.
std::string MaskPatterns(std::string text) {
  static constexpr std::string_view kHeaderPrefixes[] = {
      "authorization: ", "authorization:", "bearer ", "x-clickhouse-key: ",
      "x-clickhouse-key:", "private-token: "};
  std::string lower = absl::AsciiStrToLower(text);
  for (std::string_view prefix : kHeaderPrefixes) {
    size_t pos = 0;
    while ((pos = lower.find(prefix, pos)) != std::string::npos) {
      size_t start = pos + prefix.size();
      // "Authorization: Bearer x": keep the scheme word, mask the token.
      if (absl::StartsWith(ToAbsl(std::string_view(lower).substr(start)), "bearer ")) {
        start += 7;
      }
      size_t end = start;
      while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
             text[end] != '"' && text[end] != '\'') {
        ++end;
      }
      if (end > start && text.compare(start, end - start, kRedacted) != 0) {
        text.replace(start, end - start, kRedacted);
        lower.replace(start, end - start, kRedacted);
      }
      pos = start + kRedacted.size();
    }
  }
  size_t scheme = 0;
  while ((scheme = text.find("://", scheme)) != std::string::npos) {
    size_t start = scheme + 3;
    size_t end = start;
    while (end < text.size() && text[end] != '/' && text[end] != '@' &&
           !std::isspace(static_cast<unsigned char>(text[end]))) {
      ++end;
    }
    if (end < text.size() && text[end] == '@') {
      size_t colon = text.find(':', start);
      if (colon != std::string::npos && colon < end) {
        text.replace(colon + 1, end - colon - 1, kRedacted);
      }
    }
    scheme = start;
  }
  return text;
}

}  // namespace

bool Redactor::IsSecretName(std::string_view name) {
  std::string upper = absl::AsciiStrToUpper(ToAbsl(name));
  for (std::string_view word : kSecretWords) {
    if (absl::StrContains(upper, ToAbsl(word))) return true;
  }
  return false;
}

Redactor Redactor::FromEnvironment() {
  Redactor redactor;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view kv(*entry);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    if (IsSecretName(kv.substr(0, eq))) redactor.AddSecret(kv.substr(eq + 1));
  }
  return redactor;
}

void Redactor::AddSecret(std::string_view value) {
  if (value.size() < 4) return;
  for (std::string_view word : {"true", "false", "null", "none"}) {
    if (absl::EqualsIgnoreCase(ToAbsl(value), ToAbsl(word))) return;
  }
  if (std::find(secrets_.begin(), secrets_.end(), value) != secrets_.end()) return;
  secrets_.emplace_back(value);
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

bool Redactor::Contains(std::string_view text) const {
  for (const std::string& secret : secrets_) {
    if (text.find(secret) != std::string_view::npos) return true;
  }
  return false;
}

std::string Redactor::Redact(std::string_view text) const {
  std::string out(text);
  for (const std::string& secret : secrets_) {
    size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), kRedacted);
      pos += kRedacted.size();
    }
  }
  return MaskPatterns(std::move(out));
}

}  // namespace fops
