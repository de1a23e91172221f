// Secrets stay secret in everything the engine hands out: a resource whose
// env= holds a secret-named value, and a secret-looking variable of the
// environment, both echoed by real commands to stdout and stderr, in a
// failure and in a gate's reason. The terminal, an observer and the
// RunResult see "[REDACTED]" only; the command still gets the real value.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fops/base/status_matchers.h"
#include "fops/base/string_view.h"
#include "fops/engine/engine.h"
#include "fops/engine/terminal_reporter.h"
#include "fops/exec/process_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/captured_output.h"
#include "support/project_in.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kProjectCanary[] = "proj-canary-6f1d2c";  // only in env= of a resource
constexpr char kEnvCanary[] = "env-canary-93ab0e";       // only in the environment

// Everything an observer receives, as text.
class Everything : public Observer {
 public:
  void OnResourceStarted(const Resource& r, std::string_view reason) override {
    Add(r, reason);
  }
  void OnCommandStarted(const Resource& r, const CommandSpec& spec) override {
    Add(r, absl::StrCat(absl::StrJoin(spec.argv, " "), " ", spec.dir));
    for (const auto& [name, value] : spec.env) Add(r, absl::StrCat(name, "=", value));
  }
  void OnOutput(const Resource& r, Stream, std::string_view line) override { Add(r, line); }
  void OnResourceFinished(const Resource& r, const ResourceResult& result) override {
    Add(r, absl::StrCat(result.reason, " ", absl::StrJoin(result.last_lines, "\n")));
  }
  void OnRunFinished(const RunResult& result) override {
    for (const ResourceResult& r : result.resources) {
      text += absl::StrCat(r.reason, absl::StrJoin(r.last_lines, "\n"));
    }
  }
  std::string text;
  std::vector<std::string> lines;

 private:
  void Add(const Resource& r, std::string_view what) {
    lines.emplace_back(what);
    absl::StrAppend(&text, r.name, " ", r.cmd.ToString(), " ", ToAbsl(what), "\n");
    for (const auto& [name, value] : r.env) absl::StrAppend(&text, name, "=", value, "\n");
    absl::StrAppend(&text, r.inputs.produces, "\n");
  }
};

// A gate whose reason quotes the secret, as a careless one could.
class QuotingGate : public UpdateGate {
 public:
  absl::StatusOr<GateDecision> Check(const Resource&) override {
    return GateDecision{.run = true, .reason = absl::StrCat("rebuilt: token ", kProjectCanary)};
  }
  absl::Status Record(const Resource&) override { return absl::OkStatus(); }
  void SetRedactor(const Redactor& redactor) override { given = redactor; }
  Redactor given;
};

TEST(EngineSecretsTest, NothingTheEngineHandsOutHoldsASecret) {
  ::setenv("FOPS_TEST_DEPLOY_TOKEN", kEnvCanary, 1);
  testing::TempDir temp{"fops-engine-secrets"};
  Resource leaky;
  leaky.name = "leaky";
  leaky.env = {{"API_TOKEN", kProjectCanary}};
  leaky.cmd = Command::Shell(
      "test \"$API_TOKEN\" = proj-canary-6f1d2c && echo the command has the real value; "
      "echo out $API_TOKEN; echo err $API_TOKEN >&2; echo env $FOPS_TEST_DEPLOY_TOKEN; exit 3");
  Resource typed;
  typed.name = "typed";
  typed.cmd = Command::Shell("true");
  typed.inputs.values = {{"target", "x"}};
  typed.inputs.produces = absl::StrCat("127.0.0.1:5000/x:", kProjectCanary);

  ProcessExecutor executor;
  QuotingGate gate;
  Everything observer;
  testing::CapturedOutput terminal;
  TerminalReporter reporter(terminal.file());
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(testing::ProjectIn(temp.path(), {leaky, typed}), executor,
                     {.gate = &gate, .observers = {&reporter, &observer}});
  ASSERT_THAT(engine, IsOk());
  RunResult result = (*engine)->Ci();
  ::unsetenv("FOPS_TEST_DEPLOY_TOKEN");

  const ResourceResult* failed = result.Find("leaky");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->status, ResourceStatus::kFailed);
  EXPECT_THAT(failed->last_lines, Contains("the command has the real value"));
  EXPECT_THAT(failed->last_lines, Contains("out [REDACTED]"));
  EXPECT_THAT(failed->last_lines, Contains("err [REDACTED]"));
  EXPECT_THAT(failed->last_lines, Contains("env [REDACTED]"));
  EXPECT_THAT(observer.lines, Contains("out [REDACTED]"));
  EXPECT_THAT(observer.lines, Contains("API_TOKEN=[REDACTED]"));
  EXPECT_EQ(result.Find("typed")->reason, "rebuilt: token [REDACTED]");
  const std::string printed = terminal.text();
  EXPECT_THAT(printed, HasSubstr("leaky │ out [REDACTED]"));
  EXPECT_THAT(printed, HasSubstr("rebuilt: token [REDACTED]"));

  std::string everything = absl::StrCat(printed, observer.text, result.error);
  for (const ResourceResult& r : result.resources) {
    absl::StrAppend(&everything, r.name, r.reason, absl::StrJoin(r.last_lines, "\n"));
  }
  for (const char* canary : {kProjectCanary, kEnvCanary}) {
    EXPECT_THAT(everything, Not(HasSubstr(canary))) << canary;
  }
  // The gate was given the run's secrets to mask what it stores.
  EXPECT_TRUE(gate.given.Contains(kProjectCanary));
  EXPECT_TRUE(gate.given.Contains(kEnvCanary));
}

}  // namespace
}  // namespace fops
