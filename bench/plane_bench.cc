// The build plane's hot paths: parsing image references, loading the
// topology, and deciding whether an image must be rebuilt. The re-check of
// an unchanged 20,000-file build context (target <= 150 ms) is compared
// with the first, cold hashing of the same context. Figures and the
// command that reproduces them: docs/performance.md, "## Build plane".
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "fops/engine/input_gate.h"
#include "fops/model/build_plane.h"
#include "fops/model/image_ref.h"
#include "fops/watch/input_digest.h"

namespace fops {
namespace {

namespace fs = std::filesystem;

// bench/ is beside examples/ in the source tree (CMake passes absolute paths).
const fs::path kTopology = fs::path(__FILE__).parent_path().parent_path() /
                           "examples/fractalops/ops/infra/topology/lxc-pve-lab.yaml";

void BM_ImageRefParse(benchmark::State& state) {
  const std::vector<std::string> refs = {
      "ubuntu",
      "ubuntu:22.04",
      "ghcr.io/yamonco/fractalops-runtime:dev-1a2b3c4d5e6f-001122334455",
      "nexus.nexus.svc:8082/fractalops/buildcache/dev/runtime",
      "[::1]:5000/a/b/c:tag",
      "docker.io/library/python@sha256:" + std::string(64, 'a'),
  };
  size_t n = 0;
  for (auto _ : state) {
    absl::StatusOr<ImageRef> ref = ImageRef::Parse(refs[n++ % refs.size()]);
    benchmark::DoNotOptimize(ref);
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}
BENCHMARK(BM_ImageRefParse);

void BM_TopologyLoad(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<BuildPlane> plane = BuildPlane::Load(kTopology);
    if (!plane.ok()) state.SkipWithError(std::string(plane.status().message()).c_str());
    benchmark::DoNotOptimize(plane);
  }
}
BENCHMARK(BM_TopologyLoad)->Unit(benchmark::kMicrosecond);

// A context of `files` files (200 directories, 0.5-4 KiB each, ~45 MB for
// 20,000), a .dockerignore-style exclusion, and files older than the racy
// window, as a real repository's are.
struct Context {
  fs::path root;
  UpdateInputs inputs;
};

const Context& BigContext(int files) {
  static Context* ctx = [files] {
    auto* c = new Context;
    c->root = fs::temp_directory_path() / absl::StrCat("fops_plane_bench_", getpid());
    fs::remove_all(c->root);
    std::mt19937 rng(42);
    std::string blob(4096, 'x');
    for (char& ch : blob) ch = static_cast<char>('a' + rng() % 26);
    for (int i = 0; i < files; ++i) {
      fs::path dir = c->root / "ctx" / absl::StrCat("pkg", i % 200);
      if (i < 200) fs::create_directories(dir);
      std::ofstream(dir / absl::StrCat("f", i, ".py"))
          << blob.substr(0, 512 + rng() % 3584) << i;
    }
    fs::create_directories(c->root / "ctx/node_modules");
    std::ofstream(c->root / "ctx/node_modules/ignored.js") << "junk";
    std::ofstream(c->root / "Dockerfile") << "FROM scratch\nCOPY ctx /\n";
    c->inputs.paths = {"ctx", "Dockerfile"};
    c->inputs.ignore = {"ctx/node_modules", "**/*.pyc"};
    c->inputs.values = {{"builder", "buildah"}};
    c->inputs.produces = "ghcr.io/yamonco/bench:dev-1";
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // past the racy window
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(fs::temp_directory_path() / absl::StrCat("fops_plane_bench_", getpid()), ec);
    });
    return c;
  }();
  return *ctx;
}

// The first hashing: no cache, every file is read and hashed.
void BM_ContextColdHash(benchmark::State& state) {
  const Context& ctx = BigContext(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    InputDigester digester;
    absl::StatusOr<InputDigest> d = digester.Compute(ctx.root, ctx.inputs);
    if (!d.ok() || d->files_hashed < static_cast<size_t>(state.range(0))) {
      state.SkipWithError("cold hashing did not hash every file");
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ContextColdHash)->Arg(20000)->Unit(benchmark::kMillisecond)->UseRealTime();

// The unchanged re-check as a new `fops ci` does it: load the size/mtime
// cache from the state directory, stat every file, hash none.
void BM_ContextRecheckUnchanged(benchmark::State& state) {
  const Context& ctx = BigContext(static_cast<int>(state.range(0)));
  const fs::path cache = ctx.root / ".fops/images/bench.cache";
  {
    InputDigester warmup(cache);
    (void)warmup.Compute(ctx.root, ctx.inputs);
  }
  for (auto _ : state) {
    InputDigester digester(cache);
    absl::StatusOr<InputDigest> d = digester.Compute(ctx.root, ctx.inputs);
    if (!d.ok() || d->files_hashed != 0) state.SkipWithError("re-check hashed files");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ContextRecheckUnchanged)->Arg(20000)->Unit(benchmark::kMillisecond)->UseRealTime();

// The whole gate decision for that context: digest re-check plus reading
// the last success's state, ending in "skipped: unchanged since ...".
void BM_GateCheckUnchanged(benchmark::State& state) {
  const Context& ctx = BigContext(static_cast<int>(state.range(0)));
  Resource r;
  r.name = "bench-image";
  r.kind = "image";
  r.dir = ctx.root.string();
  r.inputs = ctx.inputs;
  {
    InputGate gate(ctx.root / ".fops");
    (void)gate.Check(r);
    (void)gate.Record(r);
  }
  for (auto _ : state) {
    InputGate gate(ctx.root / ".fops");
    absl::StatusOr<GateDecision> d = gate.Check(r);
    if (!d.ok() || d->run) state.SkipWithError("the unchanged image was not skipped");
  }
}
BENCHMARK(BM_GateCheckUnchanged)->Arg(20000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace fops

BENCHMARK_MAIN();
