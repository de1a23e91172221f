// STUB (owner: engine helper): replaced by the real implementations.
#include "fops/engine/engine.h"
#include "fops/engine/terminal_reporter.h"
#include "fops/plan/graph.h"
namespace fops {
std::string_view ResourceStatusName(ResourceStatus) { return ""; }
const ResourceResult* RunResult::Find(std::string_view) const { return nullptr; }
std::unique_ptr<Prober> NewRealProber() { return nullptr; }
class Engine::Impl { public: Project project; };
Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;
absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(Project, Executor&, EngineOptions) { return absl::UnimplementedError("stub"); }
RunResult Engine::Ci() { return {}; }
RunResult Engine::Up() { return {}; }
void Engine::RequestStop() {}
const Project& Engine::project() const { return impl_->project; }
TerminalReporter::TerminalReporter(std::FILE* out, Redactor r) : out_(out), redactor_(std::move(r)) {}
void TerminalReporter::OnResourceStarted(const Resource&, std::string_view) {}
void TerminalReporter::OnOutput(const Resource&, Stream, std::string_view) {}
void TerminalReporter::OnResourceReady(const Resource&) {}
void TerminalReporter::OnResourceFinished(const Resource&, const ResourceResult&) {}
void TerminalReporter::OnRunFinished(const RunResult&) {}
void TerminalReporter::Print(const std::string&) {}
std::string FormatSummary(const RunResult&) { return ""; }
absl::StatusOr<ResourceGraph> ResourceGraph::Build(std::vector<Resource>) { return absl::UnimplementedError("stub"); }
int ResourceGraph::Find(std::string_view) const { return -1; }
absl::StatusOr<std::vector<int>> ResourceGraph::Closure(const std::vector<std::string>&) const { return absl::UnimplementedError("stub"); }
std::string ResourceGraph::ToDot() const { return ""; }
}  // namespace fops
