// Keeps secrets out of logs, events and errors. A Redactor knows secret
// values (from the environment by name, and added explicitly) and replaces
// each occurrence with "[REDACTED]".
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

  /// Adds one secret value; values shorter than 4 bytes are ignored (they
  /// would redact ordinary text).
  void AddSecret(std::string_view value);

  /// `text` with every secret replaced by [REDACTED]; also masks the value
  /// of `Authorization:`-style headers and `user:password@` in URLs.
  std::string Redact(std::string_view text) const;

 private:
  std::vector<std::string> secrets_;  // longest first, so overlaps mask fully
};

}  // namespace fops

#endif  // FOPS_BASE_REDACT_H_
