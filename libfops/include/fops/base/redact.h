// Keeps secrets out of logs, events and errors. A Redactor knows secret
// values (from the environment by name, and added explicitly) and replaces
// each occurrence with "[REDACTED]". A run has one: the engine builds it
// from the environment and the project (fops/model/project_secrets.h), and
// everything it hands out passes through it.
//
//   Redactor redactor = Redactor::FromEnvironment();
//   redactor.AddSecret(token);
//   log << redactor.Redact(line);
#ifndef FOPS_BASE_REDACT_H_
#define FOPS_BASE_REDACT_H_

#include <string>
#include <string_view>
#include <vector>

namespace fops {

inline constexpr std::string_view kRedacted = "[REDACTED]";

/// Replaces known secret values in text. Copyable; not thread-safe to
/// mutate, safe to share for Redact() once built.
class Redactor {
 public:
  /// Collects the values of environment variables whose names look secret
  /// (TOKEN, PASSWORD, SECRET, KEY, AUTH, CREDENTIAL; case-insensitive).
  static Redactor FromEnvironment();

  /// True when an environment variable name looks like it holds a secret.
  static bool IsSecretName(std::string_view name);

  /// Adds one secret value. Values shorter than 4 bytes and the words
  /// true, false, null and none (any case) are ignored: a flag such as
  /// AUTH_ENABLED=true holds no secret, and masking it would redact
  /// ordinary text.
  void AddSecret(std::string_view value);

  /// True when `text` holds one of the secret values (the header and URL
  /// patterns Redact() also masks are not looked for).
  bool Contains(std::string_view text) const;

  /// True when no secret value is known.
  bool empty() const { return secrets_.empty(); }

  /// `text` with every secret replaced by [REDACTED]; also masks the value
  /// of `Authorization:`-style headers and `user:password@` in URLs.
  std::string Redact(std::string_view text) const;

 private:
  std::vector<std::string> secrets_;  // longest first, so overlaps mask fully
};

}  // namespace fops

#endif  // FOPS_BASE_REDACT_H_
