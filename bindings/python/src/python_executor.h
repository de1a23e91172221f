// The executor behind `fops.Executor`: a Python subclass implements one
// synchronous method and this class adapts it to the Start/Wait shape the
// engine drives.
//
//   class Recorder(fops.Executor):
//       def run(self, spec):            # spec: fops.CommandSpec
//           return 0                    # or (exit_code, ["output", ...])
//
// run() is called from Start() with the GIL taken; its result is queued and
// handed out by Wait(), which never needs the GIL. For a serve command,
// returning None means "keeps running until stopped"; the engine's Stop()
// then calls the subclass's optional stop_serve(id). A run() that raises makes
// Start() fail: the resource fails with the exception's message.
#ifndef FOPS_BINDINGS_PYTHON_PYTHON_EXECUTOR_H_
#define FOPS_BINDINGS_PYTHON_PYTHON_EXECUTOR_H_

#include <pybind11/pybind11.h>

#include <deque>
#include <string>
#include <vector>

#include "fops/exec/executor.h"
#include "fops/exec/wakeup.h"

namespace fops::python {

/// Driven from one thread (the engine's); Interrupt() from anywhere.
class PythonExecutor : public Executor {
 public:
  absl::Status Start(const CommandSpec& spec) override;
  std::optional<CommandResult> Wait(absl::Time deadline, OutputListener& listener) override;
  void Stop(uint64_t id) override;
  void Abort() override;
  void Interrupt() override { wakeup_.Notify(); }
  size_t running() const override { return done_.size() + serving_.size(); }
  bool simulated() const override { return simulated_; }

  /// Reads the subclass's `simulated` attribute (default True). Call with
  /// the GIL held before a run: simulated() is asked without it.
  void Prepare();

 private:
  struct Done {
    CommandResult result;
    std::vector<std::string> lines;
  };
  // Calls the Python method `name` if the subclass defines it.
  void CallHook(const char* name, uint64_t id);

  std::deque<Done> done_;
  std::vector<uint64_t> serving_;
  bool simulated_ = true;
  Wakeup wakeup_;
};

}  // namespace fops::python

#endif  // FOPS_BINDINGS_PYTHON_PYTHON_EXECUTOR_H_
