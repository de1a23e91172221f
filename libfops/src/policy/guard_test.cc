#include "fops/policy/guard.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "absl/strings/str_split.h"
#include "fops/base/status_matchers.h"
#include "fops/exec/command_policy.h"
#include "fops/exec/scripted_executor.h"
#include "fops/policy/default_policy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKubectlReason[] =
    "refused by guard rule kubectl-mutation: kubectl is for diagnostics only; the dev loop never "
    "changes a live workload";

TEST(GuardTest, RefusalNamesRuleGivesReasonAndSaysWhatItSaw) {
  Guard guard;
  absl::Status status =
      guard.CheckShell("cd /repo && sudo kubectl -n x --context y set image deploy/api api=x:1");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               AllOf(HasSubstr(kKubectlReason),
                                     HasSubstr(" (kubectl set image deploy/api …)"),
                                     HasSubstr("kubectl is for diagnostics only"),
                                     HasSubstr("[via sh -c > sudo]"))));
  EXPECT_EQ(GuardRuleOf(status), "kubectl-mutation");
  EXPECT_EQ(GuardRuleOf(absl::FailedPreconditionError("other")), "");
  EXPECT_EQ(GuardRuleOf(absl::OkStatus()), "");
}

TEST(GuardTest, DefaultPolicyIsTheDevelopmentGuard) {
  const CommandPolicy& policy = DefaultCommandPolicy();
  EXPECT_THAT(policy.Check({.argv = {"kubectl", "set", "image", "deploy/a", "a=b"}}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("kubectl-mutation")));
  EXPECT_THAT(policy.Check({.argv = {"sh", "-c", "argocd app sync fractalops-api"}}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("argo-sync-outside-deploy")));
  EXPECT_THAT(policy.Check({.argv = {"helm", "upgrade", "--install", "fractalops-api-dev",
                                     "charts/fractalops-api", "--namespace", "fractalops-dev"}}),
              IsOk());
  EXPECT_THAT(policy.Check({.argv = {"make", "-j2"}}), IsOk());
}

TEST(GuardTest, RefusedCommandNeverReachesTheExecutor) {
  ScriptedExecutor scripted;
  Guard guard;
  GuardedExecutor guarded(scripted, guard);
  EXPECT_THAT(guarded.Start({.id = 1, .resource = "oops",
                             .argv = {"sh", "-c", "make && kubectl rollout restart deploy/api"}}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("kubectl rollout restart")));
  EXPECT_TRUE(scripted.calls().empty());
  EXPECT_THAT(guarded.Start({.id = 2, .resource = "ok", .argv = {"kubectl", "get", "pods"}}), IsOk());
  EXPECT_EQ(scripted.calls().size(), 1u);
}

TEST(GuardTest, ReadsTheCommandEnvironmentForShellVariables) {
  Guard guard;
  CommandSpec spec{.argv = {"sh", "-c", "helm upgrade --install api-dev charts/api -n \"$NS\""},
                   .env = {{"NS", "fractalops-dev"}}};
  EXPECT_THAT(guard.Check(spec), IsOk());
  spec.env["NS"] = "fractalops";
  EXPECT_THAT(guard.Check(spec), StatusIs(absl::StatusCode::kFailedPrecondition,
                                          HasSubstr("helm upgrade into namespace fractalops; dev "
                                                    "namespaces: fractalops-dev")));
  spec.env = {{"HELM_NAMESPACE", "fractalops-dev"}};
  spec.argv = {"helm", "upgrade", "--install", "api-dev", "charts/api"};
  EXPECT_THAT(guard.Check(spec), IsOk());
}

TEST(GuardTest, NeverEchoesSecrets) {
  Guard guard;
  CommandSpec spec{.argv = {"helm", "upgrade", "--install", "api-dev", "c", "-n", "prod-namespace-token"},
                   .env = {{"DEPLOY_TOKEN", "prod-namespace-token"}}};
  absl::Status status = guard.Check(spec);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               AllOf(HasSubstr("[REDACTED]"), Not(HasSubstr("prod-namespace-token")))));
  status = guard.CheckArgv({"helm", "--kube-token", "sk-live-1234", "upgrade", "sk-live-1234", "c",
                            "-n", "fractalops-dev"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition, Not(HasSubstr("sk-live-1234"))));
  status = guard.CheckShell("kubectl --token=abcd1234efgh set image d a=b 'x y' \"$(cat /secret)\"");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               AllOf(Not(HasSubstr("abcd1234efgh")), Not(HasSubstr("/secret")))));
}

