#include "fops/engine/image_effect_check.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fops/base/status_macros.h"
#include "fops/model/image_ref.h"

namespace fops {

std::string ShortDigest(std::string_view digest) {
  size_t colon = digest.find(':');
  size_t keep = colon == std::string_view::npos ? 12 : colon + 1 + 12;
  return std::string(digest.substr(0, keep));
}

ImageEffectCheck::ImageEffectCheck(std::unique_ptr<HttpClient> http,
                                   ImageEffectCheckOptions options)
    : http_(std::move(http)), registry_(*http_), options_(std::move(options)) {}

bool ImageEffectCheck::Covers(const Resource& resource) const {
  return resource.kind == "image" && !resource.inputs.produces.empty();
}

absl::StatusOr<Effect> ImageEffectCheck::Observe(const Resource& resource) {
  const std::string& produced = resource.inputs.produces;
  absl::StatusOr<ImageRef> ref = ImageRef::Parse(produced);
  if (!ref.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", produced, "' is not an image reference: ", ref.status().message()));
  }
  RegistryAccess access;
  access.tls_verify = resource.inputs.Value("registry_tls_verify") != "false";
  access.ca_file = resource.inputs.Value("registry_ca_file");
  access.request_timeout = options_.timeout;
  if (options_.credentials) {
    FOPS_ASSIGN_OR_RETURN(access.credential, options_.credentials(ref->domain()));
  }
  absl::StatusOr<ManifestHead> head =
      registry_.HeadManifest(*ref, access, absl::Now() + options_.timeout);
  if (!head.ok()) return head.status();
  Effect effect{.present = head->found};
  if (head->found) {
    // A registry that sends no digest still confirms the tag exists.
    effect.identity = head->digest.empty() ? "present" : head->digest;
    effect.detail = head->digest.empty() ? produced : absl::StrCat(produced, "@", head->digest);
  } else {
    effect.detail = absl::StrCat(produced, " is not in the registry");
  }
  return effect;
}

std::string ImageEffectCheck::Differs(const Resource& resource, std::string_view recorded,
                                      const Effect& now) const {
  const std::string& produced = resource.inputs.produces;
  if (!now.present) return absl::StrCat(produced, " is not in the registry");
  if (now.identity == recorded || now.identity == "present" || recorded == "present") return "";
  return absl::StrCat("the registry's ", produced, " is ", ShortDigest(now.identity),
                      ", fops pushed ", ShortDigest(recorded));
}

}  // namespace fops
