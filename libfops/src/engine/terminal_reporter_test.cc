#include "fops/engine/terminal_reporter.h"

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/captured_output.h"

namespace fops {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// What a reporter printed, through a memory stream.
using Captured = ::fops::testing::CapturedOutput;

Resource Named(std::string name) {
  Resource r;
  r.name = std::move(name);
  return r;
}

TEST(TerminalReporterTest, PrintsPrefixedLines) {
  Captured out;
  TerminalReporter reporter(out.file());
  Resource api = Named("api");
  reporter.OnResourceStarted(api, "rebuilt: Dockerfile changed");
  reporter.OnOutput(api, Stream::kStdout, "login with [REDACTED]");
  reporter.OnResourceReady(api);
  reporter.OnResourceFinished(api, {.name = "api",
                                    .status = ResourceStatus::kSucceeded,
                                    .duration = absl::Milliseconds(1234)});
  reporter.OnResourceFinished(Named("smoke"), {.name = "smoke",
                                               .status = ResourceStatus::kBlocked,
                                               .reason = "dependency 'api' failed"});
  EXPECT_EQ(out.text(),
            "          api │ ▶ starting (rebuilt: Dockerfile changed)\n"
            "          api │ login with [REDACTED]\n"
            "          api │ ✔ ready\n"
            "          api │ ✔ succeeded in 1.23s\n"
            "        smoke │ ✘ blocked: dependency 'api' failed\n");
}

TEST(TerminalReporterTest, PrintsBytesThatAreNotUtf8AsTheyAre) {
  Captured out;
  TerminalReporter reporter(out.file());
  reporter.OnOutput(Named("raw"), Stream::kStdout, "\xff\xfe and \xe2\x82");
  EXPECT_EQ(out.text(), "          raw │ \xff\xfe and \xe2\x82\n");
}

RunResult FailedRun() {
  RunResult r;
  r.ok = false;
  r.duration = absl::Milliseconds(4210);
  r.resources = {
      {.name = "db", .status = ResourceStatus::kSucceeded, .duration = absl::Milliseconds(520)},
      {.name = "api",
       .status = ResourceStatus::kFailed,
       .duration = absl::Seconds(2),
       .reason = "exit 2",
       .last_lines = {"compiling", "main.go:3: undefined: x"}},
      {.name = "portal-e2e-smoke", .status = ResourceStatus::kBlocked,
       .reason = "dependency 'api' failed"},
      {.name = "deploy-mode", .status = ResourceStatus::kNotRun},
  };
  return r;
}

TEST(FormatSummaryTest, TableThenTheLastLinesOfEachFailure) {
  EXPECT_EQ(FormatSummary(FailedRun()),
            "RESOURCE          STATUS     DURATION  REASON\n"
            "db                succeeded  520ms\n"
            "api               failed     2s        exit 2\n"
            "portal-e2e-smoke  blocked              dependency 'api' failed\n"
            "deploy-mode       not run\n"
            "\n"
            "api failed: exit 2\n"
            "          api │ compiling\n"
            "          api │ main.go:3: undefined: x\n"
            "\n"
            "1 succeeded, 1 failed, 1 blocked, 1 not run in 4.21s — FAILED");
}

TEST(FormatSummaryTest, RunErrorIsNamed) {
  RunResult r;
  r.error = "timed out after 30m0s";
  r.duration = absl::Minutes(30);
  r.resources = {{.name = "slow", .status = ResourceStatus::kCancelled,
                  .duration = absl::Minutes(30), .reason = "timed out after 30m0s"}};
  std::string summary = FormatSummary(r);
  EXPECT_THAT(summary, HasSubstr("slow      cancelled  30m0s     timed out after 30m0s\n"));
  EXPECT_THAT(summary, HasSubstr("1 cancelled in 30m0s; timed out after 30m0s — FAILED"));
  EXPECT_THAT(summary, Not(HasSubstr("failed:")));  // no failure, no output section
}

TEST(TerminalReporterTest, PrintsTheSummaryWhenTheRunEnds) {
  Captured out;
  TerminalReporter reporter(out.file());
  reporter.OnRunFinished(FailedRun());
  EXPECT_THAT(out.text(), HasSubstr("\nRESOURCE          STATUS     DURATION  REASON\n"));
  EXPECT_THAT(out.text(), HasSubstr("— FAILED\n"));
}

TEST(TerminalReporterTest, PrintsLostAndRegainedReadinessUnderTheResourcesPrefix) {
  Captured out;
  TerminalReporter reporter(out.file());
  Resource api = Named("api");
  reporter.OnReadinessChanged(
      api, false, "not ready: http_get http://127.0.0.1:8080/healthz failed 3 times: HTTP 500");
  reporter.OnReadinessChanged(api, true, "");
  EXPECT_EQ(out.text(),
            "          api │ ✘ not ready: http_get http://127.0.0.1:8080/healthz failed 3 times: "
            "HTTP 500\n"
            "          api │ ✔ ready again\n");
}

}  // namespace
}  // namespace fops
