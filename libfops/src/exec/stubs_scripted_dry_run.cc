// STUB (owner: engine helper): replaced by the real implementations.
#include "fops/exec/dry_run_executor.h"
#include "fops/exec/scripted_executor.h"
namespace fops {
absl::Status DryRunExecutor::Start(const CommandSpec& spec) { recorded_.push_back(spec); return absl::OkStatus(); }
std::optional<CommandResult> DryRunExecutor::Wait(absl::Time, OutputListener&) { return std::nullopt; }
void DryRunExecutor::Stop(uint64_t) {}
void DryRunExecutor::Abort() {}
class ScriptedExecutor::Impl { public: std::vector<CommandSpec> calls; };
ScriptedExecutor::ScriptedExecutor() : impl_(std::make_unique<Impl>()) {}
ScriptedExecutor::~ScriptedExecutor() = default;
void ScriptedExecutor::AddRule(ScriptedRule) {}
const std::vector<CommandSpec>& ScriptedExecutor::calls() const { return impl_->calls; }
absl::Status ScriptedExecutor::Start(const CommandSpec&) { return absl::UnimplementedError("stub"); }
std::optional<CommandResult> ScriptedExecutor::Wait(absl::Time, OutputListener&) { return std::nullopt; }
void ScriptedExecutor::Stop(uint64_t) {}
void ScriptedExecutor::Abort() {}
size_t ScriptedExecutor::running() const { return 0; }
bool GlobMatch(std::string_view, std::string_view) { return false; }
}  // namespace fops
