// Helm releases through the engine with the scripted executor: the exact
// argv that would reach a cluster (golden), the skip-if-unchanged gate and
// its reasons, and the guard refusing a non-dev release before it runs.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "fops/base/status_matchers.h"
#include "fops/engine/engine.h"
#include "fops/engine/input_gate.h"
#include "fops/exec/scripted_executor.h"
#include "fops/plan/helm_upgrade.h"
#include "fops/policy/guard.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

namespace fs = std::filesystem;
using ::fops::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Argv = std::vector<std::string>;

class HelmEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A directory of its own: ctest runs these tests in parallel processes.
    fs::create_directories(root_ / "charts");
    fs::copy(fs::path(FOPS_SOURCE_DIR) / "examples/fractalops/charts/fractalops-api",
             root_ / "charts/fractalops-api", fs::copy_options::recursive);
  }

  HelmRelease Api(std::string image = "ghcr.io/yamonco/fractalops-runtime:dev-1a2b") {
    return HelmRelease{.name = "api",
                       .release = "fractalops-api-dev",
                       .chart = "charts/fractalops-api",
                       .namespace_name = "fractalops-dev",
                       .values_files = {"charts/fractalops-api/values-dev.yaml"},
                       .image = std::move(image),
                       .image_resource = "runtime",
                       .autoscaling = HelmAutoscaling{.min_replicas = 2, .max_replicas = 6}};
  }

  // Runs `release` after a stand-in for its image build; returns the result.
  RunResult Run(const HelmRelease& release, ScriptedExecutor& executor, const Guard& guard) {
    Resource image;
    image.name = "runtime";
    image.kind = "image";
    image.cmd = Command::Argv({"buildah", "push", release.image});
    Resource helm = CompileHelmRelease(release).value();
    Project project{.tiltfile = (root_ / "Tiltfile.py").string(), .root = root_.string(),
                    .resources = {image, helm}};
    for (Resource& r : project.resources) r.dir = root_.string();
    InputGate gate(root_ / ".fops");
    gate.set_racy_window(absl::ZeroDuration());
    auto engine = Engine::Create(project, executor, {.policy = &guard, .gate = &gate});
    EXPECT_THAT(engine.status(), IsOk());
    return (*engine)->Ci();
  }

  ::fops::testing::TempDir temp_{"helm_engine_test"};
  const fs::path root_ = temp_.path();
};

TEST_F(HelmEngineTest, UpgradeArgvReachesTheExecutorExactly) {
  ScriptedExecutor executor;
  executor.AddRule({.pattern = "helm upgrade *", .output = {"Release \"fractalops-api-dev\" has been upgraded."}});
  RunResult result = Run(Api(), executor, Guard());
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_EQ(executor.calls().size(), 2u);
  EXPECT_EQ(executor.calls()[1].argv,
            (Argv{"helm", "upgrade", "--install", "fractalops-api-dev", "charts/fractalops-api",
                  "--namespace", "fractalops-dev", "-f", "charts/fractalops-api/values-dev.yaml",
                  "--set-string", "image.repository=ghcr.io/yamonco/fractalops-runtime",
                  "--set-string", "image.tag=dev-1a2b", "--set", "autoscaling.enabled=true", "--set",
                  "autoscaling.minReplicas=2", "--set", "autoscaling.maxReplicas=6", "--wait",
                  "--timeout", "5m"}));
  EXPECT_EQ(executor.calls()[1].dir, root_.string());
  EXPECT_THAT(result.Find("api")->reason, HasSubstr("no previous build"));
}

TEST_F(HelmEngineTest, UnchangedUpgradeIsSkippedAndAChangeSaysWhat) {
  {
    ScriptedExecutor executor;
    ASSERT_TRUE(Run(Api(), executor, Guard()).ok);
  }
  {
    ScriptedExecutor executor;
    RunResult again = Run(Api(), executor, Guard());
    ASSERT_TRUE(again.ok);
    EXPECT_EQ(again.Find("api")->status, ResourceStatus::kUpToDate);
    EXPECT_EQ(again.Find("api")->reason,
              "skipped: unchanged since fractalops-api-dev in fractalops-dev with "
              "ghcr.io/yamonco/fractalops-runtime:dev-1a2b");
    for (const CommandSpec& call : executor.calls()) EXPECT_NE(call.argv[0], "helm");
  }
  {
    ScriptedExecutor executor;
    RunResult new_image = Run(Api("ghcr.io/yamonco/fractalops-runtime:dev-3c4d"), executor, Guard());
    ASSERT_TRUE(new_image.ok);
    EXPECT_EQ(new_image.Find("api")->status, ResourceStatus::kSucceeded);
    EXPECT_THAT(new_image.Find("api")->reason,
                HasSubstr("updated: image changed (ghcr.io/yamonco/fractalops-runtime:dev-1a2b -> "
                          "ghcr.io/yamonco/fractalops-runtime:dev-3c4d)"));
  }
  {
    std::ofstream(root_ / "charts/fractalops-api/values-dev.yaml", std::ios::app) << "extra: true\n";
    ScriptedExecutor executor;
    RunResult values = Run(Api("ghcr.io/yamonco/fractalops-runtime:dev-3c4d"), executor, Guard());
    EXPECT_THAT(values.Find("api")->reason,
                HasSubstr("updated: charts/fractalops-api/values-dev.yaml changed"));
  }
  {
    std::ofstream(root_ / "charts/fractalops-api/templates/service.yaml", std::ios::app) << "# x\n";
    ScriptedExecutor executor;
    RunResult chart = Run(Api("ghcr.io/yamonco/fractalops-runtime:dev-3c4d"), executor, Guard());
    EXPECT_THAT(chart.Find("api")->reason,
                HasSubstr("updated: charts/fractalops-api/templates/service.yaml changed"));
  }
}

TEST_F(HelmEngineTest, CanonicalReleaseIsRefusedBeforeAnythingRuns) {
  HelmRelease canonical = Api();
  canonical.release = "fractalops-api";
  ScriptedExecutor executor;
  RunResult result = Run(canonical, executor, Guard());
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.Find("api")->status, ResourceStatus::kFailed);
  EXPECT_THAT(result.Find("api")->reason, HasSubstr("refused by guard rule helm-dev-release"));
  for (const CommandSpec& call : executor.calls()) EXPECT_NE(call.argv[0], "helm");
}

}  // namespace
}  // namespace fops
