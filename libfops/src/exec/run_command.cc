#include "fops/exec/run_command.h"

#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "fops/base/string_view.h"
#include "fops/exec/process_executor.h"

namespace fops {
namespace {

class Collector : public OutputListener {
 public:
  explicit Collector(CommandOutput& out, size_t limit) : out_(out), limit_(limit) {}

  void OnLine(uint64_t, Stream stream, std::string_view line) override {
    if (!absl::StripAsciiWhitespace(ToAbsl(line)).empty()) {
      if (stream == Stream::kStderr || !seen_stderr_) out_.last_error_line.assign(line);
      if (stream == Stream::kStderr) seen_stderr_ = true;
    }
    if (stream != Stream::kStdout || out_.truncated) return;
    if (out_.stdout_text.size() + line.size() + 1 > limit_) {
      out_.truncated = true;
      return;
    }
    out_.stdout_text.append(line);
    out_.stdout_text.push_back('\n');
  }

 private:
  CommandOutput& out_;
  size_t limit_;
  bool seen_stderr_ = false;
};

}  // namespace

absl::StatusOr<CommandOutput> RunCommand(CommandSpec spec, size_t max_stdout) {
  // A short grace: a command that outlived its timeout is not worth waiting for.
  ProcessExecutor executor(ProcessExecutorOptions{.kill_grace = absl::Milliseconds(200)});
  if (spec.id == 0) spec.id = 1;
  if (absl::Status started = executor.Start(spec); !started.ok()) return started;
  CommandOutput out;
  Collector collector(out, max_stdout);
  std::optional<CommandResult> result;
  while (!(result = executor.Wait(absl::InfiniteFuture(), collector)).has_value()) {
  }
  out.result = *result;
  return out;
}

}  // namespace fops
