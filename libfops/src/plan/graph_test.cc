#include "fops/plan/graph.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

Resource R(std::string name, std::vector<std::string> deps = {}, int line = 0) {
  Resource r;
  r.name = std::move(name);
  r.resource_deps = std::move(deps);
  if (line > 0) r.declared_at = {.file = "Tiltfile.py", .line = line};
  return r;
}

std::vector<std::string> Names(const ResourceGraph& g, const std::vector<int>& indexes) {
  std::vector<std::string> out;
  for (int i : indexes) out.push_back(g.resource(i).name);
  return out;
}

TEST(ResourceGraphTest, IndexesDepsAndDependents) {
  auto g = ResourceGraph::Build({R("db"), R("api", {"db"}), R("portal", {"api", "db"})});
  ASSERT_THAT(g, IsOk());
  EXPECT_EQ(g->size(), 3);
  EXPECT_EQ(g->Find("api"), 1);
  EXPECT_EQ(g->Find("nope"), -1);
  EXPECT_THAT(Names(*g, g->deps(2)), ElementsAre("api", "db"));
  EXPECT_THAT(Names(*g, g->dependents(0)), ElementsAre("api", "portal"));
}

TEST(ResourceGraphTest, TopologicalOrderPutsDepsFirstAndOtherwiseKeepsDeclarationOrder) {
  // Declared before their deps: the order must still put deps first.
  auto g = ResourceGraph::Build(
      {R("smoke", {"api", "portal"}), R("api", {"db"}), R("lint"), R("portal"), R("db")});
  ASSERT_THAT(g, IsOk());
  EXPECT_THAT(Names(*g, g->topological_order()),
              ElementsAre("db", "api", "portal", "smoke", "lint"));
}

TEST(ResourceGraphTest, ChainLengthCountsTheLongestChainOfDependents) {
  auto g = ResourceGraph::Build(
      {R("db"), R("api", {"db"}), R("smoke", {"api"}), R("lint"), R("docs", {"db"})});
  ASSERT_THAT(g, IsOk());
  EXPECT_EQ(g->chain_length(g->Find("db")), 3);
  EXPECT_EQ(g->chain_length(g->Find("api")), 2);
  EXPECT_EQ(g->chain_length(g->Find("smoke")), 1);
  EXPECT_EQ(g->chain_length(g->Find("lint")), 1);
  EXPECT_EQ(g->chain_length(g->Find("docs")), 1);
}

TEST(ResourceGraphTest, ReportsEveryProblemInOneErrorWithTheDeclaringLine) {
  auto g = ResourceGraph::Build({
      R("db", {}, 3),
      R("api", {"dbb"}, 7),         // unknown dep, close to "db"
      R("", {}, 9),                 // empty name
      R("db", {}, 12),              // duplicate
      R("portal", {"worker"}, 15),  // cycle portal -> worker -> portal
      R("worker", {"portal"}, 20),
      R("self", {"self"}, 25),
  });
  ASSERT_THAT(g, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Tiltfile.py:7: ")));
  EXPECT_EQ(std::string(g.status().message()),
            "Tiltfile.py:7: resource 'api': unknown resource_deps 'dbb' (did you mean 'db'?)\n"
            "Tiltfile.py:9: resource #3 has an empty name\n"
            "Tiltfile.py:12: resource 'db': duplicate name (first declared at Tiltfile.py:3)\n"
            "Tiltfile.py:15: dependency cycle: portal -> worker -> portal\n"
            "Tiltfile.py:25: dependency cycle: self -> self");
}

TEST(ResourceGraphTest, UnknownDepWithNothingCloseGetsNoHint) {
  auto g = ResourceGraph::Build({R("api", {"postgres"}, 4)});
  EXPECT_THAT(g, StatusIs(absl::StatusCode::kInvalidArgument,
                          "Tiltfile.py:4: resource 'api': unknown resource_deps 'postgres'"));
}

TEST(ResourceGraphTest, CycleIsPrintedAsItsPathFromTheFirstDeclaredMember) {
  auto g = ResourceGraph::Build(
      {R("lint"), R("api", {"portal"}, 2), R("portal", {"smoke"}, 3), R("smoke", {"api"}, 4)});
  EXPECT_THAT(g, StatusIs(absl::StatusCode::kInvalidArgument,
                          "Tiltfile.py:2: dependency cycle: api -> portal -> smoke -> api"));
}

TEST(ResourceGraphTest, SeparateCyclesAreEachReported) {
  auto g = ResourceGraph::Build(
      {R("a", {"b"}, 1), R("b", {"a"}, 2), R("c", {"d"}, 3), R("d", {"c"}, 4), R("e", {"a"}, 5)});
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()),
              HasSubstr("Tiltfile.py:1: dependency cycle: a -> b -> a\n"
                        "Tiltfile.py:3: dependency cycle: c -> d -> c"));
  EXPECT_THAT(std::string(g.status().message()), Not(HasSubstr("e ->")));
}

