// What every fuzz target shares: a violated invariant aborts with what was
// expected and the input, so libFuzzer keeps the input as a crash and
// `make fuzz` prints where it is; and the small readers that cut one fuzz
// input into the lines, fields or records a target needs.
#ifndef FOPS_FUZZ_FUZZ_CHECK_H_
#define FOPS_FUZZ_FUZZ_CHECK_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"

namespace fops::fuzz {

/// The fuzz input as text.
inline std::string_view Text(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

/// Aborts (a crash libFuzzer records) when `ok` is false, printing the
/// invariant and what it saw, escaped so control bytes stay readable.
inline void Require(bool ok, std::string_view invariant, std::string_view detail = "") {
  if (ok) return;
  std::fprintf(stderr, "\n*** invariant violated: %.*s\n", static_cast<int>(invariant.size()),
               invariant.data());
  if (!detail.empty()) {
    std::string shown = absl::CHexEscape(std::string(detail));
    std::fprintf(stderr, "    %s\n", shown.c_str());
  }
  std::abort();
}

/// Require() for a status: OK, or one of the codes the API documents.
inline void RequireCode(const absl::Status& status, std::initializer_list<absl::StatusCode> allowed,
                        std::string_view what) {
  if (status.ok()) return;
  for (absl::StatusCode code : allowed) {
    if (status.code() == code) return;
  }
  Require(false, std::string(what) + " fails only with its documented codes", status.ToString());
}

/// `text` cut at every `separator` (an empty text is one empty piece).
inline std::vector<std::string> Split(std::string_view text, std::string_view separator) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = text.find(separator, start);
    if (at == std::string_view::npos) {
      out.emplace_back(text.substr(start));
      return out;
    }
    out.emplace_back(text.substr(start, at - start));
    start = at + separator.size();
  }
}

/// True when `text` is well-formed UTF-8 (what JSON files and messages need).
inline bool IsUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t extra;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the first continuation byte
    if (c < 0x80) {
      extra = 0;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) lo = 0xA0;  // no overlong forms
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (extra > 0 && i + extra >= text.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const unsigned char d = static_cast<unsigned char>(text[i + k]);
      if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return false;
    }
    i += extra + 1;
  }
  return true;
}

}  // namespace fops::fuzz

#endif  // FOPS_FUZZ_FUZZ_CHECK_H_
