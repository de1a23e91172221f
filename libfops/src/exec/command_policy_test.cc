#include "fops/exec/command_policy.h"

#include <vector>

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Records what reaches it; the thing a refused command must never touch.
class RecordingExecutor : public Executor {
 public:
  absl::Status Start(const CommandSpec& spec) override {
    started.push_back(spec.resource);
    return absl::OkStatus();
  }
  std::optional<CommandResult> Wait(absl::Time, OutputListener&) override { return std::nullopt; }
  void Stop(uint64_t id) override { stopped.push_back(id); }
  void Abort() override {}
  void Interrupt() override {}
  size_t running() const override { return started.size(); }

  std::vector<std::string> started;
  std::vector<uint64_t> stopped;
};

// Refuses any command whose first word is "kubectl".
class NoKubectl : public CommandPolicy {
 public:
  absl::Status Check(const CommandSpec& spec) const override {
    if (!spec.argv.empty() && spec.argv[0] == "kubectl") {
      return absl::FailedPreconditionError("kubectl is for diagnostics only");
    }
    return absl::OkStatus();
  }
};

TEST(GuardedExecutorTest, AllowedCommandReachesInnerExecutor) {
  RecordingExecutor inner;
  NoKubectl policy;
  GuardedExecutor guarded(inner, policy);
  EXPECT_THAT(guarded.Start({.id = 1, .resource = "api", .argv = {"make", "api"}}), IsOk());
  EXPECT_THAT(inner.started, ElementsAre("api"));
  EXPECT_EQ(guarded.running(), 1u);
}

TEST(GuardedExecutorTest, RefusedCommandNeverReachesInnerAndKeepsPolicyStatus) {
  RecordingExecutor inner;
  NoKubectl policy;
  GuardedExecutor guarded(inner, policy);
  EXPECT_THAT(guarded.Start({.id = 1, .resource = "api",
                             .argv = {"kubectl", "set", "image", "deploy/api"}}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("kubectl is for diagnostics only")));
  EXPECT_THAT(inner.started, IsEmpty());
}

TEST(GuardedExecutorTest, ForwardsStopToInner) {
  RecordingExecutor inner;
  NoKubectl policy;
  GuardedExecutor guarded(inner, policy);
  guarded.Stop(7);
  EXPECT_THAT(inner.stopped, ElementsAre(7u));
}

}  // namespace
}  // namespace fops
