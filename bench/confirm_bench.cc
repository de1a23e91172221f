// What it costs to confirm an effect before skipping it: a manifest HEAD
// in a real registry (docker-registry on loopback) and `helm status` of a
// real release (Helm against the local control plane), each per resource,
// plus the gate's whole decision for an unchanged image whose registry
// still holds it. bench/confirm_cost.py starts the registry (and the
// cluster) and runs this program with where they are in the environment:
//
//   FOPS_BENCH_IMAGE=127.0.0.1:PORT/bench/app:dev-1      a pushed image (plain HTTP)
//   FOPS_BENCH_HELM_RELEASE=bench-dev FOPS_BENCH_HELM_NAMESPACE=fractalops-dev
//   (plus KUBECONFIG) a release installed by Helm
//
// A benchmark whose variables are unset reports an error and is skipped.
// Figures: docs/performance.md, "Confirming before skipping".
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "fops/engine/helm_effect_check.h"
#include "fops/engine/image_effect_check.h"
#include "fops/engine/input_gate.h"
#include "fops/net/http_client.h"
#include "fops/net/registry_client.h"

namespace fops {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

Resource ImageResource(const std::string& ref) {
  Resource r;
  r.name = "bench-image";
  r.kind = "image";
  r.inputs.produces = ref;
  r.inputs.values = {{"registry_tls_verify", "false"}};
  return r;
}

// One manifest HEAD, as the registry check makes it (scheme known after the
// first call, as within a session).
void BM_RegistryHead(benchmark::State& state) {
  const std::string image = Env("FOPS_BENCH_IMAGE");
  absl::StatusOr<ImageRef> ref = ImageRef::Parse(image);
  if (image.empty() || !ref.ok()) {
    state.SkipWithError("FOPS_BENCH_IMAGE is not set to a pushed image");
    return;
  }
  std::unique_ptr<HttpClient> http = NewCurlHttpClient();
  RegistryClient registry(*http);
  for (auto _ : state) {
    absl::StatusOr<ManifestHead> head =
        registry.HeadManifest(*ref, {.tls_verify = false}, absl::Now() + absl::Seconds(5));
    if (!head.ok() || !head->found) state.SkipWithError("the image is not in the registry");
  }
}
BENCHMARK(BM_RegistryHead)->Unit(benchmark::kMillisecond)->UseRealTime();

// The image check in a fresh process: a new client each time (libcurl
// handle, scheme probing of an insecure registry included).
void BM_ImageEffectCheckFresh(benchmark::State& state) {
  const std::string image = Env("FOPS_BENCH_IMAGE");
  if (image.empty()) {
    state.SkipWithError("FOPS_BENCH_IMAGE is not set to a pushed image");
    return;
  }
  const Resource r = ImageResource(image);
  for (auto _ : state) {
    ImageEffectCheck check(NewCurlHttpClient());
    absl::StatusOr<Effect> effect = check.Observe(r);
    if (!effect.ok() || !effect->present) state.SkipWithError("the image is not in the registry");
  }
}
BENCHMARK(BM_ImageEffectCheckFresh)->Unit(benchmark::kMillisecond)->UseRealTime();

// `helm status -o json` of a deployed release: a helm process and its
// requests to the API server.
void BM_HelmStatus(benchmark::State& state) {
  const std::string release = Env("FOPS_BENCH_HELM_RELEASE");
  const std::string ns = Env("FOPS_BENCH_HELM_NAMESPACE");
  if (release.empty() || ns.empty()) {
    state.SkipWithError("FOPS_BENCH_HELM_RELEASE / FOPS_BENCH_HELM_NAMESPACE are not set");
    return;
  }
  Resource r;
  r.name = "bench-release";
  r.kind = "helm";
  r.cmd = Command::Argv({"helm", "upgrade", "--install", release, "chart", "--namespace", ns});
  r.inputs.values = {{"release", release}, {"namespace", ns}};
  HelmEffectCheck check;
  for (auto _ : state) {
    absl::StatusOr<Effect> effect = check.Observe(r);
    if (!effect.ok() || !effect->present) state.SkipWithError("the release is not deployed");
  }
}
BENCHMARK(BM_HelmStatus)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace fops

BENCHMARK_MAIN();
