#include "fops/plan/helm_upgrade.h"

#include "fops/base/status_matchers.h"
#include "fops/policy/guard.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

using Argv = std::vector<std::string>;

HelmRelease Api() {
  return HelmRelease{.name = "api",
                     .release = "fractalops-api-dev",
                     .chart = "charts/fractalops-api",
                     .namespace_name = "fractalops-dev",
                     .values_files = {"charts/fractalops-api/values-dev.yaml"},
                     .set_values = {{"env.LOG_LEVEL", "debug"}},
                     .image = "ghcr.io/yamonco/fractalops-runtime:dev-1a2b",
                     .image_resource = "runtime",
                     .autoscaling = HelmAutoscaling{.min_replicas = 2, .max_replicas = 6},
                     .labels = {"backend"}};
}

TEST(HelmUpgradeTest, RendersTheUpgradeGolden) {
  EXPECT_EQ(RenderHelmUpgrade(Api()),
            (Argv{"helm", "upgrade", "--install", "fractalops-api-dev", "charts/fractalops-api",
                  "--namespace", "fractalops-dev",
                  "-f", "charts/fractalops-api/values-dev.yaml",
                  "--set", "env.LOG_LEVEL=debug",
                  "--set-string", "image.repository=ghcr.io/yamonco/fractalops-runtime",
                  "--set-string", "image.tag=dev-1a2b",
                  "--set", "autoscaling.enabled=true",
                  "--set", "autoscaling.minReplicas=2",
                  "--set", "autoscaling.maxReplicas=6",
                  "--wait", "--timeout", "5m"}));
}

TEST(HelmUpgradeTest, FlagsAreConfigurableAndNeverReuseValues) {
  HelmRelease api = Api();
  api.wait = false;
  api.timeout = absl::Seconds(90);
  api.atomic = true;
  api.create_namespace = true;
  api.flags = {"--history-max", "5"};
  api.image_keys = HelmImageKeys{.reference = "image.ref"};
  api.autoscaling.reset();
  api.set_values.clear();
  api.values_files.clear();
  Argv argv = RenderHelmUpgrade(api);
  EXPECT_EQ(argv, (Argv{"helm", "upgrade", "--install", "fractalops-api-dev", "charts/fractalops-api",
                        "--namespace", "fractalops-dev", "--set-string",
                        "image.ref=ghcr.io/yamonco/fractalops-runtime:dev-1a2b", "--timeout", "1m30s",
                        "--atomic", "--create-namespace", "--history-max", "5"}));
  EXPECT_THAT(argv, Not(Contains("--reuse-values")));
}

TEST(HelmUpgradeTest, TemplateUsesExactlyTheUpgradeValues) {
  EXPECT_EQ(RenderHelmTemplate(Api()),
            (Argv{"helm", "template", "fractalops-api-dev", "charts/fractalops-api", "--namespace",
                  "fractalops-dev", "-f", "charts/fractalops-api/values-dev.yaml", "--set",
                  "env.LOG_LEVEL=debug", "--set-string",
                  "image.repository=ghcr.io/yamonco/fractalops-runtime", "--set-string",
                  "image.tag=dev-1a2b", "--set", "autoscaling.enabled=true", "--set",
                  "autoscaling.minReplicas=2", "--set", "autoscaling.maxReplicas=6"}));
}

TEST(HelmUpgradeTest, CompilesAGuardedHelmResourceWithItsInputs) {
  absl::StatusOr<Resource> resource = CompileHelmRelease(Api());
  ASSERT_THAT(resource, IsOk());
  EXPECT_EQ(resource->name, "api");
  EXPECT_EQ(resource->kind, "helm");
  EXPECT_EQ(resource->cmd.argv(), RenderHelmUpgrade(Api()));
  EXPECT_THAT(resource->resource_deps, ElementsAre("runtime"));
  EXPECT_EQ(resource->timeout, absl::Minutes(6));
  EXPECT_THAT(resource->inputs.paths,
              ElementsAre("charts/fractalops-api", "charts/fractalops-api/values-dev.yaml"));
  EXPECT_THAT(resource->inputs.values,
              ElementsAre(Pair("autoscaling", "2-6"), Pair("flags", "--wait --timeout 5m"),
                          Pair("image", "ghcr.io/yamonco/fractalops-runtime:dev-1a2b"),
                          Pair("namespace", "fractalops-dev"), Pair("release", "fractalops-api-dev"),
                          Pair("set env.LOG_LEVEL", "debug")));
  EXPECT_EQ(resource->inputs.produces,
            "fractalops-api-dev in fractalops-dev with ghcr.io/yamonco/fractalops-runtime:dev-1a2b");
  // What fops renders passes the development guard.
  EXPECT_THAT(Guard().CheckArgv(resource->cmd.argv()), IsOk());
}

TEST(HelmUpgradeTest, SecretSetValuesAreStoredHashed) {
  HelmRelease api = Api();
  api.set_values = {{"db.password", "hunter2-hunter2"}};
  UpdateInputs inputs = HelmUpgradeInputs(api);
  EXPECT_THAT(inputs.values.at("set db.password"), HasSubstr("xxh128:"));
  EXPECT_NE(inputs.values.at("set db.password"), "hunter2-hunter2");
}

TEST(HelmUpgradeTest, InvalidReleaseDoesNotCompile) {
  HelmRelease api = Api();
  api.autoscaling->max_replicas = 1;
  EXPECT_THAT(CompileHelmRelease(api),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("autoscaling: min_replicas 2")));
}

}  // namespace
}  // namespace fops
