#include "fops/engine/redacting_observer.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fops/base/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Writes down every text it receives, with the resource's command and env.
class Notes : public Observer {
 public:
  void OnResourceStarted(const Resource& r, std::string_view reason) override {
    Note(r, absl::StrCat("started: ", ToAbsl(reason)));
  }
  void OnCommandStarted(const Resource& r, const CommandSpec& spec) override {
    Note(r, absl::StrCat("command: ", absl::StrJoin(spec.argv, " "), " in ", spec.dir, " with ",
                         spec.env.at("API_TOKEN")));
  }
  void OnOutput(const Resource& r, Stream, std::string_view line) override {
    Note(r, absl::StrCat("output: ", ToAbsl(line)));
  }
  void OnReadinessChanged(const Resource& r, bool, std::string_view reason) override {
    Note(r, absl::StrCat("readiness: ", ToAbsl(reason)));
  }
  void OnResourceFinished(const Resource& r, const ResourceResult& result) override {
    Note(r, absl::StrCat("finished: ", result.reason, " | ",
                         absl::StrJoin(result.last_lines, " | ")));
  }
  void OnRunFinished(const RunResult& result) override {
    notes.push_back(absl::StrCat("run: ", result.error, " | ", result.resources[0].reason));
  }
  std::vector<std::string> notes;
  std::vector<const Resource*> seen;

 private:
  void Note(const Resource& r, std::string text) {
    seen.push_back(&r);
    notes.push_back(std::move(text));
    notes.push_back(absl::StrCat("  resource: ", r.cmd.ToString(), " env ", r.env.at("API_TOKEN")));
  }
};

TEST(RedactingObserverTest, EveryObserverReceivesOnlyRedactedText) {
  Redactor redactor;
  redactor.AddSecret("tok-canary-5");
  Notes first;
  Notes second;
  RedactingObserver door(redactor, {&first, &second});
  Resource api;
  api.name = "api";
  api.cmd = Command::Shell("deploy tok-canary-5");
  api.env = {{"API_TOKEN", "tok-canary-5"}};
  CommandSpec spec{.resource = "api", .argv = {"sh", "-c", "deploy tok-canary-5"},
                   .dir = "/tmp/tok-canary-5", .env = {{"API_TOKEN", "tok-canary-5"}}};
  door.OnResourceStarted(api, "rebuilt: tok-canary-5 changed");
  door.OnCommandStarted(api, spec);
  door.OnOutput(api, Stream::kStderr, "using tok-canary-5");
  door.OnReadinessChanged(api, false, "not ready: tok-canary-5");
  ResourceResult result{.name = "api", .status = ResourceStatus::kFailed,
                        .reason = "exit 1 tok-canary-5", .last_lines = {"tok-canary-5"}};
  door.OnResourceFinished(api, result);
  door.OnRunFinished({.error = "tok-canary-5", .resources = {result}});

  EXPECT_EQ(first.notes, second.notes);
  EXPECT_THAT(absl::StrJoin(first.notes, "\n"), Not(HasSubstr("canary")));
  EXPECT_THAT(first.notes,
              ElementsAre("started: rebuilt: [REDACTED] changed",
                          "  resource: deploy [REDACTED] env [REDACTED]",
                          "command: sh -c deploy [REDACTED] in /tmp/[REDACTED] with [REDACTED]",
                          "  resource: deploy [REDACTED] env [REDACTED]",
                          "output: using [REDACTED]",
                          "  resource: deploy [REDACTED] env [REDACTED]",
                          "readiness: not ready: [REDACTED]",
                          "  resource: deploy [REDACTED] env [REDACTED]",
                          "finished: exit 1 [REDACTED] | [REDACTED]",
                          "  resource: deploy [REDACTED] env [REDACTED]",
                          "run: [REDACTED] | exit 1 [REDACTED]"));
  // One redacted copy per resource, made once.
  EXPECT_EQ(first.seen.front(), first.seen.back());
  // What the caller passed is untouched: the command needs the real value.
  EXPECT_EQ(api.env.at("API_TOKEN"), "tok-canary-5");
}

}  // namespace
}  // namespace fops
