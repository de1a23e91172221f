// The guard: the policy every command passes before it runs, in every mode,
// from every executor. It makes the seed's boundary executable: kubectl is
// for diagnostics only; nothing pauses Argo CD or turns off auto-sync;
// `argocd app sync` only in deployment mode; Helm mutates only dev releases
// in dev namespaces from development mode (in staging mode only the
// canonical releases named as targets; in deployment mode none); the dev
// loop never pushes a release tag; and nothing creates a workspace per
// repo, branch, agent or preview, or deploys previews into ad-hoc
// namespaces. It reads through `sh -c` / `bash -lc` strings (see
// shell_words.h), `env`, `sudo`, `exec`, `command`, `nohup`, `timeout`,
// `xargs`, `watch`, `eval`, `find -exec`, `ssh`, shell script files,
// absolute paths, leading VAR=x assignments and global flags before the
// verb. What it cannot read (an unterminated quote) it refuses.
//
// A refusal is kFailedPrecondition: `refused by guard rule <id>: "<the
// seed sentence it protects>" (<what it saw>)`. Flag values that carry
// credentials and the environment's secrets never appear in it.
//
//   Guard guard(GuardConfig{.mode = Mode::kDevelopment});
//   guard.CheckShell("kubectl -n x --context y set image deploy/api api=x");
//   // kFailedPrecondition: refused by guard rule kubectl-mutation: "Tilt must not ..."
//   guard.CheckArgv({"helm", "upgrade", "--install", "api-dev", "charts/api",
//                    "--namespace", "fractalops-dev"});  // OK
#ifndef FOPS_POLICY_GUARD_H_
#define FOPS_POLICY_GUARD_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "fops/exec/command_policy.h"
#include "fops/model/helm_release.h"
#include "fops/model/mode.h"

namespace fops {

/// What the guard needs to know about a repo. Plain value; the Tiltfile's
/// guard_settings(...) fills it (docs/guard.md).
struct GuardConfig {
  Mode mode = Mode::kDevelopment;
  /// Namespaces dev Helm releases may go to.
  std::vector<std::string> dev_namespaces = {"fractalops-dev"};
  /// A release whose name ends with this is a dev release.
  std::string dev_release_suffix = "-dev";
  /// Further dev releases, whatever their names.
  std::vector<std::string> dev_releases;
  /// Staging mode: the canonical releases named as targets of this run.
  std::vector<HelmTarget> staging_targets;
  /// Namespaces of project previews (globs): never a Helm or kubectl target.
  std::vector<std::string> preview_namespaces = {"preview-*", "pr-*"};
  /// Release tags (globs), besides semantic versions (v1.2.3, 1.2, v2).
  std::vector<std::string> release_tags = {"latest", "stable", "release", "release-*",
                                           "prod", "production"};
  /// Read shell scripts a command runs (`./deploy.sh`, `bash x.sh`, `. lib.sh`).
  bool inspect_scripts = true;

  /// kInvalidArgument naming the field: no dev namespace, or neither a
  /// suffix nor dev releases.
  absl::Status Validate() const;
  /// True for a configured dev namespace.
  bool IsDevNamespace(std::string_view ns) const;
  /// True for a name ending with the suffix or listed in dev_releases.
  bool IsDevRelease(std::string_view release) const;
  /// True when `ns` matches a preview_namespaces glob.
  bool IsPreviewNamespace(std::string_view ns) const;
  /// True for a semantic version or a release_tags glob.
  bool IsReleaseTag(std::string_view tag) const;
};

/// One rule: its id, the seed sentence it protects, what it refuses.
struct GuardRule {
  std::string_view id;
  std::string_view boundary;  ///< quoted in every refusal
  std::string_view refuses;   ///< one line for docs and `fops guard --rules`
};

/// Every rule, in the order the guard tries them.
const std::vector<GuardRule>& GuardRules();

/// The rule id of a refusal from Guard ("" for any other status).
std::string GuardRuleOf(const absl::Status& status);

/// Immutable after construction; Check is thread-safe.
class Guard : public CommandPolicy {
 public:
  explicit Guard(GuardConfig config = {});

  /// OK, or kFailedPrecondition naming the rule. Reads spec.env for the
  /// variables a shell string uses, spec.dir for relative script paths.
  absl::Status Check(const CommandSpec& spec) const override;
  /// Check of `argv`, run without a shell, from the current directory.
  absl::Status CheckArgv(const std::vector<std::string>& argv) const;
  /// Check of a shell string, as `sh -c script` would run it.
  absl::Status CheckShell(std::string_view script) const;

  /// The configuration it checks with.
  const GuardConfig& config() const { return config_; }

 private:
  GuardConfig config_;
};

}  // namespace fops

#endif  // FOPS_POLICY_GUARD_H_
