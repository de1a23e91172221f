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
#include "fops/exec/leftover_processes.h"
#include "fops/exec/line_prefix.h"
#include "fops/exec/process_executor.h"
#include "fops/exec/scripted_executor.h"
#include "fops/model/project_secrets.h"
#include "python_executor.h"

namespace fops::python {
namespace py = pybind11;

namespace {

// The secrets of `project`'s run, or (no project) the environment's.
Redactor SecretsOf(const Project* project) {
  return project != nullptr ? ProjectRedactor(*project) : Redactor::FromEnvironment();
}

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

  py::class_<ProcessExecutor, Executor>(m, "ProcessExecutor", R"doc(
Runs real processes, each in its own group. ``record=STATE_DIR`` records
the process groups it runs in STATE_DIR/processes/ while they run (as
``record_owner``, commands shown without ``project``'s secrets), so that a
later fops stops them if this process dies without doing so; see
docs/executors.md.)doc")
      .def(py::init([](absl::Duration kill_grace, bool subreaper, size_t max_line_bytes,
                       std::optional<std::string> record, std::string record_owner,
                       const Project* project) {
             return std::make_unique<ProcessExecutor>(ProcessExecutorOptions{
                 .kill_grace = kill_grace,
                 .subreaper = subreaper,
                 .max_line_bytes = max_line_bytes,
                 .process_record = record.value_or(""),
                 .record_owner = std::move(record_owner),
                 .record_redactor = record ? SecretsOf(project) : Redactor()});
           }),
           py::arg("kill_grace") = absl::Seconds(2), py::arg("subreaper") = false,
           py::arg("max_line_bytes") = 16 * 1024, py::kw_only(), py::arg("record") = py::none(),
           py::arg("record_owner") = "fops", py::arg("project") = py::none())
      .def(
          "record_processes",
          [](ProcessExecutor& e, const std::string& state_dir, std::string owner,
             const Project* project) {
            RaiseIfError(e.RecordProcesses(state_dir, std::move(owner), SecretsOf(project)));
          },
          py::arg("state_dir"), py::arg("owner"), py::arg("project") = py::none(),
          "Starts recording as record= does; only before the first command.")
      .def_property_readonly(
          "process_record",
          [](const ProcessExecutor& e) -> std::optional<std::string> {
            if (!e.recording()) return std::nullopt;
            return e.process_record().string();
          },
          "The record file (written while commands run), or None when not recording.")
      .def_property_readonly("recording", &ProcessExecutor::recording);

  py::class_<CommandPolicy, PyCommandPolicy>(m, "CommandPolicy", R"doc(
Checked before every command. Subclass in Python and define
``check(self, spec)``: return None to allow; raise fops.PolicyError (or
return a reason str) to refuse.)doc")
      .def(py::init<>())
      .def(
          "check", [](const CommandPolicy& p, const CommandSpec& spec) { RaiseIfError(p.Check(spec)); },
          py::arg("spec"), "Raises fops.PolicyError when `spec` is refused.");
}

void BindLeftovers(py::module_& m) {
  py::class_<LeftoverGroup>(m, "LeftoverGroup", "One command's processes that outlived their fops.")
      .def_readonly("pid", &LeftoverGroup::pid, "The one named in messages: its leader while it runs.")
      .def_readonly("resource", &LeftoverGroup::resource)
      .def_readonly("command", &LeftoverGroup::command, "As recorded: shortened, secrets redacted.")
      .def_readonly("pids", &LeftoverGroup::pids, "Every live process of it.");
  py::class_<Leftovers>(m, "Leftovers", "What one fops process that died left running.")
      .def_property_readonly("record", [](const Leftovers& l) { return l.record.string(); })
      .def_readonly("owner_pid", &Leftovers::owner_pid)
      .def_readonly("owner", &Leftovers::owner, "'fops up', 'fops ci', ...")
      .def_readonly("groups", &Leftovers::groups)
      .def_readonly("stopped", &Leftovers::stopped)
      .def_readonly("still_running", &Leftovers::still_running)
      .def_property_readonly("processes", &Leftovers::processes)
      .def("describe", &Leftovers::Describe);
  py::class_<LeftoverReport>(m, "LeftoverReport")
      .def_readonly("found", &LeftoverReport::found)
      .def_readonly("problems", &LeftoverReport::problems)
      .def("lines", &LeftoverReport::Lines, "describe() of each, then the problems.");
  m.def(
      "find_leftover_processes",
      [](const std::string& state_dir, const Project* project) {
        Redactor secrets = SecretsOf(project);
        py::gil_scoped_release release;
        return FindLeftovers(state_dir, secrets);
      },
      py::arg("state_dir"), py::arg("project") = py::none(),
      "What fops processes that died left running in this repo; changes nothing.");
  m.def(
      "stop_leftover_processes",
      [](const std::string& state_dir, absl::Duration grace, const Project* project) {
        Redactor secrets = SecretsOf(project);
        py::gil_scoped_release release;
        return StopLeftovers(state_dir, grace, secrets);
      },
      py::arg("state_dir"), py::arg("grace") = absl::Seconds(2), py::arg("project") = py::none(),
      "Stops what fops processes that died left running (SIGTERM, grace, SIGKILL) and removes "
      "their records; returns what it stopped.");
}

}  // namespace

void BindExec(py::module_& m) {
  BindValues(m);
  BindExecutors(m);
  BindLeftovers(m);
  m.def("shell_quote", [](const std::string& word) { return ShellQuote(word); }, py::arg("word"));
  m.def("shell_join", &ShellJoin, py::arg("argv"), "argv as one line a POSIX shell reads back.");
  m.def("glob_match", [](const std::string& p, const std::string& t) { return GlobMatch(p, t); },
        py::arg("pattern"), py::arg("text"));
  m.def("prefix_line", [](const std::string& r, const std::string& l) { return PrefixLine(r, l); },
        py::arg("resource"), py::arg("line"), "Tilt's prefix: name right-aligned to 13 columns, ' │ '.");
}

}  // namespace fops::python