TEST(ResourceGraphTest, LargeLoopNamesTheShortestCycleAndCountsTheRest) {
  // a -> b -> a is the short cycle; c joins the same loop through b.
  auto g = ResourceGraph::Build({R("a", {"b"}, 1), R("b", {"a", "c"}, 2), R("c", {"b"}, 3)});
  EXPECT_THAT(g, StatusIs(absl::StatusCode::kInvalidArgument,
                          "Tiltfile.py:1: dependency cycle: a -> b -> a (1 more resources "
                          "depend on each other in the same loop)"));
}

TEST(ResourceGraphTest, LocationlessResourcesStillGetTheirProblem) {
  auto g = ResourceGraph::Build({R("a"), R("a")});
  EXPECT_THAT(g, StatusIs(absl::StatusCode::kInvalidArgument,
                          "resource 'a': duplicate name (first declared at resource #1)"));
}

TEST(ResourceGraphTest, ALongChainNeedsNoDeepStack) {
  // 100,000 links would overflow a recursive walk's stack.
  constexpr int kN = 100000;
  std::vector<Resource> rs;
  rs.reserve(kN);
  for (int i = 0; i < kN; ++i) {
    rs.push_back(R(absl::StrCat("r", i), i == 0 ? std::vector<std::string>{}
                                                : std::vector<std::string>{absl::StrCat("r", i - 1)}));
  }
  auto g = ResourceGraph::Build(rs);
  ASSERT_THAT(g, IsOk());
  EXPECT_EQ(g->chain_length(0), kN);
  EXPECT_EQ(g->topological_order().front(), 0);
  EXPECT_EQ(g->topological_order().back(), kN - 1);

  // The same chain closed into a loop is one cycle of every resource.
  rs[0].resource_deps = {absl::StrCat("r", kN - 1)};
  auto cyclic = ResourceGraph::Build(rs);
  ASSERT_THAT(cyclic, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("dependency cycle: r0 -> r99999 -> r99998")));
}

TEST(ResourceGraphTest, ClosureIsTheSelectionPlusItsDepsInTopologicalOrder) {
  auto g = ResourceGraph::Build({R("db"), R("api", {"db"}), R("portal"), R("smoke", {"api"}),
                                 R("lint")});
  ASSERT_THAT(g, IsOk());
  auto closure = g->Closure({"smoke"});
  ASSERT_THAT(closure, IsOk());
  EXPECT_THAT(Names(*g, *closure), ElementsAre("db", "api", "smoke"));
  auto two = g->Closure({"lint", "api", "api"});
  ASSERT_THAT(two, IsOk());
  EXPECT_THAT(Names(*g, *two), ElementsAre("db", "api", "lint"));
}

TEST(ResourceGraphTest, ClosureNamesEveryUnknownResource) {
  auto g = ResourceGraph::Build({R("api"), R("portal")});
  ASSERT_THAT(g, IsOk());
  EXPECT_THAT(g->Closure({"apii", "api", "zzz"}),
              StatusIs(absl::StatusCode::kNotFound,
                       "unknown resources 'apii' (did you mean 'api'?), 'zzz'"));
}

TEST(ResourceGraphTest, DotLabelsNodesStylesServeAndManualAndDrawsDepToDependent) {
  Resource db = R("db");
  db.serve_cmd = Command::Shell("postgres");
  Resource smoke = R("e2e \"smoke\"", {"db"});
  smoke.trigger_mode = TriggerMode::kManual;
  auto g = ResourceGraph::Build({db, smoke});
  ASSERT_THAT(g, IsOk());
  EXPECT_EQ(g->ToDot(),
            "digraph fops {\n"
            "  rankdir=LR;\n"
            "  node [shape=box, fontname=\"Helvetica\"];\n"
            "  \"db\" [label=\"db\\n(serve)\", style=\"rounded\"];\n"
            "  \"e2e \\\"smoke\\\"\" [label=\"e2e \\\"smoke\\\"\\n(manual)\", style=\"dashed\"];\n"
            "  \"db\" -> \"e2e \\\"smoke\\\"\";\n"
            "}\n");
}

}  // namespace
}  // namespace fops
