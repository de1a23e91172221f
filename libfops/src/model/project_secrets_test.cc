#include "fops/model/project_secrets.h"

#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

Project LeakyProject() {
  Resource api;
  api.name = "api";
  api.cmd = Command::Shell("deploy --token tok-canary-1 && echo done");
  api.then_cmds = {Command::Argv({"push", "--password=pw-canary-2"})};
  api.serve_cmd = Command::Argv({"./api", "--key", "tok-canary-1"});
  api.env = {{"API_TOKEN", "tok-canary-1"}, {"LOG_LEVEL", "debug"}, {"AUTH_ENABLED", "true"}};
  api.serve_env = {{"DB_PASSWORD", "pw-canary-2"}, {"COPY", "pw-canary-2"}};
  Probe probe;
  probe.action = ExecAction{.command = {"check", "tok-canary-1"}};
  api.readiness_probe = probe;
  api.links = {{.url = "http://127.0.0.1/?t=tok-canary-1", .name = "api"}};
  api.inputs.values = {{"target", "api-tok-canary-1"}};
  api.inputs.produces = "127.0.0.1:5000/api:tok-canary-1";
  Project project;
  project.resources = {api};
  return project;
}

TEST(ProjectRedactorTest, KnowsSecretNamedEnvValuesAndTheEnvironmentsSecrets) {
  ::setenv("FOPS_TEST_DEPLOY_TOKEN", "env-canary-31337", 1);
  Redactor redactor = ProjectRedactor(LeakyProject());
  ::unsetenv("FOPS_TEST_DEPLOY_TOKEN");
  EXPECT_EQ(redactor.Redact("a tok-canary-1 b pw-canary-2 c env-canary-31337 d debug"),
            "a [REDACTED] b [REDACTED] c [REDACTED] d debug");
  // A flag under a secret-looking name is no secret.
  EXPECT_EQ(redactor.Redact("strict=true"), "strict=true");
}

TEST(ProjectRedactorTest, RedactResourceMasksEveryTextField) {
  const Project project = LeakyProject();
  const Resource shown = RedactResource(project.resources[0], ProjectRedactor(project));
  EXPECT_EQ(shown.cmd.script(), "deploy --token [REDACTED] && echo done");
  EXPECT_THAT(shown.then_cmds[0].argv(), ElementsAre("push", "--password=[REDACTED]"));
  EXPECT_THAT(shown.serve_cmd.argv(), ElementsAre("./api", "--key", "[REDACTED]"));
  EXPECT_EQ(shown.env.at("API_TOKEN"), "[REDACTED]");
  EXPECT_EQ(shown.env.at("LOG_LEVEL"), "debug");
  EXPECT_EQ(shown.env.at("AUTH_ENABLED"), "[REDACTED]");  // as plan --json shows it
  EXPECT_EQ(shown.serve_env.at("COPY"), "[REDACTED]");
  EXPECT_THAT(std::get<ExecAction>(shown.readiness_probe->action).command,
              ElementsAre("check", "[REDACTED]"));
  EXPECT_THAT(shown.links[0].url, Not(HasSubstr("canary")));
  EXPECT_EQ(shown.inputs.values.at("target"), "api-[REDACTED]");
  EXPECT_EQ(shown.inputs.produces, "127.0.0.1:5000/api:[REDACTED]");
  // The original keeps what the command needs to run.
  EXPECT_EQ(project.resources[0].env.at("API_TOKEN"), "tok-canary-1");
}

}  // namespace
}  // namespace fops
