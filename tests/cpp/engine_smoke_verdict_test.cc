// A smoke resource's reason is the verdict line its command printed last
// (what the summary table and the smoke.finished event show), with real
// processes: a passing smoke, a failing one, one that printed nothing, and
// an ordinary local resource whose reason stays the engine's.
#include <string>

#include "fops/base/status_matchers.h"
#include "fops/engine/engine.h"
#include "fops/exec/process_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/project_in.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::TempDir;

Resource Smoke(std::string name, std::string script, std::string kind = "smoke") {
  Resource r;
  r.name = std::move(name);
  r.kind = std::move(kind);
  r.cmd = Command::Shell(std::move(script));
  return r;
}

class EngineSmokeVerdictTest : public ::testing::Test {
 protected:
  RunResult Run(std::vector<Resource> resources) {
    auto engine = Engine::Create(testing::ProjectIn(temp_.path(), std::move(resources)),
                                 executor_, {});
    EXPECT_THAT(engine, IsOk());
    return (*engine)->Ci();
  }

  TempDir temp_{"fops-smoke-verdict"};
  ProcessExecutor executor_;
};

TEST_F(EngineSmokeVerdictTest, APassingSmokesReasonIsItsLastLine) {
  RunResult r = Run({Smoke("routes", "echo 'GET / → 200 in 3 ms ✔'; echo '1 route ok: / 3 ms'")});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.Find("routes")->status, ResourceStatus::kSucceeded);
  EXPECT_EQ(r.Find("routes")->reason, "1 route ok: / 3 ms");
}

TEST_F(EngineSmokeVerdictTest, AFailingSmokesReasonIsItsExitThenItsLastLine) {
  RunResult r = Run({Smoke("routes", "echo '1 of 2 routes failed: /api: expected status 200, "
                                     "got 500' ; exit 1")});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.Find("routes")->reason,
            "exit 1: 1 of 2 routes failed: /api: expected status 200, got 500");
}

TEST_F(EngineSmokeVerdictTest, ASmokeThatPrintedNothingKeepsTheEnginesReason) {
  RunResult r = Run({Smoke("silent", "exit 4")});
  EXPECT_EQ(r.Find("silent")->reason, "exit 4");
}

TEST_F(EngineSmokeVerdictTest, OtherKindsKeepTheEnginesReason) {
  RunResult r = Run({Smoke("build", "echo compiled; exit 2", "local"),
                     Smoke("ok", "echo done", "local")});
  EXPECT_EQ(r.Find("build")->reason, "exit 2");
  EXPECT_EQ(r.Find("ok")->reason, "");
}

}  // namespace
}  // namespace fops
