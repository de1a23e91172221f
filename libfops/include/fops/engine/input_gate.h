// The skip-if-unchanged gate: an update whose inputs (files minus ignore
// patterns, and values such as build args, platform, builder, base images)
// and produced reference are the same as at its last success does not run
// again — provided what that success produced is still where it was put.
// A resource that publishes something (`inputs.produces`: a pushed image, a
// Helm release) is skipped only when an EffectCheck reads it back as fops
// recorded it (the image's digest in its registry, the release's revision
// in the cluster); when nothing can confirm it, or the registry or cluster
// cannot be asked, the update runs and the reason says why. Each effect is
// read at most once per gate (one session), and recorded only when a read
// right after the success confirmed it.
//
// Check() says why in the words `fops ci` prints: "rebuilt: no previous
// build", "rebuilt: app/main.py changed", "rebuilt: build arg VERSION
// changed", "rebuilt: 127.0.0.1:5000/api:dev-1 is not in the registry",
// "updated: release changed in the cluster: revision 7, fops applied 5",
// "skipped: unchanged since ghcr.io/x/api:dev-1a2b". The last success is kept
// per resource in `<state_dir>/images/<name>.json` (other kinds:
// `<state_dir>/<kind>/<name>.json`), written atomically; build-arg values
// are stored hashed, and a value or reference that holds a secret of the
// run (SetRedactor; by default the environment's) is stored masked with its
// digest: never in clear.
//
//   InputGate gate(StateDirFor(project.root), {.checks = DefaultEffectChecks(&guard)});
//   EngineOptions options{.gate = &gate};   // --force sets options.force
#ifndef FOPS_ENGINE_INPUT_GATE_H_
#define FOPS_ENGINE_INPUT_GATE_H_

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fops/engine/effect_check.h"
#include "fops/engine/update_gate.h"
#include "fops/watch/input_digest.h"

namespace fops {

struct InputGateOptions {
  /// What confirms published effects (DefaultEffectChecks() for images and
  /// Helm releases). A resource that publishes something no check covers
  /// is never skipped.
  std::vector<std::unique_ptr<EffectCheck>> checks;
};

/// Thread-safe: the engine checks and records several resources at once.
class InputGate : public UpdateGate {
 public:
  /// Keeps state under `state_dir` (created on the first Record()).
  explicit InputGate(std::filesystem::path state_dir, InputGateOptions options = {});

  /// Compares the resource's inputs with its last success, then confirms
  /// its recorded effect where it lives.
  absl::StatusOr<GateDecision> Check(const Resource& resource) override;
  /// Reads the effect the update left and stores it with the inputs Check()
  /// saw (or, without a Check, computes them now). kFailedPrecondition, and
  /// nothing stored, when the effect cannot be confirmed.
  absl::Status Record(const Resource& resource) override;
  /// The run's secrets (the engine's Redactor), masked in the stored state.
  void SetRedactor(const Redactor& redactor) override { redactor_ = redactor; }

  /// Where the last success of `resource` is stored.
  std::filesystem::path StatePath(const Resource& resource) const;
  /// See InputDigester::set_racy_window (tests use zero).
  void set_racy_window(absl::Duration window) { racy_window_ = window; }

 private:
  std::filesystem::path StateBase(const Resource& resource) const;
  absl::StatusOr<InputDigest> Digest(const Resource& resource);
  EffectCheck* CheckFor(const Resource& resource) const;
  // The skip decision once inputs match: confirmed where the effect lives.
  GateDecision Confirm(const Resource& resource, const std::string& recorded,
                       const std::string& verb, const std::string& since);

  struct Pending {
    UpdateInputs inputs;
    std::string dir;
    InputDigest digest;
  };
  std::filesystem::path state_dir_;
  std::vector<std::unique_ptr<EffectCheck>> checks_;
  Redactor redactor_;  // set before any run; only read while the gate checks
  absl::Duration racy_window_ = absl::Seconds(2);
  std::mutex mu_;
  std::map<std::string, Pending> pending_;  // guarded: by resource name, from Check to Record
  // Guarded: effects confirmed in this session, by "kind produces" -> identity.
  std::map<std::string, std::string> confirmed_;
};

}  // namespace fops

#endif  // FOPS_ENGINE_INPUT_GATE_H_
