#include "fops/model/tag_policy.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

constexpr std::string_view kPlaceholders[] = {"git", "inputs", "stage", "target"};

bool KnownPlaceholder(std::string_view name) {
  for (std::string_view p : kPlaceholders) {
    if (p == name) return true;
  }
  return false;
}

// Calls `literal(text)` and `placeholder(name)` in order; errors on
// unbalanced braces.
template <typename Literal, typename Placeholder>
absl::Status Walk(std::string_view tmpl, Literal literal, Placeholder placeholder) {
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t open = tmpl.find_first_of("{}", i);
    if (open == std::string_view::npos) {
      if (absl::Status s = literal(tmpl.substr(i)); !s.ok()) return s;
      break;
    }
    if (tmpl[open] == '}') {
      return absl::InvalidArgumentError(absl::StrCat(
          "tag template \"", ToAbsl(tmpl), "\": '}' at offset ", open, " has no matching '{'"));
    }
    if (open > i) {
      if (absl::Status s = literal(tmpl.substr(i, open - i)); !s.ok()) return s;
    }
    size_t close = tmpl.find('}', open);
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tag template \"", ToAbsl(tmpl), "\": '{' at offset ", open, " is not closed"));
    }
    if (absl::Status s = placeholder(tmpl.substr(open + 1, close - open - 1)); !s.ok()) return s;
    i = close + 1;
  }
  return absl::OkStatus();
}

std::string Short(std::string_view value) {
  return std::string(value.substr(0, TagPolicy::kShortLength));
}

}  // namespace

absl::Status TagPolicy::CheckTemplate(std::string_view tmpl) {
  if (tmpl.empty()) return absl::InvalidArgumentError("tag template is empty");
  return Walk(
      tmpl,
      [tmpl](std::string_view text) -> absl::Status {
        for (char c : text) {
          if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' &&
              c != '-') {
            return absl::InvalidArgumentError(
                absl::StrCat("tag template \"", ToAbsl(tmpl), "\": '", std::string(1, c),
                             "' is not allowed in a tag (letters, digits, '_', '.', '-')"));
          }
        }
        return absl::OkStatus();
      },
      [tmpl](std::string_view name) -> absl::Status {
        if (KnownPlaceholder(name)) return absl::OkStatus();
        return absl::InvalidArgumentError(
            absl::StrCat("tag template \"", ToAbsl(tmpl), "\": unknown placeholder {",
                         ToAbsl(name), "} (known: {git}, {inputs}, {stage}, {target})"));
      });
}

bool TagPolicy::Uses(std::string_view tmpl, std::string_view name) {
  return tmpl.find(absl::StrCat("{", ToAbsl(name), "}")) != std::string_view::npos;
}

absl::StatusOr<std::string> TagPolicy::Render(std::string_view tmpl, const TagValues& values) {
  if (absl::Status s = CheckTemplate(tmpl); !s.ok()) return s;
  std::string out;
  absl::Status walked = Walk(
      tmpl,
      [&out](std::string_view text) {
        absl::StrAppend(&out, ToAbsl(text));
        return absl::OkStatus();
      },
      [&](std::string_view name) -> absl::Status {
        const std::string* value = nullptr;
        std::string_view why;
        if (name == "git") {
          value = &values.revision;
          why = "the git revision, and none is known (is the Tiltfile in a git work tree with a "
                "commit?)";
        } else if (name == "inputs") {
          value = &values.inputs;
          why = "the digest of the build's inputs, and it was not computed";
        } else if (name == "stage") {
          value = &values.stage;
          why = "the stage, and none was given";
        } else {
          value = &values.target;
          why = "the target, and none was given";
        }
        if (value->empty()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "tag template \"", ToAbsl(tmpl), "\": {", ToAbsl(name), "} needs ", ToAbsl(why)));
        }
        bool shortened = name == "git" || name == "inputs";
        absl::StrAppend(&out, shortened ? Short(*value) : *value);
        return absl::OkStatus();
      });
  if (!walked.ok()) return walked;
  return out;
}

