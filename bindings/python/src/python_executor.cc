#include "python_executor.h"

#include <pybind11/stl.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace fops::python {
namespace py = pybind11;

namespace {

std::string TypeName(py::handle value) {
  return py::str(py::type::of(value).attr("__name__"));
}

// "ValueError: boom" for the exception being handled.
std::string Describe(const py::error_already_set& error) {
  return absl::StrCat(std::string(py::str(error.type().attr("__name__"))), ": ",
                      std::string(py::str(error.value())));
}

}  // namespace

void PythonExecutor::Prepare() {
  py::object self = py::cast(static_cast<Executor*>(this), py::return_value_policy::reference);
  simulated_ = !py::hasattr(self, "simulated") || py::bool_(self.attr("simulated")).cast<bool>();
}

absl::Status PythonExecutor::Start(const CommandSpec& spec) {
  py::gil_scoped_acquire gil;
  py::function run = py::get_override(static_cast<const Executor*>(this), "run");
  if (!run) return absl::UnimplementedError("fops.Executor subclass does not define run(spec)");
  absl::Time start = absl::Now();
  Done done;
  done.result.id = spec.id;
  try {
    py::object value = run(spec);
    done.result.duration = absl::Now() - start;
    if (value.is_none()) {
      if (spec.serve) {
        serving_.push_back(spec.id);
        return absl::OkStatus();
      }
    } else if (py::isinstance<CommandResult>(value)) {
      CommandResult given = value.cast<CommandResult>();
      given.id = spec.id;
      if (given.duration == absl::ZeroDuration()) given.duration = done.result.duration;
      done.result = given;
    } else if (py::isinstance<py::int_>(value)) {
      done.result.exit_code = value.cast<int>();
    } else if ((py::isinstance<py::tuple>(value) || py::isinstance<py::list>(value)) &&
               py::len(value) == 2 && py::isinstance<py::int_>(value[py::int_(0)])) {
      done.result.exit_code = value[py::int_(0)].cast<int>();
      for (py::handle line : value[py::int_(1)]) done.lines.push_back(py::str(line));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("run() returned ", TypeName(value),
                       "; expected an exit code, (exit_code, [lines]), a CommandResult or None"));
    }
  } catch (py::error_already_set& error) {
    return absl::InternalError(absl::StrCat("run() raised ", Describe(error)));
  }
  done_.push_back(std::move(done));
  return absl::OkStatus();
}

std::optional<CommandResult> PythonExecutor::Wait(absl::Time deadline, OutputListener& listener) {
  if (wakeup_.Consume()) return std::nullopt;
  if (!done_.empty()) {
    Done done = std::move(done_.front());
    done_.pop_front();
    for (const std::string& line : done.lines) listener.OnLine(done.result.id, Stream::kStdout, line);
    return done.result;
  }
  // Only serve commands (or nothing) left: nothing finishes by itself.
  if (!serving_.empty()) wakeup_.WaitUntil(deadline);
  return std::nullopt;
}

void PythonExecutor::CallHook(const char* name, uint64_t id) {
  py::gil_scoped_acquire gil;
  py::function hook = py::get_override(static_cast<const Executor*>(this), name);
  if (!hook) return;
  try {
    hook(id);
  } catch (py::error_already_set& error) {
    error.discard_as_unraisable(absl::StrCat("fops.Executor.", name).c_str());
  }
}

void PythonExecutor::Stop(uint64_t id) {
  auto it = std::find(serving_.begin(), serving_.end(), id);
  if (it == serving_.end()) return;
  serving_.erase(it);
  CallHook("stop_serve", id);
  Done done;
  done.result.id = id;
  done.result.kind = ExitKind::kStopped;
  done_.push_back(std::move(done));
}

void PythonExecutor::Abort() {
  std::vector<uint64_t> serving = std::move(serving_);
  serving_.clear();
  for (uint64_t id : serving) CallHook("stop_serve", id);
  done_.clear();
}

}  // namespace fops::python
