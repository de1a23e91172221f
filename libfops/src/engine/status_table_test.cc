#include "fops/engine/status_table.h"

#include <string>
#include <vector>

#include "fops/base/status_matchers.h"
#include "fops/engine/engine.h"
#include "fops/engine/status_board.h"
#include "fops/exec/scripted_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A finished run of a small project, as its board's JSON.
std::string Snapshot() {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "make api", .delay = absl::Milliseconds(1200)});
  ex.AddRule({.pattern = "pytest", .exit_code = 1, .delay = absl::Milliseconds(300)});
  Project p;
  p.tiltfile = "Tiltfile.py";
  Resource api;
  api.name = "api";
  api.cmd = Command::Shell("make api");
  api.serve_cmd = Command::Argv({"./api"});
  api.labels = {"backend"};
  api.links = {{.url = "http://127.0.0.1:8080"}};
  Resource test;
  test.name = "test";
  test.cmd = Command::Shell("pytest");
  test.labels = {"backend"};
  Resource fill;
  fill.name = "fill";
  fill.cmd = Command::Shell("fill");
  fill.trigger_mode = TriggerMode::kManual;
  p.resources = {api, test, fill};
  StatusBoard board(p, {.command = "up", .mode = "development", .clock = &ex.clock()});
  auto engine = Engine::Create(p, ex, {.observers = {&board}});
  EXPECT_THAT(engine, IsOk());
  (*engine)->Ci();
  return board.SnapshotJson();
}

TEST(StatusTableTest, GroupsByLabelAndSaysWhyEachResourceIsWhereItIs) {
  auto lines = FormatStatusTable(Snapshot(), {.width = 120, .local_time = false});
  ASSERT_THAT(lines, IsOk());
  ASSERT_EQ(lines->size(), 7u) << ::testing::PrintToString(*lines);
  EXPECT_EQ((*lines)[0], "fops up · development · 3 resources · 1/1 ready · 1 failing · session ended");
  EXPECT_THAT((*lines)[1], ::testing::StartsWith("RESOURCE  STATE"));
  EXPECT_THAT((*lines)[1], HasSubstr("LINKS"));
  EXPECT_EQ((*lines)[2], "backend");
  EXPECT_THAT((*lines)[3], ::testing::MatchesRegex("  api +ready +[0-9:]+ 1.2s +initial run +✔ +http://127.0.0.1:8080"));
  EXPECT_THAT((*lines)[4], ::testing::MatchesRegex("  test +failed +[0-9:]+ 300ms +exit 1"));
  EXPECT_EQ((*lines)[5], "unlabeled");
  EXPECT_THAT((*lines)[6], ::testing::MatchesRegex("  fill +idle +manual: fops trigger fill"));
}

TEST(StatusTableTest, ANarrowTerminalLosesColumnsAndNoLineReachesTheLastColumn) {
  const std::string snapshot = Snapshot();
  for (int width : {100, 60, 40, 24, 12}) {
    auto lines = FormatStatusTable(snapshot, {.width = width});
    ASSERT_THAT(lines, IsOk());
    for (const std::string& line : *lines) {
      EXPECT_LT(TerminalWidth(line), std::max(width, 11)) << width << ": " << line;
    }
  }
  auto narrow = FormatStatusTable(snapshot, {.width = 40});
  ASSERT_THAT(narrow, IsOk());
  EXPECT_THAT((*narrow)[1], ::testing::Not(HasSubstr("LINKS")));
  EXPECT_THAT((*narrow)[1], ::testing::Not(HasSubstr("LAST RUN")));
  EXPECT_THAT((*narrow)[3], ::testing::StartsWith("  api"));
}

TEST(StatusTableTest, KeepsToItsLineBudgetAndRefusesWhatIsNotASnapshot) {
  auto lines = FormatStatusTable(Snapshot(), {.width = 120, .max_lines = 4});
  ASSERT_THAT(lines, IsOk());
  ASSERT_EQ(lines->size(), 4u);
  EXPECT_EQ(lines->back(), "… 4 more lines (fops status shows them all)");
  EXPECT_THAT(FormatStatusTable("{\"x\": 1}", {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a fops status snapshot")));
}

}  // namespace
}  // namespace fops
