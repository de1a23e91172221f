// The guard: the policy every command passes before it runs, in every mode,
// from every executor. It keeps the dev loop to what a dev loop is for:
// kubectl for diagnostics only; Argo CD never paused nor its auto-sync
// turned off; `argocd app sync` only in deployment mode; Helm changing only
// dev releases in dev namespaces in development mode (in staging mode only
// the canonical releases named as targets of the run; in deployment mode
// none); no image pushed under a release tag; no workspace per repo,
// branch, agent or preview, and no deploy into a preview namespace.
//
// Commands are read as a shell and the usual wrappers would run them
// (policy/command_reader.h: `sh -c` / `bash -lc` strings, `env`, `sudo`,
// `exec`, `xargs`, `find -exec`, `ssh`, script files, VAR=x, ...); each
// tool found is judged by that tool's rules (policy/rules/). What the guard
// cannot read (an unterminated quote) it refuses.
//
// A refusal is kFailedPrecondition: `refused by guard rule <id>: <reason>
// (<what it saw>)`, then `[via <wrappers>]` when it was found inside some.
// Flag values that carry credentials and the environment's secrets never
// appear in it; GuardExplainHints() names the command that explains the rule
// in full (`fops guard --explain RULE`). GuardRules() holds each rule's reason, what it refuses and
// its full explanation (`fops guard --explain RULE`).
//
//   Guard guard(GuardConfig{.mode = Mode::kDevelopment});
//   guard.CheckShell("kubectl -n x --context y set image deploy/api api=x");
//   // kFailedPrecondition: refused by guard rule kubectl-mutation: kubectl is for
//   // diagnostics only; ... (kubectl set image deploy/api …)
//   guard.CheckArgv({"helm", "upgrade", "--install", "api-dev", "charts/api",
//                    "--namespace", "fractalops-dev"});  // OK
#ifndef FOPS_POLICY_GUARD_H_
#define FOPS_POLICY_GUARD_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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
  /// Kube contexts Helm may change releases in ("" entries ignored); empty:
  /// the guard does not judge the cluster. Filled from the Tiltfile's
  /// allow_k8s_contexts(...) and the local clusters of the kubeconfig.
  std::vector<std::string> allowed_contexts;
  /// The kube context current at load time: what a helm command without
  /// --kube-context (or HELM_KUBECONTEXT) would use.
  std::string current_context;

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

/// A command that shows a rule at work, in `fops guard --explain`.
struct GuardExample {
  std::string_view command;  ///< shell text, checked as `sh -c command`
  bool refused = true;       ///< refused by the rule, or allowed
};

/// One rule: its id, why it exists, what it refuses, what to do instead.
struct GuardRule {
  std::string_view id;       ///< stable; named in every refusal
  std::string_view reason;   ///< one line, in every refusal: why the dev loop never does it
  std::string_view refuses;  ///< one line for `fops guard --rules`
  std::string_view why;      ///< why the rule exists (`fops guard --explain`)
  std::string_view instead;  ///< what to do instead (`fops guard --explain`)
  Mode mode = Mode::kDevelopment;          ///< the mode the examples are checked in
  std::span<const GuardExample> examples;  ///< refused and allowed commands
  /// The one kube context the examples' guard allows ("" : the guard does
  /// not judge the cluster in them).
  std::string_view allowed_contexts;
};

/// The guard configuration a rule's examples are checked with: its mode,
/// the staging run targeting fractalops-api in namespace fractalops, and
/// its allowed context.
GuardConfig ExampleConfig(const GuardRule& rule);

/// Every rule, the reader's own first, then each tool's.
const std::vector<GuardRule>& GuardRules();

/// The rule with this id; kNotFound naming the closest ids ("did you mean
/// ...") for an unknown one.
absl::StatusOr<const GuardRule*> FindGuardRule(std::string_view id);

/// The full explanation of a rule, as `fops guard --explain` prints it:
/// what it refuses, why, what to do instead, refused and allowed examples.
std::string ExplainGuardRule(const GuardRule& rule);

/// A command of a shell script that the guard refuses.
struct ScriptRefusal {
  int line = 0;         ///< the script's line (from 1) where the command starts
  std::string command;  ///< its text, on one line, secrets redacted
  absl::Status status;  ///< the refusal: kFailedPrecondition naming the rule
};

/// The rule id of a refusal from Guard ("" for any other status).
std::string GuardRuleOf(const absl::Status& status);

/// One line per rule refused in `message` (refusals joined by newlines, as
/// a run reports them), in the order first named: the command that prints
/// the rule's full explanation, so a refusal needs no document to read.
std::vector<std::string> GuardExplainHints(std::string_view message);

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
  /// Every refused command of a shell script, as `sh` would run its text
  /// (what one command assigns, the next sees), in the order they start;
  /// empty when all are allowed. Text a shell would reject is one refusal
  /// (`unreadable`) on the line where reading stopped. Reads spec.env and
  /// spec.dir as Check does; spec.argv is not used.
  std::vector<ScriptRefusal> CheckScript(std::string_view script,
                                         const CommandSpec& spec = {}) const;

  /// The configuration it checks with.
  const GuardConfig& config() const { return config_; }

 private:
  GuardConfig config_;
};

}  // namespace fops

#endif  // FOPS_POLICY_GUARD_H_
