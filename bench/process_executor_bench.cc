// What the ProcessExecutor itself costs per command, beside the process:
// spawn, pipes, pidfd, poll and reap for `true`; and stopping a serve
// process (SIGTERM to the group, the /proc scan for stragglers, reaping);
// string commands with and without their `sh -c` (direct_exec); and what
// recording the running groups in a state directory adds (process_record).
// Figures and the command that reproduces them: docs/performance.md,
// "## Process executor".
#include <stdlib.h>
#include <sys/resource.h>

#include <filesystem>
#include <string>
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

// BM_RunTrue with the subreaper (as the `fops` command runs), recording
// its running groups in a state directory or not: the record is rewritten
// when each command starts and when it ends.
void BM_RunTrueRecorded(benchmark::State& state) {
  char dir[] = "/tmp/fops-bench-record-XXXXXX";
  if (::mkdtemp(dir) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  {
    ProcessExecutor ex(ProcessExecutorOptions{
        .subreaper = true,
        .process_record = state.range(0) != 0 ? std::filesystem::path(dir) : std::filesystem::path(),
        .record_owner = "bench"});
    Discard out;
    uint64_t id = 0;
    for (auto _ : state) {
      if (!ex.Start({.id = ++id, .resource = "r", .argv = {"true"}}).ok()) {
        state.SkipWithError("start failed");
      }
      benchmark::DoNotOptimize(ex.Wait(absl::InfiniteFuture(), out));
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
BENCHMARK(BM_RunTrueRecorded)->Arg(0)->Arg(1)->ArgName("record")->UseRealTime();

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

// CPU time of the reaped children (user + system), for what the commands
// themselves cost: a `sh -c` is a dash starting before the program.
double ChildCpuSeconds() {
  rusage usage;
  ::getrusage(RUSAGE_CHILDREN, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Runs the string command `script` 100 times, `parallel` at a time, with
// direct_exec as the benchmark's first argument says.
void Run100(benchmark::State& state, const char* script, size_t parallel) {
  ProcessExecutor ex(ProcessExecutorOptions{.direct_exec = state.range(0) != 0});
  Discard out;
  uint64_t id = 0;
  double child_cpu = ChildCpuSeconds();
  for (auto _ : state) {
    int started = 0;
    while (started < 100 || ex.running() > 0) {
      while (started < 100 && ex.running() < parallel) {
        if (!ex.Start({.id = ++id, .argv = {"sh", "-c", script}}).ok()) state.SkipWithError("start failed");
        ++started;
      }
      benchmark::DoNotOptimize(ex.Wait(absl::InfiniteFuture(), out));
    }
  }
  state.counters["child_cpu_per_cmd_us"] = benchmark::Counter(
      (ChildCpuSeconds() - child_cpu) * 1e6 / (100.0 * static_cast<double>(state.iterations())));
}

// 100 `cmd="true"` (what the engine hands the executor as
// {"sh", "-c", "true"}), one at a time: the chain-of-20 shape.
void BM_Run100StringTrueSequential(benchmark::State& state) { Run100(state, "true", 1); }
BENCHMARK(BM_Run100StringTrueSequential)->Arg(0)->Arg(1)->ArgName("direct")->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The same 100, three at a time (the engine's default max_parallel): the
// shape of `fops ci` on 100 independent resources.
void BM_Run100StringTrue3AtATime(benchmark::State& state) { Run100(state, "true", 3); }
BENCHMARK(BM_Run100StringTrue3AtATime)->Arg(0)->Arg(1)->ArgName("direct")->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// `true` is a dash builtin, so `sh -c true` starts one process either way;
// a program the shell must run (`/bin/true`) costs it a fork and an exec
// more.
void BM_Run100StringProgramSequential(benchmark::State& state) { Run100(state, "/bin/true", 1); }
BENCHMARK(BM_Run100StringProgramSequential)->Arg(0)->Arg(1)->ArgName("direct")->UseRealTime()
    ->Unit(benchmark::kMillisecond);

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
