// Python shims for the exec layer: command specs and results, the
// executors (dry-run, scripted, process) and `fops.Executor`, the base a
// Python subclass derives from (see python_executor.h). Waits release the
// GIL. Output lines reach Python through Text (bytes that are not UTF-8
// become U+FFFD).
#include <pybind11/stl.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bindings.h"
#include "convert.h"
#include "fops/base/shell_quote.h"
#include "fops/exec/command_policy.h"
#include "fops/exec/dry_run_executor.h"
#include "fops/exec/executor.h"
#include "fops/exec/line_prefix.h"
#include "fops/exec/process_executor.h"
#include "fops/exec/scripted_executor.h"
#include "python_executor.h"

namespace fops::python {
namespace py = pybind11;

namespace {

// A policy written in Python: check(spec) returns None (or "") to allow,
// and refuses by raising (fops.PolicyError) or returning the reason.
class PyCommandPolicy : public CommandPolicy {
 public:
  absl::Status Check(const CommandSpec& spec) const override {
    py::gil_scoped_acquire gil;
    py::function check = py::get_override(static_cast<const CommandPolicy*>(this), "check");
    if (!check) return absl::UnimplementedError("fops.CommandPolicy subclass does not define check(spec)");
    try {
      py::object verdict = check(spec);
      if (verdict.is_none() || (py::isinstance<py::bool_>(verdict) && verdict.cast<bool>())) {
        return absl::OkStatus();
      }
      std::string reason = py::str(verdict);
      if (reason.empty()) return absl::OkStatus();
      return absl::FailedPreconditionError(reason);
    } catch (py::error_already_set& error) {
      return absl::FailedPreconditionError(std::string(py::str(error.value())));
    }
  }
};

// Collects output while the GIL is released; handed to Python afterwards.
class CollectingListener : public OutputListener {
 public:
  void OnLine(uint64_t id, Stream stream, std::string_view line) override {
    lines.emplace_back(id, stream, std::string(line));
  }
  std::vector<std::tuple<uint64_t, Stream, std::string>> lines;
};

absl::Time DeadlineIn(std::optional<double> timeout) {
  if (!timeout) return absl::InfiniteFuture();
  return absl::Now() + absl::Seconds(*timeout);
}

void BindValues(py::module_& m) {
  py::enum_<Stream>(m, "Stream").value("STDOUT", Stream::kStdout).value("STDERR", Stream::kStderr);

  py::enum_<ExitKind>(m, "ExitKind", "How a command ended.")
      .value("EXITED", ExitKind::kExited)
      .value("SIGNALED", ExitKind::kSignaled)
      .value("TIMED_OUT", ExitKind::kTimedOut)
      .value("STOPPED", ExitKind::kStopped);

  py::class_<CommandSpec>(m, "CommandSpec", "One command the engine starts.")
      .def(py::init([](py::kwargs kwargs) { return FromKeywords<CommandSpec>("CommandSpec", kwargs); }))
      .def_readwrite("id", &CommandSpec::id)
      .def_readwrite("resource", &CommandSpec::resource)
      .def_readwrite("argv", &CommandSpec::argv)
      .def_readwrite("dir", &CommandSpec::dir)
      .def_readwrite("env", &CommandSpec::env)
      .def_readwrite("timeout", &CommandSpec::timeout, "Seconds; 0: none.")
      .def_readwrite("serve", &CommandSpec::serve)
      .def("__str__", [](const CommandSpec& s) { return ShellJoin(s.argv); })
      .def("__repr__", [](const CommandSpec& s) {
        return "CommandSpec(" + s.resource + ": " + ShellJoin(s.argv) + (s.serve ? ", serve" : "") + ")";
      });

  py::class_<CommandResult>(m, "CommandResult", "How one command ended.")
      .def(py::init([](py::kwargs kwargs) { return FromKeywords<CommandResult>("CommandResult", kwargs); }))
      .def_readwrite("id", &CommandResult::id)
      .def_readwrite("kind", &CommandResult::kind)
      .def_readwrite("exit_code", &CommandResult::exit_code)
      .def_readwrite("signal", &CommandResult::signal)
      .def_readwrite("duration", &CommandResult::duration, "Seconds.")
      .def_property_readonly("ok", &CommandResult::ok)
      .def("describe", &CommandResult::Describe, "'exit 0', 'killed by SIGSEGV', 'timed out', ...")
      .def("__repr__", [](const CommandResult& r) {
        return "CommandResult(" + std::to_string(r.id) + ", " + r.Describe() + ")";
      });
}

void BindExecutors(py::module_& m) {
  py::class_<Executor, PythonExecutor>(m, "Executor", R"doc(
Runs commands for the engine. Subclass it in Python and define
``run(self, spec) -> int | (int, [str]) | CommandResult | None``; call
``super().__init__()`` if you define ``__init__``. ``run`` is called
synchronously when the engine starts a command (GIL held only then); None
means exit 0, or, for a serve command (``spec.serve``), "keeps running until
stopped", after which the optional ``stop_serve(self, id)`` is called. Set
``simulated = False`` if the subclass really runs servers, so readiness
probes run. See docs/python-api.md.)doc")
      .def(py::init<>())
      .def(
          "start", [](Executor& e, const CommandSpec& spec) { RaiseIfError(e.Start(spec)); },
          py::arg("spec"), "Starts one command (low level; the engine calls this).")
      .def(
          "wait",
          [](Executor& e, std::optional<double> timeout) {
            CollectingListener listener;
            std::optional<CommandResult> result;
            {
              py::gil_scoped_release release;
              result = e.Wait(DeadlineIn(timeout), listener);
            }
            py::list lines;
            for (const auto& [id, stream, line] : listener.lines) {
              lines.append(py::make_tuple(id, stream, Text(line)));
            }
            return py::make_tuple(result, lines);
          },
          py::arg("timeout") = py::none(),
          "(result or None, [(id, stream, line)]): the next finished command (low level).")
      .def("stop", &Executor::Stop, py::arg("id"), py::call_guard<py::gil_scoped_release>())
      .def("abort", &Executor::Abort, py::call_guard<py::gil_scoped_release>())
      .def("interrupt", &Executor::Interrupt)
      .def_property_readonly("running", &Executor::running)
      .def_property_readonly("simulated", &Executor::simulated);

  py::class_<DryRunExecutor, Executor>(m, "DryRunExecutor", "Records every command; runs nothing.")
      .def(py::init<>())
      .def_property_readonly("recorded", &DryRunExecutor::recorded, "Every CommandSpec, in start order.");

  py::class_<ScriptedExecutor, Executor>(m, "ScriptedExecutor",
                                         "Rules (argv glob -> exit code, output, delay) and calls.")
      .def(py::init<>())
      .def(
          "add_rule",
          [](ScriptedExecutor& e, std::string pattern, int exit_code, std::vector<std::string> output,
             absl::Duration delay, bool serve_until_stopped) {
            e.AddRule({.pattern = std::move(pattern), .exit_code = exit_code, .output = std::move(output),
                       .delay = delay, .serve_until_stopped = serve_until_stopped});
          },
          py::arg("pattern"), py::arg("exit_code") = 0, py::arg("output") = std::vector<std::string>{},
          py::arg("delay") = absl::ZeroDuration(), py::arg("serve_until_stopped") = false,
          "Newest rules win; `pattern` is a glob over the shell-joined argv (or a sh -c script).")
      .def_property_readonly("calls", &ScriptedExecutor::calls, "Every CommandSpec, in start order.");

  py::class_<ProcessExecutor, Executor>(m, "ProcessExecutor", "Runs real processes, each in its own group.")
      .def(py::init([](absl::Duration kill_grace, bool subreaper, size_t max_line_bytes) {
             return std::make_unique<ProcessExecutor>(ProcessExecutorOptions{
                 .kill_grace = kill_grace, .subreaper = subreaper, .max_line_bytes = max_line_bytes});
           }),
           py::arg("kill_grace") = absl::Seconds(2), py::arg("subreaper") = false,
           py::arg("max_line_bytes") = 16 * 1024);

  py::class_<CommandPolicy, PyCommandPolicy>(m, "CommandPolicy", R"doc(
Checked before every command. Subclass in Python and define
``check(self, spec)``: return None to allow; raise fops.PolicyError (or
return a reason str) to refuse.)doc")
      .def(py::init<>())
      .def(
          "check", [](const CommandPolicy& p, const CommandSpec& spec) { RaiseIfError(p.Check(spec)); },
          py::arg("spec"), "Raises fops.PolicyError when `spec` is refused.");
}

}  // namespace

void BindExec(py::module_& m) {
  BindValues(m);
  BindExecutors(m);
  m.def("shell_quote", [](const std::string& word) { return ShellQuote(word); }, py::arg("word"));
  m.def("shell_join", &ShellJoin, py::arg("argv"), "argv as one line a POSIX shell reads back.");
  m.def("glob_match", [](const std::string& p, const std::string& t) { return GlobMatch(p, t); },
        py::arg("pattern"), py::arg("text"));
  m.def("prefix_line", [](const std::string& r, const std::string& l) { return PrefixLine(r, l); },
        py::arg("resource"), py::arg("line"), "Tilt's prefix: name right-aligned to 13 columns, ' │ '.");
}

}  // namespace fops::python
