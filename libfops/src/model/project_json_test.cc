#include "fops/model/project_json.h"

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

Project SampleProject() {
  Project project;
  project.tiltfile = "Tiltfile.py";
  project.root = "/repo";
  project.settings.max_parallel_updates = 2;
  Resource web;
  web.name = "web";
  web.cmd = Command::Shell("make web && echo 'built'");
  web.then_cmds = {Command::Argv({"buildah", "push", "ghcr.io/x/web:dev"})};
  web.serve_cmd = Command::Argv({"python3", "-m", "http.server", "8080"});
  web.resource_deps = {"db"};
  web.trigger_mode = TriggerMode::kManual;
  web.auto_init = false;
  web.env = {{"A", "1"}};
  web.labels = {"frontend"};
  Probe probe;
  probe.action = HttpGetAction{.host = "127.0.0.1", .port = 8080, .path = "/healthz"};
  probe.period = absl::Milliseconds(500);
  web.readiness_probe = probe;
  web.links = {{.url = "http://127.0.0.1:8080", .name = "web"}};
  web.timeout = absl::Seconds(90);
  web.inputs.paths = {"src"};
  web.inputs.values = {{"platform", "linux/amd64"}};
  web.inputs.produces = "ghcr.io/x/web:dev";
  web.declared_at = {.file = "Tiltfile.py", .line = 7};
  Resource db;
  db.name = "db";
  db.cmd = Command::Argv({"true"});
  project.resources = {db, web};
  return project;
}

TEST(ProjectJsonTest, RoundTripKeepsEveryField) {
  Project project = SampleProject();
  absl::StatusOr<Project> back = ProjectFromJson(ProjectToJson(project), "plan.json");
  ASSERT_THAT(back, IsOk());
  ASSERT_EQ(back->resources.size(), 2u);
  const Resource& web = back->resources[1];
  const Resource& original = project.resources[1];
  EXPECT_EQ(web.cmd, original.cmd);
  EXPECT_EQ(web.then_cmds, original.then_cmds);
  EXPECT_EQ(web.serve_cmd, original.serve_cmd);
  EXPECT_EQ(web.resource_deps, original.resource_deps);
  EXPECT_EQ(web.trigger_mode, TriggerMode::kManual);
  EXPECT_FALSE(web.auto_init);
  EXPECT_EQ(web.env, original.env);
  EXPECT_EQ(web.readiness_probe, original.readiness_probe);
  EXPECT_EQ(web.links, original.links);
  EXPECT_EQ(web.timeout, absl::Seconds(90));
  EXPECT_EQ(web.inputs, original.inputs);
  EXPECT_EQ(web.declared_at.ToString(), "Tiltfile.py:7");
  EXPECT_EQ(back->settings.max_parallel_updates, 2);
}

TEST(ProjectJsonTest, ErrorsNameTheSourceAndTheField) {
  EXPECT_THAT(ProjectFromJson(R"({"resources": [{"name": "a", "timeout": "5s"}]})", "p.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("p.json: resources[0].timeout: expected a number of seconds")));
  EXPECT_THAT(ProjectFromJson(R"({"resources": [{"name": "a", "cmd": 3}]})", "p.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("resources[0].cmd: expected a string (sh -c) or an array")));
  EXPECT_THAT(ProjectFromJson(R"({"resources": [{"name": "a", "comand": "x"}]})", "p.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("resources[0].comand: unknown key")));
  EXPECT_THAT(ProjectFromJson(R"({"resources": [{"name": "a", "readiness_probe": {}}]})", "p.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("exactly one of http_get, tcp_socket, exec")));
  EXPECT_THAT(ProjectFromJson("{\"resources\": [", "p.json"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("p.json: invalid JSON")));
  EXPECT_THAT(ProjectFromJson("{}", "p.json"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("resources: missing")));
}

// Found by fuzz/project_json_fuzzer.cc: the JSON reader reports a number
// beyond a double's range as an out_of_range exception, not a parse error,
// and it escaped: fops crashed on a project file holding 1e400.
// Found by fuzz/project_json_fuzzer.cc: 1e300 seconds became an infinite
// duration, written back as null, which loads as no timeout.
TEST(ProjectJsonTest, ADurationTooLargeToHoldIsAnError) {
  EXPECT_THAT(ProjectFromJson(R"({"resources": [{"name": "a", "timeout": 1e300}]})", "p.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("p.json: resources[0].timeout: expected a number of seconds")));
  absl::StatusOr<Project> project =
      ProjectFromJson(R"({"resources": [{"name": "a", "timeout": 1e9}]})", "p.json");
  ASSERT_THAT(project, IsOk());
  EXPECT_EQ(project->resources.at(0).timeout, absl::Seconds(1e9));
}

TEST(ProjectJsonTest, NumberTooLargeIsAnErrorNotACrash) {
  EXPECT_THAT(ProjectFromJson(R"({"resources": [{"name": "a", "timeout": 1e400}]})", "p.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("p.json: invalid JSON"), HasSubstr("1e400"))));
}

TEST(ProjectJsonTest, RedactedJsonHidesSecretEnvValuesAndKnownSecrets) {
  Project project;
  project.tiltfile = "Tiltfile.py";
  Resource api;
  api.name = "api";
  api.cmd = Command::Shell("deploy --password hunter2-canary");
  api.env = {{"API_TOKEN", "tok-canary-1"}, {"LOG_LEVEL", "debug"}};
  api.serve_env = {{"DB_PASSWORD", "pw-canary-2"}};
  project.resources.push_back(api);
  Redactor redactor;
  redactor.AddSecret("hunter2-canary");
  const std::string text = ProjectToRedactedJson(project, redactor);
  EXPECT_THAT(text, Not(HasSubstr("tok-canary-1")));
  EXPECT_THAT(text, Not(HasSubstr("pw-canary-2")));
  EXPECT_THAT(text, Not(HasSubstr("hunter2-canary")));
  EXPECT_THAT(text, HasSubstr("\"LOG_LEVEL\": \"debug\""));
  EXPECT_THAT(text, HasSubstr("\"API_TOKEN\": \"[REDACTED]\""));
  // Still a project others can read.
  EXPECT_TRUE(ProjectFromJson(text, "plan.json").ok());
}

}  // namespace
}  // namespace fops
