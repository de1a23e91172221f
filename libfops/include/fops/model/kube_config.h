// The kubeconfig that kubectl and Helm read: which context is current and
// what each context names (cluster, server, user, namespace). fops reads it
// when a Tiltfile is loaded, so every Helm and kubectl command it renders
// carries the context it was planned for (`--kube-context`, `--context`),
// and a Tiltfile can refuse to run against a context it does not allow.
//
// Files merge as kubectl merges them: KUBECONFIG's files in order (else
// ~/.kube/config); the first file that names a current context wins, and
// the first definition of a context, cluster or user wins. A missing file is
// skipped; a file that is not a kubeconfig is an error naming file:line.
//
//   FOPS_ASSIGN_OR_RETURN(KubeConfig config,
//                         KubeConfig::Load(KubeConfig::Paths(getenv("KUBECONFIG"), home)));
//   config.current_context;                   // "fops-local"
//   IsLocalCluster(*config.Find("fops-local"));  // true: its server is on loopback
#ifndef FOPS_MODEL_KUBE_CONFIG_H_
#define FOPS_MODEL_KUBE_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace fops {

/// One context of a kubeconfig, with what it points at.
struct KubeContext {
  std::string name;
  std::string cluster;         ///< the cluster entry it uses
  std::string server;          ///< that cluster's API server URL ("" when not defined)
  std::string user;            ///< the user entry it uses
  std::string namespace_name;  ///< its default namespace ("" : default)
};

struct KubeConfig {
  std::vector<std::string> files;  ///< the files that existed and were read, in order
  std::string current_context;     ///< "" when no file names one
  std::vector<KubeContext> contexts;

  /// The context called `name`, or nullptr.
  const KubeContext* Find(std::string_view name) const;

  /// The files kubectl would read: `kubeconfig_env` split on ':' (empty
  /// entries dropped), or `<home>/.kube/config` when it is empty.
  static std::vector<std::string> Paths(std::string_view kubeconfig_env, std::string_view home);

  /// Reads and merges `files`; kInvalidArgument naming file:line for a file
  /// that is not YAML or not a kubeconfig (a field of the wrong type).
  static absl::StatusOr<KubeConfig> Load(const std::vector<std::string>& files);

  /// Parses one kubeconfig document; `file` names it in errors.
  static absl::StatusOr<KubeConfig> Parse(std::string_view yaml, std::string_view file);
};

/// True for a context that can only be a cluster on this machine: a local
/// cluster tool's naming (kind-*, k3d-*, minikube, docker-desktop,
/// rancher-desktop, colima, orbstack, microk8s, fops-local) or an API server
/// on a loopback address. The dev loop may use these without being told.
bool IsLocalCluster(const KubeContext& context);

}  // namespace fops

#endif  // FOPS_MODEL_KUBE_CONFIG_H_