// Found by fuzz/guard_fuzzer.cc: a credential that is also a word of the
// rule id ("push" in release-tag-push) was masked inside the id, and
// GuardRuleOf (exit codes, `fops guard`) no longer knew the rule.
TEST(GuardTest, SecretsNeverMaskTheRuleId) {
  Guard guard;
  absl::Status status =
      guard.CheckArgv({"podman", "push", "--creds", "push", "ghcr.io/yamonco/api:latest"});
  EXPECT_EQ(GuardRuleOf(status), "release-tag-push");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               AllOf(HasSubstr("refused by guard rule release-tag-push: "),
                                     HasSubstr("[REDACTED]"))));
}

// Found with fuzz/guard_fuzzer.cc's invariant (a script the guard allows
// runs no command it refuses as argv): NAME=value alone sets a shell
// variable that the next command's environment does not hold, so helm
// used the kube context's namespace while the guard read HELM_NAMESPACE.
TEST(GuardTest, OnlyExportedVariablesReachACommandsEnvironment) {
  Guard guard;
  EXPECT_THAT(guard.CheckShell("HELM_NAMESPACE=fractalops-dev; helm upgrade --install api-dev c"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("helm-dev-namespace")));
  EXPECT_THAT(guard.CheckShell("export HELM_NAMESPACE=fractalops-dev; helm upgrade --install api-dev c"),
              IsOk());
  EXPECT_THAT(guard.CheckShell("HELM_NAMESPACE=fractalops-dev; export HELM_NAMESPACE; "
                               "helm upgrade --install api-dev c"),
              IsOk());
  EXPECT_THAT(guard.CheckShell("declare -x HELM_NAMESPACE=fractalops-dev\nhelm upgrade --install api-dev c"),
              IsOk());
  EXPECT_THAT(guard.CheckShell("HELM_NAMESPACE=fractalops-dev helm upgrade --install api-dev c"), IsOk());
}

// Found with fuzz/guard_fuzzer.cc's invariant: what a child shell exports
// or aliases ends with it, but the guard kept it for the commands after.
TEST(GuardTest, AChildShellsVariablesAndAliasesDieWithIt) {
  Guard guard;
  EXPECT_THAT(guard.CheckShell("bash -c 'export HELM_NAMESPACE=fractalops-dev'; "
                               "helm upgrade --install api-dev c"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("helm-dev-namespace")));
  EXPECT_THAT(guard.CheckShell("sh -c 'alias kubectl=true'; kubectl delete pod x"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("kubectl-mutation")));
  EXPECT_THAT(guard.CheckShell("bash -c 'export HELM_NAMESPACE=fractalops-dev; "
                               "helm upgrade --install api-dev c'"),
              IsOk());
}

// Found with fuzz/guard_fuzzer.cc's invariant: `bash -c` expands no alias
// (dash does), so `alias kubectl=true; kubectl delete ...` runs kubectl
// there; the guard judged only the expansion.
TEST(GuardTest, AnAliasedCommandIsJudgedAsWrittenToo) {
  Guard guard;
  EXPECT_THAT(guard.CheckShell("alias kubectl=true\nkubectl delete pod x"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("kubectl-mutation")));
  EXPECT_THAT(guard.CheckShell("alias k='kubectl delete'\nk pod x"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("kubectl delete")));
  EXPECT_THAT(guard.CheckShell("alias k='kubectl get'\nk pods"), IsOk());
}

class GuardScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A directory of its own: ctest runs these tests in parallel processes.
    dir_ = temp_.path();
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    std::filesystem::permissions(dir_ / name, std::filesystem::perms::owner_all);
  }
  absl::Status Check(std::vector<std::string> argv) {
    return Guard().Check({.argv = std::move(argv), .dir = dir_.string()});
  }
  ::fops::testing::TempDir temp_{"guard_script_test"};
  std::filesystem::path dir_;
};

TEST_F(GuardScriptTest, ReadsShellScriptsTheCommandRuns) {
  Write("deploy.sh", "#!/usr/bin/env bash\nset -e\nmake\nkubectl set image deploy/api api=x\n");
  Write("lib.sh", "restart() { kubectl rollout restart deploy/api; }\n");
  Write("uses-lib.sh", "#!/bin/sh\n. ./lib.sh\n");
  Write("self.sh", "#!/bin/sh\n. ./self.sh\necho ok\n");
  Write("tool.py", "#!/usr/bin/env python3\nprint('kubectl set image deploy/api api=x')\n");
  EXPECT_THAT(Check({"./deploy.sh"}), StatusIs(absl::StatusCode::kFailedPrecondition,
                                               HasSubstr("via script ./deploy.sh")));
  EXPECT_THAT(Check({"bash", "lib.sh"}), StatusIs(absl::StatusCode::kFailedPrecondition,
                                                  HasSubstr("kubectl rollout restart")));
  EXPECT_THAT(Check({"sh", "-c", "./uses-lib.sh"}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("kubectl-mutation")));
  EXPECT_THAT(Check({"./self.sh"}), IsOk());    // sourcing itself: read once
  EXPECT_THAT(Check({"./tool.py"}), IsOk());    // not a shell script
  EXPECT_THAT(Check({"./missing.sh"}), IsOk());  // fails on its own when run
  EXPECT_THAT(Guard(GuardConfig{.inspect_scripts = false}).Check({.argv = {"./deploy.sh"}, .dir = dir_.string()}),
              IsOk());
}

