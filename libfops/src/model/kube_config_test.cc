#include "fops/model/kube_config.h"

#include <string>

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"
#include "support/write_file.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kLocal[] = R"(apiVersion: v1
kind: Config
current-context: fops-local
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:41234
    certificate-authority: ca.crt
- name: lab
  cluster: {server: "https://10.0.3.20:6443"}
contexts:
- name: fops-local
  context: {cluster: local, user: admin}
- name: lab-dev
  context: {cluster: lab, user: dev, namespace: fractalops-dev}
users:
- name: admin
  user: {client-certificate: admin.crt}
)";

TEST(KubeConfigTest, ReadsTheCurrentContextAndWhatEachContextNames) {
  absl::StatusOr<KubeConfig> config = KubeConfig::Parse(kLocal, "kubeconfig");
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->current_context, "fops-local");
  ASSERT_EQ(config->contexts.size(), 2u);
  const KubeContext* lab = config->Find("lab-dev");
  ASSERT_NE(lab, nullptr);
  EXPECT_EQ(lab->cluster, "lab");
  EXPECT_EQ(lab->server, "https://10.0.3.20:6443");
  EXPECT_EQ(lab->namespace_name, "fractalops-dev");
  EXPECT_EQ(config->Find("nope"), nullptr);
  EXPECT_TRUE(IsLocalCluster(*config->Find("fops-local")));
  EXPECT_FALSE(IsLocalCluster(*lab));
}

TEST(KubeConfigTest, LocalClustersByToolNamingOrLoopbackServer) {
  EXPECT_TRUE(IsLocalCluster({.name = "kind-dev"}));
  EXPECT_TRUE(IsLocalCluster({.name = "minikube"}));
  EXPECT_TRUE(IsLocalCluster({.name = "x", .server = "https://localhost:6443"}));
  EXPECT_TRUE(IsLocalCluster({.name = "x", .server = "https://[::1]:6443"}));
  EXPECT_FALSE(IsLocalCluster({.name = "prod", .server = "https://k8s.example.com"}));
  EXPECT_FALSE(IsLocalCluster({.name = "kindly-prod", .server = "https://127x.example.com"}));
}

TEST(KubeConfigTest, FilesMergeAsKubectlMergesThem) {
  testing::TempDir dir("fops-kubeconfig");
  testing::WriteTestFile(dir.path() / "a", R"(contexts:
- name: lab-dev
  context: {cluster: first}
)");
  testing::WriteTestFile(dir.path() / "b", kLocal);
  absl::StatusOr<KubeConfig> config = KubeConfig::Load(
      {(dir.path() / "missing").string(), (dir.path() / "a").string(), (dir.path() / "b").string()});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->current_context, "fops-local");  // the first file that names one
  EXPECT_EQ(config->Find("lab-dev")->cluster, "first");  // the first definition wins
  EXPECT_EQ(config->files.size(), 2u);                   // the missing file is skipped
}

TEST(KubeConfigTest, PathsFollowKubeconfigOrTheHomeDefault) {
  EXPECT_THAT(KubeConfig::Paths("/a:/b::/c", "/root"), ElementsAre("/a", "/b", "/c"));
  EXPECT_THAT(KubeConfig::Paths("", "/home/dev"), ElementsAre("/home/dev/.kube/config"));
}

TEST(KubeConfigTest, AFileThatIsNotAKubeconfigNamesTheLine) {
  EXPECT_THAT(KubeConfig::Parse("contexts: {a: 1}\n", "/tmp/kc"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("/tmp/kc:1:11: contexts")));
  EXPECT_THAT(KubeConfig::Parse("current-context: [a\n", "/tmp/kc"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("/tmp/kc:")));
  EXPECT_THAT(KubeConfig::Parse("contexts:\n- name: a\n  context: {cluster: [x]}\n", "kc"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("kc:3:22: contexts[a].cluster: expected a string")));
  EXPECT_THAT(KubeConfig::Parse("", "kc"), IsOk());
}

}  // namespace
}  // namespace fops
