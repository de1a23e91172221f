#include "fops/engine/default_effect_checks.h"

#include <utility>

#include "fops/engine/helm_effect_check.h"
#include "fops/net/http_client.h"

namespace fops {

std::vector<std::unique_ptr<EffectCheck>> DefaultEffectChecks(
    const CommandPolicy* policy, RegistryCredentialLookup credentials) {
  std::vector<std::unique_ptr<EffectCheck>> checks;
  checks.push_back(std::make_unique<ImageEffectCheck>(
      NewCurlHttpClient(), ImageEffectCheckOptions{.credentials = std::move(credentials)}));
  checks.push_back(std::make_unique<HelmEffectCheck>(HelmEffectCheckOptions{.policy = policy}));
  return checks;
}

}  // namespace fops
