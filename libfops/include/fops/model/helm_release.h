// A Helm release the dev loop upgrades: `helm upgrade --install RELEASE
// CHART --namespace NS` with values files, --set values, the image an image
// build pushed, and HPA bounds. In development mode it is a dev release
// (name ending in the dev suffix) in a dev namespace; the canonical release
// of the same chart belongs to Argo CD. Plain value; Validate() checks it
// and names the field. plan/helm_upgrade.h renders it.
//
//   HelmRelease api{.name = "api", .release = "fractalops-api-dev",
//                   .chart = "charts/fractalops-api", .namespace_name = "fractalops-dev",
//                   .image = "ghcr.io/yamonco/fractalops-runtime:dev-1a2b",
//                   .autoscaling = HelmAutoscaling{.min_replicas = 2, .max_replicas = 6}};
//   FOPS_RETURN_IF_ERROR(api.Validate());
#ifndef FOPS_MODEL_HELM_RELEASE_H_
#define FOPS_MODEL_HELM_RELEASE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "fops/base/source_location.h"

namespace fops {

/// Where the chart reads the image: a repository/tag pair (the default,
/// `image.repository` + `image.tag`), or one key taking the whole reference.
struct HelmImageKeys {
  std::string repository = "image.repository";  ///< gets `domain/path`
  std::string tag = "image.tag";                ///< gets the tag (and `@digest` if pinned)
  std::string reference;  ///< when set: this one key gets the full reference instead
  friend bool operator==(const HelmImageKeys&, const HelmImageKeys&) = default;
};

/// HPA bounds, passed as values; the loop never scales anything itself.
struct HelmAutoscaling {
  int min_replicas = 1;  ///< at least 1
  int max_replicas = 1;  ///< at least min_replicas
  std::string min_key = "autoscaling.minReplicas";
  std::string max_key = "autoscaling.maxReplicas";
  std::string enabled_key = "autoscaling.enabled";  ///< set to true; "" : not set
  friend bool operator==(const HelmAutoscaling&, const HelmAutoscaling&) = default;
};

/// A release by name and namespace: a canonical release a staging run may
/// upgrade because it was named as a target.
struct HelmTarget {
  std::string release;
  std::string namespace_name;
  friend bool operator==(const HelmTarget&, const HelmTarget&) = default;
};

struct HelmRelease {
  std::string name;            ///< resource name in fops
  std::string release;         ///< Helm release name (lowercase DNS, at most 53 characters)
  std::string chart;           ///< chart directory, relative to the resource's dir
  std::string namespace_name;  ///< Kubernetes namespace (DNS label)
  std::vector<std::string> values_files;  ///< `-f`, in order, relative to the dir
  std::vector<std::pair<std::string, std::string>> set_values;  ///< `--set KEY=VALUE`, in order
  std::string image;           ///< full image reference; "" : the chart's own
  std::string image_resource;  ///< the image build that pushes `image` (a resource dep)
  HelmImageKeys image_keys;
  std::optional<HelmAutoscaling> autoscaling;
  bool dev = true;             ///< declared a dev release (development mode accepts only these)
  bool wait = true;            ///< `--wait`: the step ends when the rollout is ready
  absl::Duration timeout = absl::Minutes(5);  ///< `--timeout`
  bool atomic = false;         ///< `--atomic`: roll back a failed upgrade
  bool create_namespace = false;  ///< `--create-namespace`
  std::vector<std::string> flags;  ///< further helm flags, appended as given
  /// The kube context the upgrade was planned for (`--kube-context`); ""
  /// : Helm's current one. Part of the release's identity: another context
  /// is another cluster.
  std::string kube_context;
  std::string kubeconfig;  ///< `--kubeconfig` file; "" : Helm's default lookup
  std::vector<std::string> resource_deps;  ///< besides image_resource
  std::vector<std::string> labels;
  SourceLocation declared_at;  ///< the Tiltfile line

  /// kInvalidArgument naming the declaring line, the release and the
  /// field: bad release/namespace name, empty chart, a bad image reference,
  /// autoscaling outside 1 <= min <= max, a --set key that collides with
  /// an image or autoscaling key, a negative timeout.
  absl::Status Validate() const;

  /// The values fops adds from `image`, in order: repository then tag (or
  /// the one reference key). Strings: rendered with --set-string so a tag
  /// like 1.10 stays "1.10". Empty when there is no (valid) image.
  std::vector<std::pair<std::string, std::string>> ImageValues() const;
  /// The values fops adds from `autoscaling`: enabled, min, max (typed:
  /// rendered with --set so they reach the chart as bool and ints).
  std::vector<std::pair<std::string, std::string>> AutoscalingValues() const;
};

}  // namespace fops

#endif  // FOPS_MODEL_HELM_RELEASE_H_