absl::StatusOr<TagPolicy> TagPolicy::Make(std::map<std::string, std::string> stage_templates,
                                          std::string release_pattern) {
  TagPolicy policy;
  policy.release_pattern_ =
      release_pattern.empty() ? std::string(kDefaultReleasePattern) : std::move(release_pattern);
  try {
    policy.release_regex_ = std::regex(policy.release_pattern_, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return absl::InvalidArgumentError(absl::StrCat("release tag pattern \"",
                                                   policy.release_pattern_,
                                                   "\" is not a valid regular expression: ",
                                                   e.what()));
  }
  // A revision and a digest with letters, and ones of digits only: a hex
  // value can be all digits (about 1 in 280 short digests), and what the default
  // pattern matches with any hex value it matches with digits.
  const TagValues samples[] = {
      {.revision = "0123456789abcdef0123456789abcdef01234567",
       .inputs = "fedcba9876543210fedcba9876543210",
       .target = "target"},
      {.revision = "1234567890123456789012345678901234567890",
       .inputs = "12345678901234567890123456789012",
       .target = "target"},
  };
  for (const auto& [stage, tmpl] : stage_templates) {
    for (TagValues sample : samples) {
      sample.stage = stage;
      absl::StatusOr<std::string> rendered = Render(tmpl, sample);
      if (!rendered.ok()) return rendered.status();
      if (absl::Status s = ImageRef::CheckTag(*rendered); !s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "tag template \"", tmpl, "\" renders an invalid tag: ", s.message()));
      }
      if (policy.IsRelease(*rendered)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "refused by rule ", ToAbsl(kRuleReleaseTagsImmutable), ": tag template \"", tmpl,
            "\" of stage '", stage, "' renders \"", *rendered,
            "\", which matches the release tag pattern ", policy.release_pattern_,
            "; release tags are made by the release pipeline, never by the dev loop"));
      }
    }
  }
  policy.templates_ = std::move(stage_templates);
  return policy;
}

std::string TagPolicy::TemplateFor(std::string_view stage) const {
  auto it = templates_.find(std::string(stage));
  return it == templates_.end() ? "" : it->second;
}

std::string TagPolicy::PrefixFor(std::string_view stage) const {
  std::string tmpl = TemplateFor(stage);
  return tmpl.substr(0, tmpl.find('{'));
}

absl::StatusOr<std::string> TagPolicy::TagFor(std::string_view stage,
                                              const TagValues& values) const {
  auto it = templates_.find(std::string(stage));
  if (it == templates_.end()) {
    std::string known;
    for (const auto& [name, tmpl] : templates_) {
      absl::StrAppend(&known, known.empty() ? "" : ", ", name);
    }
    return absl::NotFoundError(absl::StrCat("no tag template for stage '", ToAbsl(stage),
                                            "' (stages: ", known.empty() ? "none" : known, ")"));
  }
  absl::StatusOr<std::string> tag = Render(it->second, values);
  if (!tag.ok()) return tag.status();
  if (absl::Status s = ImageRef::CheckTag(*tag); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("tag template \"", it->second,
                                                   "\" rendered an invalid tag: ", s.message()));
  }
  if (absl::Status s = CheckDevLoopPush(*tag); !s.ok()) return s;
  return tag;
}

bool TagPolicy::IsRelease(std::string_view tag) const {
  return std::regex_search(tag.begin(), tag.end(), release_regex_);
}

absl::Status TagPolicy::CheckDevLoopPush(std::string_view tag) const {
  if (!IsRelease(tag)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "refused by rule ", ToAbsl(kRuleReleaseTagsImmutable), ": tag \"", ToAbsl(tag),
      "\" is a release tag (pattern ", release_pattern_,
      "); release tags are immutable and pushed only by the release pipeline (Git/CI), "
      "never by the dev loop"));
}

absl::StatusOr<ImageRef> TagPolicy::PinRelease(const ImageRef& ref, std::string_view digest) const {
  if (ref.tag().empty() || !IsRelease(ref.tag())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot pin ", ref.String(), ": only release tags (pattern ", release_pattern_,
        ") are pinned by digest"));
  }
  return ref.WithDigest(digest);
}

}  // namespace fops