TEST_F(GuardScriptTest, CheckScriptNamesTheLineOfEveryRefusedCommand) {
  Write("lib.sh", "kubectl delete pod x\n");
  const std::string script =
      "#!/bin/sh\n"                                           // 1
      "K=kubectl\n"                                           // 2
      "$K rollout restart deploy/api\n"                       // 3
      "kubectl get pods\n"                                    // 4
      "if [ -n \"$PUSH\" ]; then\n"                          // 5
      "  docker push \\\n    ghcr.io/yamonco/api:v1.2.3\n"  // 6-7
      "fi\n"                                                  // 8
      ". ./lib.sh\n"                                          // 9
      "argocd app sync api --auth-token s3cr3t-token\n";      // 10
  std::vector<ScriptRefusal> refusals =
      Guard().CheckScript(script, {.dir = dir_.string()});
  ASSERT_EQ(refusals.size(), 4u);
  EXPECT_EQ(refusals[0].line, 3);
  EXPECT_EQ(refusals[0].command, "$K rollout restart deploy/api");
  EXPECT_EQ(GuardRuleOf(refusals[0].status), "kubectl-mutation");
  EXPECT_EQ(refusals[1].line, 6);
  EXPECT_EQ(refusals[1].command, "docker push ghcr.io/yamonco/api:v1.2.3");
  EXPECT_EQ(GuardRuleOf(refusals[1].status), "release-tag-push");
  EXPECT_EQ(refusals[2].line, 9);
  EXPECT_EQ(refusals[2].command, ". ./lib.sh");
  EXPECT_THAT(refusals[2].status, StatusIs(absl::StatusCode::kFailedPrecondition,
                                           HasSubstr("(kubectl delete pod …) [via . ./lib.sh]")));
  EXPECT_EQ(refusals[3].line, 10);
  EXPECT_EQ(refusals[3].command, "argocd app sync api --auth-token [REDACTED]");
  EXPECT_EQ(GuardRuleOf(refusals[3].status), "argo-sync-outside-deploy");

  EXPECT_TRUE(Guard().CheckScript("make\nkubectl get pods\n").empty());
  std::vector<ScriptRefusal> unreadable = Guard().CheckScript("make\necho 'oops\nmake\n");
  ASSERT_EQ(unreadable.size(), 1u);
  EXPECT_EQ(unreadable[0].line, 2);
  EXPECT_EQ(unreadable[0].command, "echo 'oops");
  EXPECT_EQ(GuardRuleOf(unreadable[0].status), "unreadable");
}

TEST(GuardConfigTest, DevReleasesNamespacesAndReleaseTags) {
  GuardConfig config;
  EXPECT_TRUE(config.IsDevRelease("fractalops-api-dev"));
  EXPECT_FALSE(config.IsDevRelease("fractalops-api"));
  EXPECT_FALSE(config.IsDevRelease("-dev"));
  EXPECT_TRUE(config.IsDevNamespace("fractalops-dev"));
  EXPECT_FALSE(config.IsDevNamespace("fractalops"));
  EXPECT_TRUE(config.IsPreviewNamespace("pr-42"));
  EXPECT_TRUE(config.IsPreviewNamespace("preview-site"));
  for (const char* tag : {"v1.2.3", "1.2.3", "1.2", "v2", "v1.2.3-rc.1", "1.0.0+build.5", "latest",
                          "stable", "release-2025-01", "prod"}) {
    EXPECT_TRUE(config.IsReleaseTag(tag)) << tag;
  }
  for (const char* tag : {"dev-1a2b3c", "staging-1a2b", "1234", "sha-abc", "v", "feature-x", "1.2.3-"}) {
    EXPECT_FALSE(config.IsReleaseTag(tag)) << tag;
  }
}

