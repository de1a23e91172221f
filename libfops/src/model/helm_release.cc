#include "fops/model/helm_release.h"

#include <cctype>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fops/model/image_ref.h"

namespace fops {
namespace {

// Helm's release name rule: lowercase RFC 1123 subdomain, at most 53
// characters (the room Helm leaves for its own suffixes).
constexpr size_t kMaxReleaseName = 53;
constexpr size_t kMaxNamespace = 63;

bool IsDnsName(std::string_view name, bool dots) {
  if (name.empty()) return false;
  auto alnum = [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  for (char c : name) {
    if (!alnum(c) && c != '-' && !(dots && c == '.')) return false;
  }
  return true;
}

}  // namespace

absl::Status HelmRelease::Validate() const {
  std::string where = declared_at.known() ? absl::StrCat(declared_at.ToString(), ": ") : "";
  absl::StrAppend(&where, "helm_release('", name.empty() ? release : name, "'): ");
  auto invalid = [&where](absl::string_view field, absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(where, field, ": ", what));
  };
  if (release.empty()) return invalid("release", "required");
  if (release.size() > kMaxReleaseName || !IsDnsName(release, /*dots=*/true)) {
    return invalid("release", absl::StrCat("'", release,
                                           "' is not a Helm release name (lowercase letters, "
                                           "digits, '-' and '.', at most 53 characters)"));
  }
  if (namespace_name.empty()) {
    return invalid("namespace", "required: fops never lets Helm fall back to the kube "
                                "context's namespace");
  }
  if (namespace_name.size() > kMaxNamespace || !IsDnsName(namespace_name, /*dots=*/false)) {
    return invalid("namespace", absl::StrCat("'", namespace_name,
                                             "' is not a namespace name (lowercase letters, "
                                             "digits and '-', at most 63 characters)"));
  }
  if (chart.empty()) return invalid("chart", "required (the chart's directory)");
  for (const std::string& file : values_files) {
    if (file.empty()) return invalid("values", "empty file name");
  }
  if (!image.empty()) {
    absl::StatusOr<ImageRef> ref = ImageRef::Parse(image);
    if (!ref.ok()) return invalid("image", ref.status().message());
    if (ref->tag().empty() && ref->digest().empty()) {
      return invalid("image", absl::StrCat("'", image,
                                           "' has neither tag nor digest; Helm would deploy "
                                           "whatever the chart defaults to"));
    }
    if (image_keys.reference.empty() && (image_keys.repository.empty() || image_keys.tag.empty())) {
      return invalid("image_keys", "needs a repository and a tag key, or one reference key");
    }
    if (image_keys.reference.empty() && ref->tag().empty()) {
      return invalid("image", absl::StrCat("'", image,
                                           "' is pinned by digest only; a repository/tag pair "
                                           "cannot carry it: use one reference key (image_key=)"));
    }
  }
  if (autoscaling) {
    const HelmAutoscaling& a = *autoscaling;
    if (a.min_replicas < 1) {
      return invalid("autoscaling", absl::StrCat("min_replicas must be at least 1, got ",
                                                 a.min_replicas));
    }
    if (a.max_replicas < a.min_replicas) {
      return invalid("autoscaling", absl::StrCat("min_replicas ", a.min_replicas,
                                                 " is greater than max_replicas ", a.max_replicas,
                                                 " (expected 1 <= min <= max)"));
    }
    if (a.min_key.empty() || a.max_key.empty()) {
      return invalid("autoscaling", "min and max value keys must not be empty");
    }
  }
  for (const auto& [key, value] : set_values) {
    if (key.empty() || key.find('=') != std::string::npos) {
      return invalid("set", absl::StrCat("bad key '", key, "'"));
    }
  }
  for (const auto& [computed, origin] :
       {std::pair{ImageValues(), "image"}, std::pair{AutoscalingValues(), "autoscaling"}}) {
    for (const auto& [key, value] : computed) {
      for (const auto& [set_key, set_value] : set_values) {
        if (set_key == key) {
          return invalid("set", absl::StrCat("'", key, "' is set by fops from ", origin,
                                             "=; set it in one place"));
        }
      }
    }
  }
  if (timeout < absl::ZeroDuration()) return invalid("timeout", "must not be negative");
  return absl::OkStatus();
}

std::vector<std::pair<std::string, std::string>> HelmRelease::ImageValues() const {
  std::vector<std::pair<std::string, std::string>> values;
  if (image.empty()) return values;
  absl::StatusOr<ImageRef> ref = ImageRef::Parse(image);
  if (!ref.ok()) return values;
  if (!image_keys.reference.empty()) {
    values.emplace_back(image_keys.reference, ref->String());
    return values;
  }
  // A digest rides on the tag ("dev-1a2b@sha256:…"), which charts that
  // render "repository:tag" turn into a pinned reference.
  std::string tag = ref->digest().empty() ? ref->tag() : absl::StrCat(ref->tag(), "@", ref->digest());
  values.emplace_back(image_keys.repository, ref->Name());
  values.emplace_back(image_keys.tag, tag);
  return values;
}

std::vector<std::pair<std::string, std::string>> HelmRelease::AutoscalingValues() const {
  std::vector<std::pair<std::string, std::string>> values;
  if (!autoscaling) return values;
  if (!autoscaling->enabled_key.empty()) values.emplace_back(autoscaling->enabled_key, "true");
  values.emplace_back(autoscaling->min_key, absl::StrCat(autoscaling->min_replicas));
  values.emplace_back(autoscaling->max_key, absl::StrCat(autoscaling->max_replicas));
  return values;
}

}  // namespace fops
