// Tag templates (model/tag_policy.h). The input is lines: a template, then
// optionally a git revision, an input digest, a stage and a target.
//
// Invariants:
//  - CheckTemplate is OK or kInvalidArgument naming the template; Render
//    fails only on a bad template or a missing value it needs (Uses agrees);
//  - a rendered tag has no placeholder left;
//  - a policy Make accepts renders, for any hex revision and digest (made
//    from the input's bytes), a valid tag that is not a release tag: Make's
//    promise that the template "cannot render a release tag".
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "fops/model/image_ref.h"
#include "fops/model/tag_policy.h"
#include "fuzz_check.h"

using fops::TagPolicy;
using fops::fuzz::Require;

namespace {

// `length` lowercase hex digits made from `seed`'s bytes ("0" when empty).
std::string Hex(std::string_view seed, size_t length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < length; ++i) {
    if (seed.empty()) {
      out.push_back('0');
      continue;
    }
    unsigned char b = static_cast<unsigned char>(seed[i % seed.size()]);
    out.push_back(kDigits[(b + i / seed.size() * 7) % 16]);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> lines = fops::fuzz::Split(fops::fuzz::Text(data, size), "\n");
  lines.resize(std::max<size_t>(lines.size(), 5));
  const std::string& tmpl = lines[0];
  const fops::TagValues values{.revision = lines[1], .inputs = lines[2], .stage = lines[3],
                               .target = lines[4]};

  const absl::Status check = TagPolicy::CheckTemplate(tmpl);
  if (!check.ok()) {
    Require(absl::IsInvalidArgument(check) && absl::StrContains(check.message(), "tag template"),
            "a bad template is kInvalidArgument naming it", check.ToString());
  }
  absl::StatusOr<std::string> rendered = TagPolicy::Render(tmpl, values);
  if (check.ok()) {
    const bool needs_missing = (TagPolicy::Uses(tmpl, "git") && values.revision.empty()) ||
                               (TagPolicy::Uses(tmpl, "inputs") && values.inputs.empty()) ||
                               (TagPolicy::Uses(tmpl, "stage") && values.stage.empty()) ||
                               (TagPolicy::Uses(tmpl, "target") && values.target.empty());
    Require(rendered.ok() != needs_missing, "Render fails exactly when a value it needs is missing",
            tmpl + ": " + rendered.status().ToString());
    if (!rendered.ok()) {
      Require(absl::IsFailedPrecondition(rendered.status()), "a missing value is kFailedPrecondition",
              rendered.status().ToString());
    }
  } else {
    Require(!rendered.ok(), "a template CheckTemplate refuses does not render", tmpl);
  }
  const bool braces_in_values = (values.revision + values.inputs + values.stage + values.target)
                                    .find_first_of("{}") != std::string::npos;
  if (rendered.ok() && check.ok() && !braces_in_values) {
    Require(rendered->find_first_of("{}") == std::string::npos, "no placeholder is left",
            *rendered);
  }

  // Make's promise, with this template for a stage named by the input.
  const std::string stage = values.stage.empty() ? "dev" : values.stage;
  absl::StatusOr<TagPolicy> policy = TagPolicy::Make({{stage, tmpl}}, "");
  if (!policy.ok()) return 0;
  const fops::TagValues hex{.revision = Hex(lines[1], 40), .inputs = Hex(lines[2], 32),
                            .stage = stage,
                            .target = fops::ImageRef::CheckPathComponent(values.target).ok()
                                          ? values.target
                                          : "runtime"};
  absl::StatusOr<std::string> tag = policy->TagFor(stage, hex);
  Require(tag.ok(), "a template Make accepted renders a dev tag for any revision and digest",
          tmpl + " with git=" + hex.revision + " inputs=" + hex.inputs + ": " +
              tag.status().ToString());
  Require(fops::ImageRef::CheckTag(*tag).ok() && !policy->IsRelease(*tag),
          "the tag is valid and not a release tag", *tag);
  Require(absl::StartsWith(*tag, policy->PrefixFor(stage)), "the tag starts with the prefix",
          *tag);
  return 0;
}