TEST(GuardConfigTest, ConfigurableForOtherTeams) {
  Guard guard(GuardConfig{.dev_namespaces = {"team-dev", "team-dev-2"},
                          .dev_release_suffix = "-sandbox",
                          .dev_releases = {"scratch"}});
  EXPECT_THAT(guard.CheckShell("helm upgrade --install api-sandbox c -n team-dev-2"), IsOk());
  EXPECT_THAT(guard.CheckShell("helm uninstall scratch -n team-dev"), IsOk());
  EXPECT_THAT(guard.CheckShell("helm upgrade --install api-dev c -n team-dev"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not a dev release: dev releases end with '-sandbox'")));
  EXPECT_THAT(guard.CheckShell("helm upgrade --install api-sandbox c -n fractalops-dev"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("team-dev, team-dev-2")));
}

TEST(GuardConfigTest, ValidateNamesTheField) {
  EXPECT_THAT(GuardConfig{}.Validate(), IsOk());
  EXPECT_THAT((GuardConfig{.dev_namespaces = {}}).Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dev_namespaces")));
  EXPECT_THAT((GuardConfig{.dev_namespaces = {"pr-1"}}).Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("matches a preview namespace")));
  EXPECT_THAT((GuardConfig{.dev_release_suffix = ""}).Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dev_release_suffix")));
}

TEST(GuardRulesTest, IdsAreUniqueAndEachGivesItsReason) {
  std::set<std::string_view> ids;
  for (const GuardRule& rule : GuardRules()) {
    EXPECT_TRUE(ids.insert(rule.id).second) << rule.id;
    EXPECT_FALSE(rule.refuses.empty()) << rule.id;
    EXPECT_FALSE(rule.reason.empty()) << rule.id;
    EXPECT_FALSE(rule.why.empty()) << rule.id;
    EXPECT_FALSE(rule.instead.empty()) << rule.id;
  }
  EXPECT_EQ(ids.size(), 13u);
}

// The examples `fops guard --explain` shows are what the guard does.
TEST(GuardRulesTest, ExamplesAreRefusedByTheirRuleOrAllowed) {
  for (const GuardRule& rule : GuardRules()) {
    Guard guard(ExampleConfig(rule));
    int refused = 0;
    int allowed = 0;
    for (const GuardExample& example : rule.examples) {
      absl::Status status = guard.CheckShell(example.command);
      if (example.refused) {
        ++refused;
        EXPECT_EQ(GuardRuleOf(status), rule.id) << example.command << ": " << status;
      } else {
        ++allowed;
        EXPECT_THAT(status, IsOk()) << example.command;
      }
    }
    EXPECT_GE(refused, 1) << rule.id;
    EXPECT_GE(allowed, 1) << rule.id;
  }
}

// Refusals and explanations are in fops' own words: no quoted outside
// document, no pointer to a file an installed user does not have.
TEST(GuardRulesTest, WordsAreFopsOwn) {
  for (const GuardRule& rule : GuardRules()) {
    EXPECT_THAT(ExplainGuardRule(rule), AllOf(Not(HasSubstr("Tilt ")), Not(HasSubstr("seed")),
                                              Not(HasSubstr("docs/")), Not(HasSubstr(".md"))))
        << rule.id;
    for (const GuardExample& example : rule.examples) {
      std::string message(Guard(ExampleConfig(rule)).CheckShell(example.command).message());
      EXPECT_THAT(message, AllOf(Not(HasSubstr("Tilt ")), Not(HasSubstr("seed")),
                                 Not(HasSubstr("docs/"))))
          << example.command;
    }
  }
}

TEST(GuardRulesTest, ExplainSaysWhatWhyInsteadAndShowsExamples) {
  absl::StatusOr<const GuardRule*> rule = FindGuardRule("kubectl-mutation");
  ASSERT_THAT(rule, IsOk());
  std::string text = ExplainGuardRule(**rule);
  EXPECT_THAT(text, AllOf(::testing::StartsWith("kubectl-mutation\n  kubectl is for diagnostics "
                                                "only; the dev loop never changes a live "
                                                "workload\n"),
                          HasSubstr("\nRefuses:\n  every kubectl verb"), HasSubstr("\nWhy:\n  "),
                          HasSubstr("\nInstead:\n  Declare the change"),
                          HasSubstr("\nRefused in development mode:\n  kubectl set image"),
                          HasSubstr("\nAllowed in development mode:\n  kubectl get pods")));
  // The prose is wrapped for a terminal; the examples stay whole to be copied.
  for (GuardRule each : GuardRules()) {
    std::string prose = ExplainGuardRule(each);
    prose = prose.substr(0, prose.find("\nRefused in "));
    for (absl::string_view line : absl::StrSplit(prose, '\n')) {
      EXPECT_LE(line.size(), 80u) << line;
    }
  }
}

TEST(GuardRulesTest, UnknownRuleNamesTheClosest) {
  EXPECT_THAT(FindGuardRule("kubectl-mutations"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("unknown guard rule 'kubectl-mutations'; did you mean "
                                 "kubectl-mutation?")));
  EXPECT_THAT(FindGuardRule("helm"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("did you mean helm-kube-context, helm-dev-namespace, "
                                 "helm-dev-release, helm-staging-target, helm-argo-owned?")));
  EXPECT_THAT(FindGuardRule("nope"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("unknown guard rule 'nope'; the rules are unreadable, "
                                 "preview-workspace,")));
}

}  // namespace
}  // namespace fops
