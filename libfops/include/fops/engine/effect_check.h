// What a resource's update left in the world, read back from where it
// lives: the image a build pushed (in its registry), the release a Helm
// upgrade applied (in the cluster). The update gate records the effect
// after a success and reads it again before it skips an unchanged
// resource, so "up to date" is said only when the registry or the cluster
// still holds what fops put there. An effect that cannot be read (registry
// down, cluster unreachable) is never taken as confirmed.
//
//   class MyCheck : public EffectCheck {
//     bool Covers(const Resource& r) const override { return r.kind == "chart"; }
//     absl::StatusOr<Effect> Observe(const Resource& r) override { ... }
//     std::string Differs(const Resource& r, std::string_view recorded,
//                         const Effect& now) const override { ... }
//   };
#ifndef FOPS_ENGINE_EFFECT_CHECK_H_
#define FOPS_ENGINE_EFFECT_CHECK_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "fops/model/resource.h"

namespace fops {

/// One reading of a resource's effect.
struct Effect {
  bool present = false;  ///< found where the update put it
  /// What identifies it, compared with the recorded one: an image's
  /// manifest digest, a release's "revision 5". "" when not present.
  std::string identity;
  /// How it looks, in a user's words: "sha256:1a2b… in 127.0.0.1:5000",
  /// "revision 5, deployed".
  std::string detail;
};

/// Implementations must be thread-safe: the engine checks several
/// resources at once, each on its own thread.
class EffectCheck {
 public:
  virtual ~EffectCheck() = default;
  /// True when this check reads `resource`'s effect (by kind, values).
  virtual bool Covers(const Resource& resource) const = 0;
  /// Reads the effect now, within a bounded time. An error means it could
  /// not be asked (the message names what and why); the gate then runs the
  /// update instead of skipping it.
  virtual absl::StatusOr<Effect> Observe(const Resource& resource) = 0;
  /// "" when `now` is the effect fops recorded (`recorded`: its identity);
  /// otherwise why not, as the reason a user reads after "rebuilt: " /
  /// "updated: ": "release changed in the cluster: revision 7, fops applied 5".
  virtual std::string Differs(const Resource& resource, std::string_view recorded,
                              const Effect& now) const = 0;
  /// Where the effect lives, for messages: "the registry", "the cluster".
  virtual std::string_view where() const = 0;
};

}  // namespace fops

#endif  // FOPS_ENGINE_EFFECT_CHECK_H_
