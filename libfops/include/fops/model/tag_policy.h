// Which tag an image gets, and which tags the dev loop may never push. Each
// stage has a tag template: dev tags are mutable and derived from the git
// revision and/or the digest of the build's inputs (`dev-{git}-{inputs}`),
// staging tags likewise (`staging-{git}`). Release tags (matching the
// release pattern, `v1.2.3` by default) are immutable: they are made by the
// release pipeline and pinned by digest in Helm values; the dev loop refuses
// to push one (kFailedPrecondition, rule release-tags-immutable).
//
// Template placeholders: {git} (first 12 characters of the git revision),
// {inputs} (first 12 hex digits of the input digest), {stage}, {target}.
//
//   FOPS_ASSIGN_OR_RETURN(TagPolicy policy, TagPolicy::Make({{"dev", "dev-{inputs}"}}, ""));
//   policy.TagFor("dev", {.inputs = "0123456789abcdef"});  // "dev-0123456789ab"
//   policy.CheckDevLoopPush("v1.2.3");                    // kFailedPrecondition
#ifndef FOPS_MODEL_TAG_POLICY_H_
#define FOPS_MODEL_TAG_POLICY_H_

#include <map>
#include <regex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fops/model/image_ref.h"

namespace fops {

inline constexpr std::string_view kRuleReleaseTagsImmutable = "release-tags-immutable";

/// What a tag template may refer to.
struct TagValues {
  std::string revision;  ///< git revision of the work tree; {git} is its first 12 characters
  std::string inputs;    ///< hex digest of the build's inputs; {inputs} is its first 12
  std::string stage;     ///< {stage}
  std::string target;    ///< {target}
};

class TagPolicy {
 public:
  /// Semver-like tags, optionally with a leading v: v1.2.3, 1.2.3-rc.1.
  static constexpr std::string_view kDefaultReleasePattern =
      R"(^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$)";
  /// Characters {git} and {inputs} keep.
  static constexpr size_t kShortLength = 12;

  /// A policy with one template per stage and a release pattern (ECMAScript
  /// regex; "" for the default). Checks every template (known placeholders,
  /// tag characters, cannot render a release tag) and the pattern.
  static absl::StatusOr<TagPolicy> Make(std::map<std::string, std::string> stage_templates,
                                        std::string release_pattern);

  /// OK when `tmpl` has only known placeholders and tag characters.
  static absl::Status CheckTemplate(std::string_view tmpl);
  /// `tmpl` with placeholders replaced; kFailedPrecondition when a value it
  /// needs is unknown (no git revision outside a git work tree).
  static absl::StatusOr<std::string> Render(std::string_view tmpl, const TagValues& values);
  /// True when `tmpl` contains `{name}`.
  static bool Uses(std::string_view tmpl, std::string_view name);

  /// The rendered tag for `stage`, checked against the tag grammar and
  /// refused if it is a release tag. kNotFound for an unknown stage.
  absl::StatusOr<std::string> TagFor(std::string_view stage, const TagValues& values) const;
  /// The template of `stage`; "" when the stage is unknown.
  std::string TemplateFor(std::string_view stage) const;
  /// The literal text before the first placeholder ("dev-" for "dev-{git}").
  std::string PrefixFor(std::string_view stage) const;

  /// True when `tag` is an immutable release tag.
  bool IsRelease(std::string_view tag) const;
  /// OK for a tag the dev loop may push; kFailedPrecondition for a release tag.
  absl::Status CheckDevLoopPush(std::string_view tag) const;
  /// A release reference pinned by digest (`repo:v1.2.3@sha256:…`): what
  /// Helm values pin. kInvalidArgument when `ref`'s tag is not a release tag.
  absl::StatusOr<ImageRef> PinRelease(const ImageRef& ref, std::string_view digest) const;

  /// The release pattern as given (or the default).
  const std::string& release_pattern() const { return release_pattern_; }
  /// Stage name -> template.
  const std::map<std::string, std::string>& templates() const { return templates_; }

 private:
  std::map<std::string, std::string> templates_;
  std::string release_pattern_;
  std::regex release_regex_;
};

}  // namespace fops

#endif  // FOPS_MODEL_TAG_POLICY_H_
