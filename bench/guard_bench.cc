// What the guard costs per command: every command the engine starts passes
// it, so its price is added to every step. Figures in docs/performance.md
// ("Guard and Helm").
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "fops/model/helm_release.h"
#include "fops/plan/helm_upgrade.h"
#include "fops/policy/guard.h"
#include "fops/policy/shell_words.h"

namespace fops {
namespace {

void BM_GuardArgv(benchmark::State& state) {
  Guard guard;
  const std::vector<std::string> argv = {"helm", "upgrade", "--install", "fractalops-api-dev",
                                         "charts/fractalops-api", "--namespace", "fractalops-dev",
                                         "--set-string", "image.tag=dev-1a2b", "--wait"};
  for (auto _ : state) benchmark::DoNotOptimize(guard.CheckArgv(argv));
}
BENCHMARK(BM_GuardArgv);

void BM_GuardShellOneLine(benchmark::State& state) {
  Guard guard;
  const std::string script =
      "cd /repo && sudo env KUBECONFIG=/k kubectl -n fractalops-dev port-forward svc/portal 8080:80";
  for (auto _ : state) benchmark::DoNotOptimize(guard.CheckShell(script));
}
BENCHMARK(BM_GuardShellOneLine);

// A 200-line deploy-ish script with pipes, substitutions and heredocs.
void BM_GuardShellScript(benchmark::State& state) {
  Guard guard;
  std::string script;
  for (int i = 0; i < 40; ++i) {
    script += "echo \"step " + std::to_string(i) + "\" | tee -a log.txt\n";
    script += "if [ -f \"$HOME/x\" ]; then make -j2 target" + std::to_string(i) + "; fi\n";
    script += "VERSION=$(git rev-parse --short HEAD) && echo \"${VERSION}\"\n";
    script += "cat <<EOF > out.txt\nline $(date)\nEOF\n";
  }
  for (auto _ : state) benchmark::DoNotOptimize(guard.CheckShell(script));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(script.size()));
}
BENCHMARK(BM_GuardShellScript);

void BM_RenderHelmUpgrade(benchmark::State& state) {
  HelmRelease release{.name = "api", .release = "fractalops-api-dev",
                      .chart = "charts/fractalops-api", .namespace_name = "fractalops-dev",
                      .values_files = {"charts/fractalops-api/values-dev.yaml"},
                      .image = "ghcr.io/yamonco/fractalops-runtime:dev-1a2b3c4d5e6f-0123456789ab",
                      .autoscaling = HelmAutoscaling{.min_replicas = 2, .max_replicas = 6}};
  for (auto _ : state) benchmark::DoNotOptimize(CompileHelmRelease(release));
}
BENCHMARK(BM_RenderHelmUpgrade);

}  // namespace
}  // namespace fops

BENCHMARK_MAIN();
