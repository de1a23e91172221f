// What the ProcessExecutor itself costs per command, beside the process:
// spawn, pipes, pidfd, poll and reap for `true`; and stopping a serve
// process (SIGTERM to the group, the /proc scan for stragglers, reaping).
// Figures and the command that reproduces them: docs/performance.md,
// "## Process executor".
#include <string_view>

#include "benchmark/benchmark.h"
#include "fops/exec/process_executor.h"

namespace fops {
namespace {

class Discard : public OutputListener {
 public:
  void OnLine(uint64_t, Stream, std::string_view) override {}
};

// One `true` at a time: spawn to reap.
void BM_RunTrue(benchmark::State& state) {
  ProcessExecutor ex(ProcessExecutorOptions{.subreaper = state.range(0) != 0});
  Discard out;
  uint64_t id = 0;
  for (auto _ : state) {
    if (!ex.Start({.id = ++id, .argv = {"true"}}).ok()) state.SkipWithError("start failed");
    benchmark::DoNotOptimize(ex.Wait(absl::InfiniteFuture(), out));
  }
}
BENCHMARK(BM_RunTrue)->Arg(0)->Arg(1)->ArgName("subreaper")->UseRealTime();

// 100 `true` started at once, all reaped: the shape of `fops ci` on 100
// independent no-op resources, without the engine.
void BM_Run100TrueInParallel(benchmark::State& state) {
  ProcessExecutor ex;
  Discard out;
  uint64_t id = 0;
  for (auto _ : state) {
    for (int i = 0; i < 100; ++i) {
      if (!ex.Start({.id = ++id, .argv = {"true"}}).ok()) state.SkipWithError("start failed");
    }
    while (ex.running() > 0) benchmark::DoNotOptimize(ex.Wait(absl::InfiniteFuture(), out));
  }
}
BENCHMARK(BM_Run100TrueInParallel)->UseRealTime()->Unit(benchmark::kMillisecond);

// Start a serve process, stop it, wait for the report (group gone).
void BM_StopServe(benchmark::State& state) {
  ProcessExecutor ex(ProcessExecutorOptions{.subreaper = state.range(0) != 0});
  Discard out;
  uint64_t id = 0;
  for (auto _ : state) {
    if (!ex.Start({.id = ++id, .argv = {"sleep", "30"}, .serve = true}).ok()) {
      state.SkipWithError("start failed");
    }
    ex.Stop(id);
    benchmark::DoNotOptimize(ex.Wait(absl::InfiniteFuture(), out));
  }
}
BENCHMARK(BM_StopServe)->Arg(0)->Arg(1)->ArgName("subreaper")->UseRealTime();

}  // namespace
}  // namespace fops

BENCHMARK_MAIN();
