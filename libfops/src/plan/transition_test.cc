#include "fops/plan/transition.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::testing::HasSubstr;

const SessionInfo kHolder{.pid = 4242, .mode = "up", .tiltfile = "Tiltfile.py"};

TEST(TransitionPlanTest, UpIsRefusedWhileASessionRuns) {
  TransitionPlan free = PlanUp(std::nullopt);
  EXPECT_TRUE(free.records_mode);
  EXPECT_EQ(free.steps[0].action, "take-lock");
  TransitionPlan busy = PlanUp(kHolder);
  EXPECT_FALSE(busy.records_mode);
  EXPECT_EQ(busy.ToString(),
            "fops up\n  1. refuse: this repo already has a session (fops up, PID 4242); stop it "
            "with `fops down`\n");
}

TEST(TransitionPlanTest, DownTouchesNoCluster) {
  TransitionPlan down = PlanDown(kHolder);
  EXPECT_FALSE(down.records_mode);
  EXPECT_THAT(down.ToString(), HasSubstr("stop the local session (fops up, PID 4242)"));
  EXPECT_THAT(down.ToString(), HasSubstr("touch no cluster, release or Argo CD application"));
}

TEST(TransitionPlanTest, StagingIsBuildOnlyUnlessTargetsAreNamed) {
  TransitionPlan build_only = PlanStaging({.images = {"runtime-image"}}, std::nullopt);
  EXPECT_EQ(build_only.ToString(),
            "fops mode staging -> staging mode\n"
            "  1. take the repo's session lock for the staging run\n"
            "  2. build and push staging-tagged images with the staging cache scopes: runtime-image\n"
            "  3. build only: no cluster step at all\n"
            "  4. record staging mode in the repo's state directory (mode.json)\n");
  TransitionPlan live = PlanStaging({.images = {"runtime-image"},
                                     .live = {{.release = "fractalops-api", .namespace_name = "fractalops"}},
                                     .build_only = false,
                                     .targets = {"runtime"}},
                                    std::nullopt);
  EXPECT_EQ(live.steps[2].action, "helm-upgrade");
  EXPECT_THAT(live.steps[2].text, HasSubstr("through Helm only: fractalops-api (fractalops)"));
  EXPECT_THAT(PlanStaging({}, kHolder).ToString(), HasSubstr("refuse: this repo has a running session"));
}

TEST(TransitionPlanTest, DeployNamesEveryStep) {
  TransitionPlan plan = PlanDeploy({.apps = {"a", "b"}, .server = "https://argocd.lab",
                                    .timeout = absl::Seconds(90), .prune = true},
                                   std::nullopt);
  EXPECT_EQ(plan.to, Mode::kDeployment);
  ASSERT_EQ(plan.steps.size(), 4u);
  EXPECT_EQ(plan.steps[1].text, "ask Argo CD at https://argocd.lab to sync a, b (with prune)");
  EXPECT_THAT(plan.steps[2].text, HasSubstr("at most 1m30s"));
  EXPECT_THAT(plan.steps[3].text, HasSubstr("once Argo CD accepted a sync request (none accepted: "
                                            "the mode stays as it is)"));
}

}  // namespace
}  // namespace fops
