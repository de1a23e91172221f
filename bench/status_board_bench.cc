// What the status board costs the engine per event (it runs on the engine's
// thread for every line and state change of `fops up`), what a snapshot costs
// a reader, and a whole scripted run with and without a board. Figures and
// the command that reproduces them: docs/performance.md, "## Status views".
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "fops/engine/engine.h"
#include "fops/engine/status_board.h"
#include "fops/exec/scripted_executor.h"

namespace fops {
namespace {

Project Make(int n) {
  Project p;
  p.root = "/src";
  for (int i = 0; i < n; ++i) {
    Resource r;
    r.name = absl::StrCat("r", i);
    r.cmd = Command::Shell(absl::StrCat("make r", i));
    r.labels = {i % 2 == 0 ? "backend" : "frontend"};
    p.resources.push_back(r);
  }
  return p;
}

// One output line: the commonest event by far.
void BM_BoardOutputLine(benchmark::State& state) {
  Project p = Make(20);
  StatusBoard board(p, {.redactor = Redactor()});
  const std::string line(80, 'x');
  size_t i = 0;
  for (auto _ : state) board.OnOutput(p.resources[i++ % 20], Stream::kStdout, line);
}
BENCHMARK(BM_BoardOutputLine);

// The same with the environment's secrets masked, as `fops up` runs it.
void BM_BoardOutputLineRedacted(benchmark::State& state) {
  Project p = Make(20);
  Redactor redactor;
  for (int s = 0; s < 10; ++s) redactor.AddSecret(absl::StrCat("secret-value-", s));
  StatusBoard board(p, {.redactor = redactor});
  const std::string line(80, 'x');
  size_t i = 0;
  for (auto _ : state) board.OnOutput(p.resources[i++ % 20], Stream::kStdout, line);
}
BENCHMARK(BM_BoardOutputLineRedacted);

// A resource's life: queued, waits, started, finished.
void BM_BoardResourceRun(benchmark::State& state) {
  Project p = Make(20);
  StatusBoard board(p, {.redactor = Redactor()});
  ResourceResult result{.name = "r0", .status = ResourceStatus::kSucceeded};
  for (auto _ : state) {
    const Resource& r = p.resources[0];
    board.OnResourceQueued(r, "rebuilt: src/a.py changed");
    board.OnResourceWaiting(r, ResourceWait::kSlot, "");
    board.OnResourceStarted(r, "rebuilt: src/a.py changed");
    board.OnResourceFinished(r, result);
  }
}
BENCHMARK(BM_BoardResourceRun);

// A reader's snapshot of N resources with a run each (the web view sends one
// per change, the terminal table takes one per redraw).
void BM_BoardSnapshot(benchmark::State& state) {
  Project p = Make(static_cast<int>(state.range(0)));
  StatusBoard board(p, {.redactor = Redactor()});
  ResourceResult result{.status = ResourceStatus::kSucceeded};
  for (const Resource& r : p.resources) {
    board.OnResourceQueued(r, "");
    board.OnResourceStarted(r, "");
    board.OnResourceFinished(r, result);
  }
  size_t bytes = 0;
  for (auto _ : state) bytes = board.SnapshotJson().size();
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_BoardSnapshot)->Arg(10)->Arg(100);

// A scripted run of 1,000 resources, each printing 10 lines, with and
// without a board: the engine's whole overhead either way.
void BM_RunWithBoard(benchmark::State& state) {
  const bool with_board = state.range(0) != 0;
  Project p = Make(1000);
  for (auto _ : state) {
    ScriptedExecutor ex;
    ex.AddRule({.pattern = "*", .output = std::vector<std::string>(10, std::string(60, 'y'))});
    StatusBoard board(p, {.clock = &ex.clock(), .redactor = Redactor()});
    EngineOptions options;
    if (with_board) options.observers.push_back(&board);
    auto engine = Engine::Create(p, ex, std::move(options));
    benchmark::DoNotOptimize((*engine)->Ci());
  }
}
BENCHMARK(BM_RunWithBoard)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fops

BENCHMARK_MAIN();
