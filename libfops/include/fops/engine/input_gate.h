// The skip-if-unchanged gate: an update whose inputs (files minus ignore
// patterns, and values such as build args, platform, builder, base images)
// and produced reference are the same as at its last success does not run
// again. Check() says why in the words `fops ci` prints: "rebuilt: no
// previous build", "rebuilt: app/main.py changed", "rebuilt: build arg
// VERSION changed", "skipped: unchanged since ghcr.io/x/api:dev-1a2b". The
// last success is kept per resource in `<state_dir>/images/<name>.json`
// (other kinds: `<state_dir>/<kind>/<name>.json`), written atomically;
// build-arg values are stored hashed, never in clear.
//
//   InputGate gate(StateDirFor(project.root));
//   EngineOptions options{.gate = &gate};   // --force sets options.force
#ifndef FOPS_ENGINE_INPUT_GATE_H_
#define FOPS_ENGINE_INPUT_GATE_H_

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fops/engine/update_gate.h"
#include "fops/watch/input_digest.h"

namespace fops {

/// Not thread-safe: the engine calls it from its one loop thread.
class InputGate : public UpdateGate {
 public:
  /// Keeps state under `state_dir` (created on the first Record()).
  explicit InputGate(std::filesystem::path state_dir);

  /// Compares the resource's inputs with its last success.
  absl::StatusOr<GateDecision> Check(const Resource& resource) override;
  /// Stores the inputs Check() saw (or, without a Check, computes them now).
  absl::Status Record(const Resource& resource) override;

  /// Where the last success of `resource` is stored.
  std::filesystem::path StatePath(const Resource& resource) const;
  /// See InputDigester::set_racy_window (tests use zero).
  void set_racy_window(absl::Duration window) { racy_window_ = window; }

 private:
  std::filesystem::path StateBase(const Resource& resource) const;
  absl::StatusOr<InputDigest> Digest(const Resource& resource);

  struct Pending {
    UpdateInputs inputs;
    std::string dir;
    InputDigest digest;
  };
  std::filesystem::path state_dir_;
  std::map<std::string, Pending> pending_;  // by resource name, from Check to Record
  absl::Duration racy_window_ = absl::Seconds(2);
};

}  // namespace fops

#endif  // FOPS_ENGINE_INPUT_GATE_H_
