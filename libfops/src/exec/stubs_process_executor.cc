// STUB (owner: exec helper): replaced by the real implementation.
#include "fops/exec/process_executor.h"
namespace fops {
class ProcessExecutor::Impl {};
ProcessExecutor::ProcessExecutor() : ProcessExecutor(ProcessExecutorOptions{}) {}
ProcessExecutor::ProcessExecutor(ProcessExecutorOptions) : impl_(std::make_unique<Impl>()) {}
ProcessExecutor::~ProcessExecutor() = default;
absl::Status ProcessExecutor::Start(const CommandSpec&) { return absl::UnimplementedError("stub"); }
std::optional<CommandResult> ProcessExecutor::Wait(absl::Time, OutputListener&) { return std::nullopt; }
void ProcessExecutor::Stop(uint64_t) {}
void ProcessExecutor::Abort() {}
void ProcessExecutor::Interrupt() {}
size_t ProcessExecutor::running() const { return 0; }
}  // namespace fops
