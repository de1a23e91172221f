// Confirms an image build's effect: the reference it pushed is in its
// registry, with the manifest digest fops saw right after the push. Asked
// with a manifest HEAD (RegistryClient), with the registry's TLS settings
// from the build's inputs (`registry_tls_verify`, `registry_ca_file`, set
// by the build plane) and its credential when one is configured.
//
//   ImageEffectCheck check(NewCurlHttpClient());
//   FOPS_ASSIGN_OR_RETURN(Effect now, check.Observe(image_resource));
//   now.identity;   // "sha256:…"
#ifndef FOPS_ENGINE_IMAGE_EFFECT_CHECK_H_
#define FOPS_ENGINE_IMAGE_EFFECT_CHECK_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "fops/engine/effect_check.h"
#include "fops/net/http_client.h"
#include "fops/net/registry_client.h"

namespace fops {

/// Finds the credential for a registry host (`ghcr.io`, `127.0.0.1:5000`);
/// nullopt: ask anonymously. An error stops the check (and names why).
using RegistryCredentialLookup =
    std::function<absl::StatusOr<std::optional<RegistryCredential>>(std::string_view host)>;

struct ImageEffectCheckOptions {
  absl::Duration timeout = absl::Seconds(5);  ///< the whole check, token fetch included
  RegistryCredentialLookup credentials;       ///< unset: anonymous
};

/// Thread-safe.
class ImageEffectCheck : public EffectCheck {
 public:
  explicit ImageEffectCheck(std::unique_ptr<HttpClient> http, ImageEffectCheckOptions options = {});

  /// Image builds that publish a reference (`inputs.produces`).
  bool Covers(const Resource& resource) const override;
  /// HEAD of the pushed reference's manifest.
  absl::StatusOr<Effect> Observe(const Resource& resource) override;
  /// "127.0.0.1:5000/app:dev-1 is not in the registry", or "the registry's
  /// …:dev-1 is sha256:9f86d0…, fops pushed sha256:1a2b3c…".
  std::string Differs(const Resource& resource, std::string_view recorded,
                      const Effect& now) const override;
  std::string_view where() const override { return "the registry"; }

 private:
  std::unique_ptr<HttpClient> http_;
  RegistryClient registry_;
  ImageEffectCheckOptions options_;
};

/// "sha256:1a2b3c4d5e6f" : a digest shortened for messages.
std::string ShortDigest(std::string_view digest);

}  // namespace fops

#endif  // FOPS_ENGINE_IMAGE_EFFECT_CHECK_H_
