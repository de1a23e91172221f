// Build Plane telemetry costs. Figures and the commands that reproduce
// them: docs/performance.md, "## Telemetry".
//
// - BM_PipelineEmit: EventPipeline::Emit() of a realistic event, the only
//   telemetry work on the engine's thread; reports p50/p99/max per call
//   (each call timed on its own) besides Google Benchmark's mean.
// - BM_ObserverResourceFinished: the whole build-path callback — the engine
//   bridge building a resource.finished + build.finished + image.pushed
//   for an image resource and queueing them.
// - BM_ClickHouse100k: 100,000 events into a real ClickHouse end to end
//   (emit, batch, insert, flush); needs FOPS_BENCH_CLICKHOUSE_HOST_PORT with
//   a build_events table — bench/telemetry_clickhouse.py sets it up.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "fops/engine/telemetry_observer.h"
#include "fops/net/http_client.h"
#include "fops/telemetry/clickhouse_sink.h"
#include "fops/telemetry/event_pipeline.h"

namespace fops {
namespace {

// Accepts every batch at once: the bench measures the emitting side.
class NullSink : public EventSink {
 public:
  std::string_view name() const override { return "null"; }
  std::string destination() const override { return "null"; }
  SinkAnswer Send(std::span<const BuildEvent>, absl::Time) override {
    return SinkAnswer::Delivered();
  }
};

BuildEvent Realistic() {
  BuildEvent e;
  e.name = EventName::kResourceFinished;
  e.timestamp = absl::Now();
  e.session_id = "5388416db1bbd231";
  e.resource = "runtime";
  e.kind = "image";
  e.target = "runtime";
  e.stage = "dev";
  e.mode = "development";
  e.image_ref = "ghcr.io/yamonco/fractalops/runtime:dev-1a2b3c4d";
  e.cache_scope = "nexus.nexus.svc:8082/fractalops/buildcache/dev/runtime";
  e.status = "succeeded";
  e.duration_ms = 1834;
  e.reason = "rebuilt";
  e.detail = "rebuilt: docker/runtime.Dockerfile changed";
  e.git_revision = "d791dd6eebf402bbc1e545c07574e281200eb323";
  e.runner = "local";
  e.host = "build-3";
  return e;
}

std::unique_ptr<EventPipeline> NullPipeline() {
  std::vector<std::unique_ptr<EventSink>> sinks;
  sinks.push_back(std::make_unique<NullSink>());
  PipelineOptions options;
  options.queue_capacity = size_t{1} << 22;  // never full: measure the enqueue, not a drop
  return std::make_unique<EventPipeline>(std::move(sinks), options);
}

// Adds p50/p99/max (ns) of `samples` as counters.
void ReportPercentiles(benchmark::State& state, std::vector<int64_t>& samples) {
  if (samples.empty()) return;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    return static_cast<double>(samples[std::min(samples.size() - 1,
                                                static_cast<size_t>(q * samples.size()))]);
  };
  state.counters["p50_ns"] = at(0.50);
  state.counters["p99_ns"] = at(0.99);
  state.counters["p999_ns"] = at(0.999);
  state.counters["max_ns"] = static_cast<double>(samples.back());
}

void BM_PipelineEmit(benchmark::State& state) {
  std::unique_ptr<EventPipeline> pipeline = NullPipeline();
  const BuildEvent prototype = Realistic();
  std::vector<int64_t> samples;
  samples.reserve(1 << 21);
  for (auto _ : state) {
    BuildEvent e = prototype;  // the caller's event, built before the call
    const auto start = std::chrono::steady_clock::now();
    pipeline->Emit(std::move(e));
    const auto end = std::chrono::steady_clock::now();
    if (samples.size() < samples.capacity()) {
      samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
    }
  }
  ReportPercentiles(state, samples);
  TelemetryReport report = pipeline->Finish(absl::Seconds(30));
  state.counters["dropped"] = static_cast<double>(report.sinks[0].dropped);
}
BENCHMARK(BM_PipelineEmit)->Iterations(1000000);

void BM_ObserverResourceFinished(benchmark::State& state) {
  RunFacts facts{.runner = "local", .host = "build-3",
                 .git_revision = "d791dd6eebf402bbc1e545c07574e281200eb323",
                 .mode = "development"};
  TelemetryObserver observer(NullPipeline(), facts);
  observer.OnRunStarted({.session_id = "5388416db1bbd231"});
  Resource image;
  image.name = "runtime";
  image.kind = "image";
  image.inputs.produces = "ghcr.io/yamonco/fractalops/runtime:dev-1a2b3c4d";
  image.inputs.values = {{"target", "runtime"}, {"stage", "dev"},
                         {"cache_scope", "nexus.nexus.svc:8082/fractalops/buildcache/dev/runtime"}};
  ResourceResult result{.name = "runtime", .status = ResourceStatus::kSucceeded,
                        .duration = absl::Milliseconds(1834),
                        .reason = "rebuilt: docker/runtime.Dockerfile changed"};
  std::vector<int64_t> samples;
  samples.reserve(1 << 20);
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    observer.OnResourceFinished(image, result);  // 3 events
    const auto end = std::chrono::steady_clock::now();
    if (samples.size() < samples.capacity()) {
      samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
    }
  }
  ReportPercentiles(state, samples);
  observer.Finish(absl::Seconds(30));
}
BENCHMARK(BM_ObserverResourceFinished)->Iterations(300000);

void BM_ClickHouse100k(benchmark::State& state) {
  const char* host_port = std::getenv("FOPS_BENCH_CLICKHOUSE_HOST_PORT");
  if (host_port == nullptr) {
    state.SkipWithError("set FOPS_BENCH_CLICKHOUSE_HOST_PORT (bench/telemetry_clickhouse.py does)");
    return;
  }
  const int kEvents = 100000;
  std::shared_ptr<HttpClient> http = NewCurlHttpClient();
  ClickHouseSinkOptions options;
  options.url = absl::StrCat("http://", host_port);
  options.database = "bench";
  const int batch_size = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    absl::StatusOr<HttpResponse> truncated = http->Send(
        {.method = "POST", .url = options.url + "/", .body = "TRUNCATE TABLE bench.build_events"});
    if (!truncated.ok() || truncated->status != 200) {
      state.SkipWithError("could not truncate bench.build_events");
      return;
    }
    std::vector<std::unique_ptr<EventSink>> sinks;
    sinks.push_back(std::make_unique<ClickHouseSink>(options, http, Redactor()));
    PipelineOptions pipeline_options;
    pipeline_options.queue_capacity = kEvents;
    pipeline_options.batch_size = static_cast<size_t>(batch_size);
    const BuildEvent prototype = Realistic();
    state.ResumeTiming();

    EventPipeline pipeline(std::move(sinks), pipeline_options);
    for (int i = 0; i < kEvents; ++i) {
      BuildEvent e = prototype;
      e.duration_ms = i;
      pipeline.Emit(std::move(e));
    }
    TelemetryReport report = pipeline.Finish(absl::Seconds(60));

    state.PauseTiming();
    absl::StatusOr<HttpResponse> count = http->Send(
        {.method = "POST", .url = options.url + "/",
         .body = "SELECT count() FROM bench.build_events"});
    state.counters["delivered"] = static_cast<double>(report.sinks[0].delivered);
    state.counters["rows"] = count.ok() ? std::atof(count->body.c_str()) : -1;
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
}
BENCHMARK(BM_ClickHouse100k)->Arg(500)->Arg(5000)->Iterations(3)->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace fops

BENCHMARK_MAIN();
