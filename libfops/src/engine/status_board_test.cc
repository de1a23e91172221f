#include "fops/engine/status_board.h"

#include <string>
#include <thread>
#include <vector>

#include "fops/base/status_matchers.h"
#include "fops/engine/engine.h"
#include "fops/engine/status_table.h"
#include "fops/exec/scripted_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using json = nlohmann::json;

Resource Local(std::string name, std::string cmd, std::vector<std::string> deps = {}) {
  Resource r;
  r.name = std::move(name);
  if (!cmd.empty()) r.cmd = Command::Shell(std::move(cmd));
  r.resource_deps = std::move(deps);
  return r;
}

Project MakeProject(std::vector<Resource> resources) {
  Project p;
  p.tiltfile = "/src/app/Tiltfile.py";
  p.root = "/src/app";
  p.resources = std::move(resources);
  return p;
}

const json& Of(const json& snapshot, const std::string& name) {
  for (const json& r : snapshot["resources"]) {
    if (r["name"] == name) return r;
  }
  static const json none;
  return none;
}

TEST(StatusBoardTest, KeepsEachResourcesStateRunsAndWhatItWaitedOn) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "build", .output = {"compiling", "linked"}, .delay = absl::Seconds(2)});
  ex.AddRule({.pattern = "test", .exit_code = 2, .output = {"1 failed"}, .delay = absl::Seconds(1)});
  Resource web = Local("web", "", {"build"});
  web.serve_cmd = Command::Argv({"./web"});
  web.labels = {"frontend"};
  web.links = {{.url = "http://127.0.0.1:8000", .name = "app"}};
  Resource fill = Local("fill", "fill db");
  fill.trigger_mode = TriggerMode::kManual;
  Project project = MakeProject({Local("build", "build"), Local("test", "test", {"build"}), web,
                                 Local("smoke", "smoke", {"test"}), fill});
  StatusBoard board(project, {.command = "ci", .mode = "development", .clock = &ex.clock()});
  const absl::Time start = ex.clock().Now();
  auto engine = Engine::Create(project, ex, {.observers = {&board}});
  ASSERT_THAT(engine, IsOk());
  (*engine)->Ci();

  json s = json::parse(board.SnapshotJson());
  EXPECT_EQ(s["command"], "ci");
  EXPECT_EQ(s["mode"], "development");
  EXPECT_EQ(s["tiltfile"], "/src/app/Tiltfile.py");
  EXPECT_TRUE(s["finished"].get<bool>());
  EXPECT_FALSE(s["session"].get<std::string>().empty());

  const json& build = Of(s, "build");
  EXPECT_EQ(build["state"], "succeeded");
  EXPECT_EQ(build["runs"], 1);
  EXPECT_DOUBLE_EQ(build["last_run"]["duration"].get<double>(), 2.0);
  EXPECT_EQ(build["last_run"]["result"], "succeeded");
  ASSERT_EQ(build["spans"].size(), 1u);
  EXPECT_DOUBLE_EQ(build["spans"][0]["ended"].get<double>() - build["spans"][0]["started"].get<double>(), 2.0);

  const json& test = Of(s, "test");
  EXPECT_EQ(test["state"], "failed");
  EXPECT_EQ(test["reason"], "exit 2");
  // It waited on build for build's 2 s, then for a slot (none: it took one).
  const json& waits = test["spans"][0]["waits"];
  ASSERT_GE(waits.size(), 2u);
  EXPECT_EQ(waits[0]["kind"], "deps");
  EXPECT_EQ(waits[0]["detail"], "build");
  EXPECT_DOUBLE_EQ(waits[0]["to"].get<double>() - waits[0]["from"].get<double>(), 2.0);
  EXPECT_EQ(waits[1]["kind"], "slot");

  const json& w = Of(s, "web");
  EXPECT_EQ(w["state"], "ready");
  EXPECT_EQ(w["ready"], true);
  EXPECT_THAT(w["labels"], ElementsAre("frontend"));
  EXPECT_EQ(w["links"][0]["url"], "http://127.0.0.1:8000");
  EXPECT_TRUE(w["serve"].get<bool>());

  EXPECT_EQ(Of(s, "smoke")["state"], "blocked");
  EXPECT_EQ(Of(s, "smoke")["reason"], "dependency 'test' failed");
  EXPECT_EQ(Of(s, "fill")["state"], "idle");
  EXPECT_EQ(Of(s, "fill")["trigger_mode"], "manual");
  EXPECT_TRUE(Of(s, "fill")["last_run"].is_null());
  EXPECT_DOUBLE_EQ(s["started"].get<double>(), absl::ToUnixMicros(start) / 1e6);
}

