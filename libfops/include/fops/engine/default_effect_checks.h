// The effect checks the `fops` command gives its update gate: image builds
// are confirmed in their registry (a manifest HEAD over libcurl), Helm
// releases in the cluster (`helm status`, passed through the same policy as
// every command). C++ tools that want fops' skip rules use the same set.
//
//   InputGate gate(state_dir, {.checks = DefaultEffectChecks(&guard)});
#ifndef FOPS_ENGINE_DEFAULT_EFFECT_CHECKS_H_
#define FOPS_ENGINE_DEFAULT_EFFECT_CHECKS_H_

#include <memory>
#include <vector>

#include "fops/engine/effect_check.h"
#include "fops/engine/image_effect_check.h"
#include "fops/exec/command_policy.h"

namespace fops {

/// Images (ImageEffectCheck, registry credentials from `credentials`) and
/// Helm releases (HelmEffectCheck, `helm status` checked by `policy`; not
/// owned, may be null).
std::vector<std::unique_ptr<EffectCheck>> DefaultEffectChecks(
    const CommandPolicy* policy, RegistryCredentialLookup credentials = {});

}  // namespace fops

#endif  // FOPS_ENGINE_DEFAULT_EFFECT_CHECKS_H_
