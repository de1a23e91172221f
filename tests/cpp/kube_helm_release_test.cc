// The `helm upgrade --install` fops renders (plan/helm_upgrade.h), run for
// real against the local Kubernetes cluster: with --wait it returns once
// the example chart's Deployment is rolled out (kwok marks its pods Ready;
// no container runs), the release is deployed at revision 1 with the image
// fops passed, and the HPA is created. A `Kube*` suite: ctest starts the
// cluster once for it (fixture `kube`, tests/cpp/support/kube_cluster.h).
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "fops/model/helm_release.h"
#include "fops/plan/helm_upgrade.h"
#include "gtest/gtest.h"
#include "support/kube_cluster.h"
#include "yaml-cpp/yaml.h"

namespace fops {
namespace {

using ::fops::testing::CommandOutput;
using ::fops::testing::KubeCluster;

class KubeHelmReleaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FOPS_REQUIRE_KUBE_CLUSTER(kube_);
    namespace_ = "kube-cpp-" + std::to_string(getpid());
  }
  void TearDown() override {
    if (!kube_) return;
    kube_->Helm({"uninstall", "fractalops-api-dev", "-n", namespace_});
    kube_->Kubectl({"delete", "namespace", namespace_, "--wait=false"});
  }
  std::optional<KubeCluster> kube_;
  std::string namespace_;
};

TEST_F(KubeHelmReleaseTest, RenderedUpgradeInstallsTheExampleChartAndWaits) {
  const std::string image = "ghcr.io/yamonco/fractalops-runtime:dev-1a2b3c";
  HelmRelease release{.name = "api",
                      .release = "fractalops-api-dev",
                      .chart = "charts/fractalops-api",
                      .namespace_name = namespace_,
                      .values_files = {"charts/fractalops-api/values-dev.yaml"},
                      .image = image,
                      .autoscaling = HelmAutoscaling{.min_replicas = 2, .max_replicas = 6},
                      .wait = true,
                      .timeout = absl::Seconds(120),
                      .create_namespace = true};
  ASSERT_TRUE(release.Validate().ok());
  std::vector<std::string> argv = RenderHelmUpgrade(release);
  argv.insert(argv.end(), {"--kube-context", KubeCluster::kContext});
  CommandOutput upgraded = kube_->Run(argv, std::string(FOPS_SOURCE_DIR) + "/examples/fractalops");
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.text;

  CommandOutput status = kube_->Helm({"status", "fractalops-api-dev", "-n", namespace_, "-o", "json"});
  ASSERT_EQ(status.exit_code, 0) << status.text;
  YAML::Node helm = YAML::Load(status.text);  // JSON is YAML
  EXPECT_EQ(helm["version"].as<int>(), 1);
  EXPECT_EQ(helm["info"]["status"].as<std::string>(), "deployed");

  CommandOutput deployment =
      kube_->Kubectl({"get", "deployment", "fractalops-api-dev", "-n", namespace_, "-o", "json"});
  ASSERT_EQ(deployment.exit_code, 0) << deployment.text;
  YAML::Node d = YAML::Load(deployment.text);
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][0]["image"].as<std::string>(), image);
  EXPECT_GE(d["status"]["readyReplicas"].as<int>(0), 1);

  CommandOutput hpa =
      kube_->Kubectl({"get", "hpa", "fractalops-api-dev", "-n", namespace_, "-o", "json"});
  ASSERT_EQ(hpa.exit_code, 0) << hpa.text;
  EXPECT_EQ(YAML::Load(hpa.text)["spec"]["minReplicas"].as<int>(), 2);
}

}  // namespace
}  // namespace fops
