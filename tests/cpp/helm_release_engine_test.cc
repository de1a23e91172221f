// Helm releases through the engine with the scripted executor: the exact
// argv that would reach a cluster (golden), the guard refusing a non-dev
// release before anything runs; and the update gate's reasons for a
// release, read back through HelmEffectCheck's rules from a stand-in for
// the cluster (the real cluster's side is tests/python/test_kube_helm.py).
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

#include "fops/base/status_matchers.h"
#include "fops/engine/engine.h"
#include "fops/engine/helm_effect_check.h"
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

  // The engine for `release` after a stand-in for its image build.
  absl::StatusOr<std::unique_ptr<Engine>> NewEngine(const HelmRelease& release,
                                                    ScriptedExecutor& executor, const Guard& guard,
                                                    InputGate& gate) {
    Resource image;
    image.name = "runtime";
    image.kind = "image";
    image.cmd = Command::Argv({"buildah", "push", release.image});
    Resource helm = CompileHelmRelease(release).value();
    Project project{.tiltfile = (root_ / "Tiltfile.py").string(), .root = root_.string(),
                    .resources = {image, helm}};
    for (Resource& r : project.resources) r.dir = root_.string();
    return Engine::Create(project, executor, {.policy = &guard, .gate = &gate});
  }

  // Runs `release` after a stand-in for its image build; returns the result.
  RunResult Run(const HelmRelease& release, ScriptedExecutor& executor, const Guard& guard) {
    InputGate gate(root_ / ".fops");
    auto engine = NewEngine(release, executor, guard, gate);
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

// What `helm status` would answer: a release the test moves like the
// cluster would (fops upgrades, a rollback, an uninstall).
class ClusterStandIn : public HelmEffectCheck {
 public:
  absl::StatusOr<Effect> Observe(const Resource&) override {
    if (revision == 0) return Effect{.present = false};
    return Effect{.present = true,
                  .identity = absl::StrCat("revision ", revision, ", ", status)};
  }
  int revision = 1;
  std::string status = "deployed";
};

// A gate as one `fops` session makes it, reading `live`'s answers.
std::unique_ptr<InputGate> GateOn(const fs::path& state_dir, ClusterStandIn*& live) {
  InputGateOptions options;
  auto cluster = std::make_unique<ClusterStandIn>();
  live = cluster.get();
  options.checks.push_back(std::move(cluster));
  auto gate = std::make_unique<InputGate>(state_dir, std::move(options));
  gate->set_racy_window(absl::ZeroDuration());
  return gate;
}

TEST_F(HelmEngineTest, TheGateSaysWhyAReleaseIsUpgradedAgain) {
  Resource api = CompileHelmRelease(Api()).value();
  api.dir = root_.string();
  ClusterStandIn* live = nullptr;
  std::unique_ptr<InputGate> gate = GateOn(root_ / ".fops", live);
  EXPECT_EQ(gate->Check(api).value().reason, "updated: no previous build");
  ASSERT_THAT(gate->Record(api), IsOk());  // revision 1, as `helm status` shows it
  EXPECT_EQ(gate->Check(api).value().reason,
            "skipped: unchanged since fractalops-api-dev in fractalops-dev with "
            "ghcr.io/yamonco/fractalops-runtime:dev-1a2b");

  // The next session finds the release as the cluster has it now.
  auto reason = [&](const Resource& r, int revision, std::string status = "deployed") {
    std::unique_ptr<InputGate> next = GateOn(root_ / ".fops", live);
    live->revision = revision;
    live->status = std::move(status);
    return next->Check(r).value().reason;
  };
  EXPECT_EQ(reason(api, 2), "updated: release changed in the cluster: revision 2, fops applied 1");
  EXPECT_EQ(reason(api, 0),
            "updated: release fractalops-api-dev is not in namespace fractalops-dev of the cluster");
  EXPECT_EQ(reason(api, 1, "failed"),
            "updated: release fractalops-api-dev is failed in the cluster (revision 1)");
  EXPECT_THAT(reason(api, 1), HasSubstr("skipped: unchanged since"));

  Resource new_image = CompileHelmRelease(Api("ghcr.io/yamonco/fractalops-runtime:dev-3c4d")).value();
  new_image.dir = root_.string();
  EXPECT_THAT(reason(new_image, 1),
              HasSubstr("updated: image changed (ghcr.io/yamonco/fractalops-runtime:dev-1a2b -> "
                        "ghcr.io/yamonco/fractalops-runtime:dev-3c4d)"));
  std::ofstream(root_ / "charts/fractalops-api/values-dev.yaml", std::ios::app) << "extra: true\n";
  EXPECT_EQ(reason(api, 1), "updated: charts/fractalops-api/values-dev.yaml changed");
  std::ofstream(root_ / "charts/fractalops-api/templates/service.yaml", std::ios::app) << "# x\n";
  EXPECT_THAT(reason(api, 1), HasSubstr("updated: charts/fractalops-api/"));
}

TEST_F(HelmEngineTest, AScriptedRunRecordsNothing) {
  for (int run = 0; run < 2; ++run) {
    ScriptedExecutor executor;
    RunResult result = Run(Api(), executor, Guard());
    ASSERT_TRUE(result.ok);
    EXPECT_EQ(result.Find("api")->reason, "updated: no previous build");
  }
  EXPECT_FALSE(fs::exists(root_ / ".fops/helm/api.json"));
}

TEST_F(HelmEngineTest, CanonicalReleaseIsRefusedBeforeAnythingRuns) {
  HelmRelease canonical = Api();
  canonical.release = "fractalops-api";
  ScriptedExecutor executor;
  InputGate gate(root_ / ".fops");
  absl::StatusOr<std::unique_ptr<Engine>> engine = NewEngine(canonical, executor, Guard(), gate);
  EXPECT_THAT(engine.status(),
              ::fops::testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                        ::testing::AllOf(HasSubstr("resource 'api': "),
                                                         HasSubstr("helm-dev-release"),
                                                         HasSubstr("helm upgrade --install "
                                                                   "fractalops-api "))));
  EXPECT_TRUE(executor.calls().empty());  // not even the image build ran
}

}  // namespace
}  // namespace fops