TEST(StatusBoardTest, KeepsLogLinesInOrderWithinABoundAndMasksSecrets) {
  ScriptedExecutor ex;
  std::vector<std::string> lines;
  for (int i = 0; i < 200; ++i) lines.push_back("line " + std::to_string(i) + " token hunter22");
  ex.AddRule({.pattern = "chatty", .output = lines});
  ex.AddRule({.pattern = "quiet", .output = {"one"}});
  Project project = MakeProject({Local("chatty", "chatty"), Local("quiet", "quiet")});
  Redactor redactor;
  redactor.AddSecret("hunter22");
  StatusBoard board(project, {.log_bytes = 2000, .clock = &ex.clock(), .redactor = redactor});
  auto engine = Engine::Create(project, ex, {.observers = {&board}});
  ASSERT_THAT(engine, IsOk());
  (*engine)->Ci();

  std::vector<StatusLogLine> chatty = board.Logs("chatty", 0, 10000);
  ASSERT_FALSE(chatty.empty());
  size_t bytes = 0;
  for (const StatusLogLine& l : chatty) bytes += l.text.size();
  EXPECT_LT(bytes, 2000u);  // the bound holds
  EXPECT_EQ(chatty.back().text, "✔ succeeded");
  EXPECT_EQ(chatty[chatty.size() - 2].text, "line 199 token [REDACTED]");
  for (size_t i = 1; i < chatty.size(); ++i) EXPECT_LT(chatty[i - 1].seq, chatty[i].seq);

  json logs = json::parse(*board.LogsJson("quiet", 0, 100));
  std::vector<std::string> texts;
  for (const json& l : logs["lines"]) texts.push_back(l["text"]);
  EXPECT_THAT(texts, ElementsAre("▶ starting", "one", "✔ succeeded"));
  EXPECT_FALSE(logs["dropped"].get<bool>());
  EXPECT_FALSE(logs["running"].get<bool>());
  // Asking after the last line answers nothing new.
  json again = json::parse(*board.LogsJson("quiet", logs["next"].get<uint64_t>(), 100));
  EXPECT_TRUE(again["lines"].empty());
  // The chatty one lost its first lines and says so to a reader from 0.
  EXPECT_TRUE(json::parse(*board.LogsJson("chatty", 0, 100))["dropped"].get<bool>());
  EXPECT_THAT(board.LogsJson("quite", 0, 10),
              StatusIs(absl::StatusCode::kNotFound,
                       "unknown resource 'quite'; defined: chatty, quiet"));
}

TEST(StatusBoardTest, APausedResourceSaysSoAndWhyUntilItIsQueuedAgain) {
  Resource gen = Local("gen", "make gen");
  Project project = MakeProject({gen});
  StatusBoard board(project);
  board.OnRunStarted({.session_id = "s1"});
  board.OnResourceQueued(gen, "");
  board.OnResourceStarted(gen, "");
  board.OnResourceFinished(gen, {.name = "gen", .status = ResourceStatus::kSucceeded});
  const uint64_t before = board.version();
  board.OnResourcePaused(gen, "paused: it re-triggered itself 3 times in a row by writing in "
                              "its own deps: out/stamp.txt");
  EXPECT_GT(board.version(), before);
  json snapshot = json::parse(board.SnapshotJson());
  EXPECT_EQ(Of(snapshot, "gen")["state"], "paused");
  EXPECT_EQ(Of(snapshot, "gen")["reason"],
            "paused: it re-triggered itself 3 times in a row by writing in its own deps: "
            "out/stamp.txt");
  EXPECT_THAT(board.Logs("gen", 0, 100).back().text, HasSubstr("⏸ paused: it re-triggered"));
  // An edit resumes it: queued again.
  board.OnResourceQueued(gen, "rebuilt: notes.txt changed");
  snapshot = json::parse(board.SnapshotJson());
  EXPECT_EQ(Of(snapshot, "gen")["state"], "waiting");
  EXPECT_EQ(Of(snapshot, "gen")["reason"], "rebuilt: notes.txt changed");
}

