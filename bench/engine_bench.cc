// Validating and scheduling large graphs through the ScriptedExecutor: the
// engine's own overhead, with commands that cost nothing. Figures and the
// command that reproduces them: docs/performance.md, "## Engine".
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "fops/engine/engine.h"
#include "fops/exec/command_policy.h"
#include "fops/exec/process_executor.h"
#include "fops/exec/scripted_executor.h"
#include "fops/plan/graph.h"

namespace fops {
namespace {

Resource Make(int i, std::vector<std::string> deps) {
  Resource r;
  r.name = absl::StrCat("r", i);
  r.cmd = Command::Shell(absl::StrCat("make r", i));
  r.resource_deps = std::move(deps);
  r.declared_at = {.file = "Tiltfile.py", .line = i + 1};
  return r;
}

Project Independent(int n) {
  Project p;
  p.root = "/src";
  for (int i = 0; i < n; ++i) p.resources.push_back(Make(i, {}));
  return p;
}

// `layers` layers of `width`; each resource depends on three of the layer
// before it, so the graph has ~3 edges per resource and a critical path.
Project Layered(int layers, int width) {
  Project p;
  p.root = "/src";
  for (int l = 0; l < layers; ++l) {
    for (int w = 0; w < width; ++w) {
      std::vector<std::string> deps;
      if (l > 0) {
        for (int k = 0; k < 3; ++k) deps.push_back(absl::StrCat("r", (l - 1) * width + (w + k * 7) % width));
      }
      p.resources.push_back(Make(l * width + w, std::move(deps)));
    }
  }
  return p;
}

Project Chain(int n) {
  Project p;
  p.root = "/src";
  for (int i = 0; i < n; ++i) {
    p.resources.push_back(Make(i, i == 0 ? std::vector<std::string>{}
                                         : std::vector<std::string>{absl::StrCat("r", i - 1)}));
  }
  return p;
}

// Allows everything: isolates the engine's own cost from the guard's.
class AllowAll : public CommandPolicy {
 public:
  absl::Status Check(const CommandSpec&) const override { return absl::OkStatus(); }
};

// `guarded`: the default policy (the development guard) checks every
// command, as in a real run; otherwise only the engine is measured.
void RunCi(benchmark::State& state, const Project& project, bool guarded) {
  static const AllowAll allow_all;
  for (auto _ : state) {
    ScriptedExecutor executor;
    executor.AddRule({.pattern = "make *", .delay = absl::Milliseconds(10)});
    auto engine = Engine::Create(project, executor,
                                 {.max_parallel = 8, .policy = guarded ? nullptr : &allow_all});
    if (!engine.ok()) {
      state.SkipWithError(std::string(engine.status().message()).c_str());
      return;
    }
    RunResult result = (*engine)->Ci();
    if (!result.ok) state.SkipWithError("run failed");
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(project.resources.size()));
}

void BM_CiIndependent10k(benchmark::State& state) { RunCi(state, Independent(10000), false); }
BENCHMARK(BM_CiIndependent10k)->Unit(benchmark::kMillisecond);

void BM_CiLayered100x100(benchmark::State& state) { RunCi(state, Layered(100, 100), false); }
BENCHMARK(BM_CiLayered100x100)->Unit(benchmark::kMillisecond);

void BM_CiChain10k(benchmark::State& state) { RunCi(state, Chain(10000), false); }
BENCHMARK(BM_CiChain10k)->Unit(benchmark::kMillisecond);

void BM_CiLayered100x100Guarded(benchmark::State& state) { RunCi(state, Layered(100, 100), true); }
BENCHMARK(BM_CiLayered100x100Guarded)->Unit(benchmark::kMillisecond);

// Validation alone (what `fops plan` and every load pay).
void BM_BuildGraphLayered100x100(benchmark::State& state) {
  const Project project = Layered(100, 100);
  for (auto _ : state) {
    auto graph = ResourceGraph::Build(project.resources);
    benchmark::DoNotOptimize(graph);
  }
}
BENCHMARK(BM_BuildGraphLayered100x100)->Unit(benchmark::kMillisecond);

// The end-to-end shapes compared with make, with real processes: 100 independent `true`
// resources and a chain of 20, at the default of 3 updates at once. What is
// left after `true`'s own cost is fops' overhead per command (spawn, pipes,
// pidfd, scheduling); there is no sleep between steps.
Project TrueResources(int n, bool chain) {
  Project p;
  p.root = "/tmp";
  for (int i = 0; i < n; ++i) {
    Resource r;
    r.name = absl::StrCat("r", i);
    r.cmd = Command::Argv({"true"});
    if (chain && i > 0) r.resource_deps = {absl::StrCat("r", i - 1)};
    p.resources.push_back(std::move(r));
  }
  return p;
}

void RunProcesses(benchmark::State& state, const Project& project) {
  for (auto _ : state) {
    ProcessExecutor executor;
    auto engine = Engine::Create(project, executor, {});
    if (!engine.ok()) {
      state.SkipWithError(std::string(engine.status().message()).c_str());
      return;
    }
    RunResult result = (*engine)->Ci();
    if (!result.ok) state.SkipWithError("run failed");
  }
}

void BM_ProcessTrue100(benchmark::State& state) { RunProcesses(state, TrueResources(100, false)); }
BENCHMARK(BM_ProcessTrue100)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ProcessChainOf20(benchmark::State& state) { RunProcesses(state, TrueResources(20, true)); }
BENCHMARK(BM_ProcessChainOf20)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace fops

BENCHMARK_MAIN();
