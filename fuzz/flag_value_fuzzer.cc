// On/off settings from the environment (base/flag_value.h). Invariants:
// case and surrounding blanks never change the answer; an answer is given
// only for the eight words the header lists.
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "fops/base/flag_value.h"
#include "fuzz_check.h"

using fops::fuzz::Require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(fops::fuzz::Text(data, size));
  const std::optional<bool> value = fops::ParseFlag(text);
  Require(fops::ParseFlag(absl::AsciiStrToUpper(text)) == value, "case does not matter", text);
  Require(fops::ParseFlag(" \t" + text + "\n ") == value, "surrounding blanks do not matter", text);
  if (value) {
    const std::string word = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
    const bool on = word == "1" || word == "true" || word == "yes" || word == "on";
    const bool off = word == "0" || word == "false" || word == "no" || word == "off";
    Require(*value ? on : off, "only the listed words are on or off", text);
  }
  return 0;
}