TEST(StatusBoardTest, AWaitingReaderWakesOnTheNextChange) {
  Project project = MakeProject({Local("api", "make api")});
  StatusBoard board(project);
  const uint64_t before = board.version();
  std::thread engine_thread([&] { board.OnRunStarted({.session_id = "s1"}); });
  const uint64_t after = board.WaitForChange(before, absl::Seconds(30));
  engine_thread.join();
  EXPECT_NE(after, before);
  // Nothing changes: it returns when the time is up, with the same version.
  EXPECT_EQ(board.WaitForChange(after, absl::Milliseconds(10)), after);
}

}  // namespace
}  // namespace fops

namespace fops {
namespace {

TEST(StatusBoardReloadTest, KeepsWhatStaysAddsAndDropsAndShowsAFailedReloadUntilAGoodOne) {
  ScriptedExecutor ex;
  ex.AddRule({.pattern = "keep", .output = {"kept line"}});
  Project project = MakeProject({Local("keep", "keep"), Local("gone", "gone")});
  StatusBoard board(project, {.clock = &ex.clock()});
  auto engine = Engine::Create(project, ex, {.observers = {&board}});
  ASSERT_THAT(engine, IsOk());
  (*engine)->Ci();
  EXPECT_TRUE(json::parse(board.SnapshotJson())["reload"].is_null());

  board.OnReload(project, ReloadEvent{.error = "Tiltfile.py:2: syntax error: '(' was never closed"});
  json snap = json::parse(board.SnapshotJson());
  EXPECT_EQ(snap["reload"]["error"], "Tiltfile.py:2: syntax error: '(' was never closed");
  EXPECT_EQ(snap["resources"].size(), 2u);  // nothing changed
  std::vector<std::string> table = *FormatStatusTable(board.SnapshotJson(), {.width = 100});
  ASSERT_GE(table.size(), 3u);
  EXPECT_EQ(table[1], "✘ Tiltfile not reloaded (the last good load keeps running):");
  EXPECT_EQ(table[2], "  Tiltfile.py:2: syntax error: '(' was never closed");

  Project next = MakeProject({Local("fresh", "fresh"), Local("keep", "keep")});
  board.OnReload(next, ReloadEvent{.added = {"fresh"}, .removed = {"gone"}});
  snap = json::parse(board.SnapshotJson());
  EXPECT_EQ(snap["reload"]["error"], "");
  EXPECT_EQ(snap["reload"]["summary"], "added fresh; removed gone");
  EXPECT_EQ(snap["reload"]["count"], 2);
  ASSERT_EQ(snap["resources"].size(), 2u);
  EXPECT_EQ(snap["resources"][0]["name"], "fresh");
  EXPECT_EQ(snap["resources"][0]["state"], "idle");
  EXPECT_EQ(snap["resources"][1]["name"], "keep");
  EXPECT_EQ(snap["resources"][1]["state"], "succeeded");  // its state and log stay
  std::vector<std::string> kept;
  for (const StatusLogLine& l : board.Logs("keep", 0, 100)) kept.push_back(l.text);
  EXPECT_THAT(kept, ::testing::Contains("kept line"));
  EXPECT_THAT(board.LogsJson("gone", 0, 10), StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  table = *FormatStatusTable(board.SnapshotJson(), {.width = 100});
  for (const std::string& line : table) EXPECT_EQ(line.find("not reloaded"), std::string::npos);
}

}  // namespace
}  // namespace fops
