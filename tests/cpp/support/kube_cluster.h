// The local Kubernetes cluster of the test run (.ci/local-cluster,
// docs/local-cluster.md) for GoogleTest suites. A suite whose name starts
// with `Kube` is registered by tests/CMakeLists.txt with the ctest fixture
// `kube`: ctest starts the cluster once (test kube.start) before it, stops
// it after, and passes its directory in FOPS_TEST_KUBE_DIR.
//
//   class KubeThingTest : public ::testing::Test {
//    protected:
//     void SetUp() override { FOPS_REQUIRE_KUBE_CLUSTER(kube_); }
//     std::optional<KubeCluster> kube_;
//   };
//   CommandOutput nodes = kube_->Kubectl({"get", "nodes", "-o", "json"});
//
// Outside ctest, set FOPS_TEST_KUBE_DIR to a directory where
// `.ci/local-cluster start DIR` runs; without it the suite skips.
#ifndef FOPS_TESTS_CPP_SUPPORT_KUBE_CLUSTER_H_
#define FOPS_TESTS_CPP_SUPPORT_KUBE_CLUSTER_H_

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fops::testing {

struct CommandOutput {
  int exit_code = -1;
  std::string text;  // stdout and stderr
};

struct KubeClusterLookup;

class KubeCluster {
 public:
  /// The one context of the cluster's kubeconfig.
  static constexpr const char* kContext = "fops-local";

  /// The cluster of FOPS_TEST_KUBE_DIR, or why there is none.
  static KubeClusterLookup FromEnvironment();

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path kubeconfig() const { return dir_ / "kubeconfig"; }
  /// KUBECONFIG, KUBECACHEDIR and the HELM_* homes (from DIR/env): kubectl
  /// and Helm use only this cluster and keep their caches inside DIR.
  const std::vector<std::pair<std::string, std::string>>& environment() const { return env_; }

  /// Runs `argv` with environment() in `cwd` (default: the current
  /// directory); argv[0] "kubectl" or "helm" is the tools' binary.
  CommandOutput Run(std::vector<std::string> argv, const std::filesystem::path& cwd = {}) const;
  /// `kubectl --context fops-local ARGS`.
  CommandOutput Kubectl(std::vector<std::string> args) const;
  /// `helm --kube-context fops-local ARGS` in `cwd`.
  CommandOutput Helm(std::vector<std::string> args, const std::filesystem::path& cwd = {}) const;

 private:
  explicit KubeCluster(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
  std::vector<std::pair<std::string, std::string>> env_;
};

/// What a suite may do: use `cluster`, or skip (`skip` says why: no
/// FOPS_TEST_KUBE_DIR, no binaries), or fail (`failure`: the directory is
/// set but no cluster runs there).
struct KubeClusterLookup {
  std::optional<KubeCluster> cluster;
  std::string skip;
  std::string failure;
};

/// $FOPS_TOOLS_DIR/bin (default ~/.cache/fops/tools/bin) / `name`; "" when absent.
std::string ToolBinary(const std::string& name);

}  // namespace fops::testing

/// In SetUp(): assigns the cluster to `var` (a std::optional<KubeCluster>),
/// or skips / fails the test saying why.
#define FOPS_REQUIRE_KUBE_CLUSTER(var)                                        \
  do {                                                                        \
    ::fops::testing::KubeClusterLookup found_ =                               \
        ::fops::testing::KubeCluster::FromEnvironment();                      \
    if (!found_.failure.empty()) FAIL() << found_.failure;                    \
    if (!found_.cluster) GTEST_SKIP() << found_.skip;                         \
    var = std::move(found_.cluster);                                          \
  } while (0)

#endif  // FOPS_TESTS_CPP_SUPPORT_KUBE_CLUSTER_H_
