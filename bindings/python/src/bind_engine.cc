// Python shims for the plan and engine layers: the resource graph, run
// results, the hook interfaces a Python subclass may implement (Observer,
// UpdateGate, Prober) and the Engine. Engine runs release the GIL; Python
// callbacks take it only while they run. With handle_signals=True a run
// installs C++ handlers for SIGINT/SIGTERM/SIGHUP that call
// Engine::RequestStop (Python's own handlers cannot run while the main
// thread waits in C++), and restores the previous handlers afterwards.
// Output, reasons and summaries cross into Python through Text (convert.h):
// bytes that are not UTF-8 become U+FFFD, never a UnicodeDecodeError.
#include <pybind11/stl.h>

#include <optional>
#include <cstdio>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "bindings.h"
#include "convert.h"
#include "fops/engine/engine.h"
#include "fops/engine/observer.h"
#include "fops/engine/prober.h"
#include "fops/engine/reload_plan.h"
#include "fops/engine/run_result.h"
#include "fops/engine/session_control.h"
#include "fops/engine/status_board.h"
#include "fops/engine/status_table.h"
#include "fops/engine/stop_signals.h"
#include "fops/engine/terminal_reporter.h"
#include "fops/engine/terminal_status_view.h"
#include "fops/engine/update_gate.h"
#include "fops/exec/process_executor.h"
#include "fops/model/project_secrets.h"
#include "fops/plan/graph.h"
#include "python_executor.h"

namespace fops::python {
namespace py = pybind11;

namespace {

// Text for a Python callback, made a str (Text) once the GIL is held.
struct AsText {
  std::string_view text;
};

template <typename T>
decltype(auto) ForPython(T&& value) {
  if constexpr (std::is_same_v<std::decay_t<T>, AsText>) {
    return Text(value.text);
  } else {
    return std::forward<T>(value);
  }
}

// Calls the Python override `name` with the GIL; an exception it raises is
// reported as unraisable (printed) instead of unwinding through the engine.
template <typename Base, typename... Args>
void CallOverride(const Base* self, const char* name, Args&&... args) {
  py::gil_scoped_acquire gil;
  py::function override = py::get_override(self, name);
  if (!override) return;
  try {
    override(ForPython(std::forward<Args>(args))...);
  } catch (py::error_already_set& error) {
    error.discard_as_unraisable(name);
  }
}

class PyObserver : public Observer {
 public:
  void OnRunStarted(const RunStart& run) override {
    CallOverride<Observer>(this, "on_run_started", AsText{run.session_id});
  }
  void OnResourceQueued(const Resource& resource, std::string_view reason) override {
    CallOverride<Observer>(this, "on_resource_queued", resource, AsText{reason});
  }
  void OnResourceWaiting(const Resource& resource, ResourceWait wait,
                         std::string_view detail) override {
    CallOverride<Observer>(this, "on_resource_waiting", resource, ResourceWaitName(wait),
                           AsText{detail});
  }
  void OnResourceEnabled(const Resource& resource, bool enabled) override {
    CallOverride<Observer>(this, "on_resource_enabled", resource, enabled);
  }
  void OnResourceStarted(const Resource& resource, std::string_view reason) override {
    CallOverride<Observer>(this, "on_resource_started", resource,
                           AsText{reason});
  }
  void OnCommandStarted(const Resource& resource, const CommandSpec& spec) override {
    CallOverride<Observer>(this, "on_command_started", resource, spec);
  }
  void OnOutput(const Resource& resource, Stream stream, std::string_view line) override {
    CallOverride<Observer>(this, "on_output", resource, stream, AsText{line});
  }
  void OnResourcePaused(const Resource& resource, std::string_view reason) override {
    CallOverride<Observer>(this, "on_resource_paused", resource, AsText{reason});
  }
  void OnResourceReady(const Resource& resource) override {
    CallOverride<Observer>(this, "on_resource_ready", resource);
  }
  void OnReadinessChanged(const Resource& resource, bool ready, std::string_view reason) override {
    CallOverride<Observer>(this, "on_readiness_changed", resource, ready,
                           AsText{reason});
  }
  void OnResourceFinished(const Resource& resource, const ResourceResult& result) override {
    CallOverride<Observer>(this, "on_resource_finished", resource, result);
  }
  void OnReload(const Project& project, const ReloadEvent& event) override {
    CallOverride<Observer>(this, "on_reload", project, event);
  }
  void OnRunFinished(const RunResult& result) override {
    CallOverride<Observer>(this, "on_run_finished", result);
  }
};

// Status for a Python exception raised by a hook.
absl::Status StatusFromPython(py::error_already_set& error, absl::StatusCode code) {
  return absl::Status(code, std::string(py::str(error.value())));
}

class PyUpdateGate : public UpdateGate {
 public:
  absl::StatusOr<GateDecision> Check(const Resource& resource) override {
    py::gil_scoped_acquire gil;
    py::function check = py::get_override(static_cast<const UpdateGate*>(this), "check");
    if (!check) return GateDecision{.run = true, .reason = ""};
    try {
      py::object value = check(resource);
      if (py::isinstance<GateDecision>(value)) return value.cast<GateDecision>();
      if (py::isinstance<py::tuple>(value) && py::len(value) == 2) {
        return GateDecision{.run = py::bool_(value[py::int_(0)]),
                            .reason = py::str(value[py::int_(1)])};
      }
      return GateDecision{.run = py::bool_(value), .reason = ""};
    } catch (py::error_already_set& error) {
      return StatusFromPython(error, absl::StatusCode::kInternal);
    }
  }
  absl::Status Record(const Resource& resource) override {
    py::gil_scoped_acquire gil;
    py::function record = py::get_override(static_cast<const UpdateGate*>(this), "record");
    if (!record) return absl::OkStatus();
    try {
      record(resource);
      return absl::OkStatus();
    } catch (py::error_already_set& error) {
      return StatusFromPython(error, absl::StatusCode::kInternal);
    }
  }
};

class PyProber : public Prober {
 public:
  absl::Status Check(const Probe& probe) override {
    py::gil_scoped_acquire gil;
    py::function check = py::get_override(static_cast<const Prober*>(this), "check");
    if (!check) return absl::UnimplementedError("fops.Prober subclass does not define check(probe)");
    try {
      py::object value = check(probe);
      if (value.is_none() || (py::isinstance<py::bool_>(value) && value.cast<bool>())) {
        return absl::OkStatus();
      }
      return absl::UnavailableError(py::isinstance<py::bool_>(value) ? "not ready"
                                                                     : std::string(py::str(value)));
    } catch (py::error_already_set& error) {
      return StatusFromPython(error, absl::StatusCode::kUnavailable);
    }
  }
};

// The Python-facing engine: owns the C++ Engine and keeps alive every
// Python object it points into (executor, policy, gate, observers).
class PyEngine {
 public:
  PyEngine(const Project& project, py::object executor, std::vector<std::string> selection,
           int max_parallel, absl::Duration timeout, bool force, py::object policy, py::object gate,
           py::object prober, py::list observers, py::object reporter, py::object board) {
    if (executor.is_none()) executor = py::cast(std::make_unique<ProcessExecutor>());
    executor_ = executor;
    Executor& ex = executor.cast<Executor&>();
    if (auto* python = dynamic_cast<PythonExecutor*>(&ex)) python->Prepare();

    EngineOptions options;
    options.selection = std::move(selection);
    options.max_parallel = max_parallel;
    options.timeout = timeout;
    options.force = force;
    if (!policy.is_none()) options.policy = policy.cast<CommandPolicy*>();
    if (!gate.is_none()) options.gate = gate.cast<UpdateGate*>();
    if (!prober.is_none()) options.prober = prober.cast<Prober*>();
    // The status board first: every view reads it, so it knows of an event
    // before anything reports it.
    StatusBoard* status = board.is_none() ? nullptr : board.cast<StatusBoard*>();
    if (status != nullptr) options.observers.push_back(status);
    if (!reporter.is_none()) {
      std::string stream = py::str(reporter);
      if (stream != "stdout" && stream != "stderr" && stream != "live") {
        throw py::value_error("reporter must be None, 'stdout', 'stderr' or 'live'");
      }
      if (stream == "live" && status == nullptr) {
        throw py::value_error("reporter='live' needs a board (a fops.StatusBoard)");
      }
      if (stream == "live" && TerminalStatusView::Supported(stdout)) {
        view_ = std::make_unique<TerminalStatusView>(stdout, *status);
        options.observers.push_back(view_.get());
        reporter_ = std::make_unique<TerminalReporter>(*view_);
      } else {
        reporter_ = std::make_unique<TerminalReporter>(stream == "stderr" ? stderr : stdout);
      }
      options.observers.push_back(reporter_.get());
    }
    board_ = status;
    for (py::handle observer : observers) options.observers.push_back(observer.cast<Observer*>());
    keep_alive_ = py::make_tuple(policy, gate, prober, observers, board);
    absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(project, ex, std::move(options));
    if (!engine.ok()) ThrowStatus(engine.status(), ProjectRedactor(project));
    engine_ = *std::move(engine);
  }

  ~PyEngine() { Close(); }

  RunResult Run(bool up, bool handle_signals) {
    if (!engine_) throw py::value_error("the engine is closed");
    if (running_) throw py::value_error("the engine is already running");
    FlushPython();
    running_ = true;
    RunResult result;
    {
      py::gil_scoped_release release;
      std::optional<StopSignalScope> signals;
      if (handle_signals) signals.emplace(engine_.get());
      result = up ? engine_->Up() : engine_->Ci();
      std::fflush(stdout);
      std::fflush(stderr);
      stop_signal_ = signals ? signals->received() : 0;
    }
    running_ = false;
    return result;
  }

  void RequestStop() {
    if (engine_) engine_->RequestStop();
  }

  void Trigger(const std::string& name) {
    if (!engine_) throw py::value_error("the engine is closed");
    RaiseIfError(engine_->Trigger(name));
  }

  void SetEnabled(const std::string& name, bool enabled) {
    if (!engine_) throw py::value_error("the engine is closed");
    RaiseIfError(engine_->SetEnabled(name, enabled));
  }

  ReloadPlan Reload(const Project& project) {
    if (!engine_) throw py::value_error("the engine is closed");
    absl::StatusOr<ReloadPlan> plan;
    {
      py::gil_scoped_release release;  // the policy may be a Python one
      plan = engine_->Reload(project);
    }
    if (!plan.ok()) ThrowStatus(plan.status(), ProjectRedactor(project));
    return *std::move(plan);
  }

  void ReloadFailed(const std::string& error) {
    if (!engine_) throw py::value_error("the engine is closed");
    engine_->ReloadFailed(error);
  }

  // Answers `fops trigger` on <state_dir>/session.sock until Close().
  std::string Listen(const std::string& state_dir) {
    if (!engine_) throw py::value_error("the engine is closed");
    if (control_) throw py::value_error("the engine already listens on " + control_->path().string());
    control_ = ValueOrRaise(SessionControl::Start(state_dir, *engine_, board_));
    return control_->path().string();
  }

  void StopListening() {
    if (!control_) return;
    py::gil_scoped_release release;  // a request being answered finishes first
    control_.reset();
  }

  // Stops whatever still runs (waits with the GIL released).
  void Close() {
    StopListening();  // before the engine it asks
    if (!engine_) return;
    std::unique_ptr<Engine> engine = std::move(engine_);
    if (PyGILState_Check()) {
      py::gil_scoped_release release;
      engine.reset();
      view_.reset();
    } else {
      engine.reset();
      view_.reset();
    }
  }

  const Project& project() const {
    if (!engine_) throw py::value_error("the engine is closed");
    return engine_->project();
  }
  int stop_signal() const { return stop_signal_; }
  py::object executor() const { return executor_; }

 private:
  static void FlushPython() {
    for (const char* name : {"stdout", "stderr"}) {
      py::object stream = py::module_::import("sys").attr(name);
      if (!stream.is_none() && py::hasattr(stream, "flush")) stream.attr("flush")();
    }
  }

  py::object executor_;
  py::tuple keep_alive_;
  StatusBoard* board_ = nullptr;  // kept alive by keep_alive_
  std::unique_ptr<TerminalStatusView> view_;
  std::unique_ptr<TerminalReporter> reporter_;
  std::unique_ptr<Engine> engine_;  // destroyed before what it points into
  std::unique_ptr<SessionControl> control_;  // last: destroyed before the engine it asks
  bool running_ = false;
  int stop_signal_ = 0;
};

void BindResults(py::module_& m) {
  py::enum_<ResourceStatus>(m, "ResourceStatus", "A resource's status in a run.")
      .value("NOT_RUN", ResourceStatus::kNotRun)
      .value("PENDING", ResourceStatus::kPending)
      .value("RUNNING", ResourceStatus::kRunning)
      .value("SUCCEEDED", ResourceStatus::kSucceeded)
      .value("UP_TO_DATE", ResourceStatus::kUpToDate)
      .value("FAILED", ResourceStatus::kFailed)
      .value("BLOCKED", ResourceStatus::kBlocked)
      .value("CANCELLED", ResourceStatus::kCancelled)
      .def_property_readonly("label", [](ResourceStatus s) { return std::string(ResourceStatusName(s)); },
                             "'succeeded', 'failed', 'up to date', ...");

  py::class_<ResourceResult>(m, "ResourceResult", "What happened to one resource in a run.")
      .def(py::init<>())
      .def_readwrite("name", &ResourceResult::name)
      .def_readwrite("status", &ResourceResult::status)
      .def_readwrite("duration", &ResourceResult::duration, "Seconds.")
      .def_property(
          "reason", [](const ResourceResult& r) { return Text(r.reason); },
          [](ResourceResult& r, std::string reason) { r.reason = std::move(reason); })
      .def_property(
          "last_lines", [](const ResourceResult& r) { return TextList(r.last_lines); },
          [](ResourceResult& r, std::vector<std::string> lines) { r.last_lines = std::move(lines); })
      .def("__repr__", [](const ResourceResult& r) {
        return Text("ResourceResult(" + r.name + ": " + std::string(ResourceStatusName(r.status)) +
                    (r.reason.empty() ? "" : ", " + r.reason) + ")");
      });

  py::class_<RunResult>(m, "RunResult", "What a run did: a result per resource, in declaration order.")
      .def(py::init<>())
      .def_readwrite("ok", &RunResult::ok, "Every resource that was to run succeeded.")
      .def_property(
          "error", [](const RunResult& r) { return Text(r.error); },
          [](RunResult& r, std::string error) { r.error = std::move(error); },
          "Run-level failure: 'timed out after 30m0s', 'interrupted'.")
      .def_readwrite("duration", &RunResult::duration, "Seconds.")
      .def_readwrite("resources", &RunResult::resources)
      .def(
          "find",
          [](const RunResult& r, const std::string& name) -> std::optional<ResourceResult> {
            const ResourceResult* found = r.Find(name);
            if (found == nullptr) return std::nullopt;
            return *found;
          },
          py::arg("name"), "The ResourceResult for `name`, or None.")
      .def("__getitem__",
           [](const RunResult& r, const std::string& name) {
             const ResourceResult* found = r.Find(name);
             if (found == nullptr) throw py::key_error(name);
             return *found;
           })
      .def("__bool__", [](const RunResult& r) { return r.ok; })
      .def("summary", [](const RunResult& r) { return Text(FormatSummary(r)); },
           "The summary table `fops ci` prints.")
      .def("__repr__", [](const RunResult& r) {
        return Text(std::string("RunResult(") + (r.ok ? "ok" : "failed") +
                    (r.error.empty() ? "" : ": " + r.error) + ", " +
                    std::to_string(r.resources.size()) + " resources)");
      });

  m.def("format_summary", [](const RunResult& r) { return Text(FormatSummary(r)); }, py::arg("result"),
        "The summary table (resource, status, duration, reason) and failures' last lines.");
}

void BindGraph(py::module_& m) {
  py::class_<ResourceGraph>(m, "ResourceGraph", "Resources as nodes, resource_deps as edges; validated.")
      .def_static("build", [](std::vector<Resource> resources) { return ValueOrRaise(ResourceGraph::Build(std::move(resources))); },
                  py::arg("resources"),
                  "Validates; ConfigError listing every problem with its Tiltfile line.")
      .def_property_readonly("size", &ResourceGraph::size)
      .def("__len__", &ResourceGraph::size)
      .def_property_readonly("resources", &ResourceGraph::resources)
      .def("resource", [](const ResourceGraph& g, int i) {
        if (i < 0 || i >= g.size()) throw py::index_error(std::to_string(i));
        return g.resource(i);
      }, py::arg("index"))
      .def("find", [](const ResourceGraph& g, const std::string& name) { return g.Find(name); }, py::arg("name"),
           "Index of `name`, or -1.")
      .def("deps", &ResourceGraph::deps, py::arg("index"))
      .def("dependents", &ResourceGraph::dependents, py::arg("index"))
      .def("chain_length", &ResourceGraph::chain_length, py::arg("index"))
      .def_property_readonly("topological_order", &ResourceGraph::topological_order)
      .def("closure", [](const ResourceGraph& g, const std::vector<std::string>& names) {
        return ValueOrRaise(g.Closure(names));
      }, py::arg("names"), "Indexes of `names` plus their deps, in topological order.")
      .def("to_dot", &ResourceGraph::ToDot, "The graph in Graphviz DOT.");
}

void BindHooks(py::module_& m) {
  py::class_<Observer, PyObserver>(m, "Observer", R"doc(
Receives what the engine does, in order, on the engine's thread. Subclass and
define any of on_run_started(session_id), on_resource_queued(resource,
reason), on_resource_waiting(resource, wait, detail) (wait: 'deps', 'slot',
'inputs' or 'probe'), on_resource_enabled(resource, enabled),
on_resource_started(resource, reason), on_command_started(resource, spec), on_output(resource, stream,
line), on_resource_ready(resource), on_readiness_changed(resource, ready,
reason) (a ready server lost readiness after failure_threshold failed probes,
or regained it), on_resource_paused(resource, reason) (it kept re-running
itself through its own outputs; an edit or a trigger resumes it),
on_resource_finished(resource, result), on_run_finished(result).
Must not block; exceptions are printed, not raised. Every text it receives has
the run's secrets replaced by [REDACTED]; bytes that are not UTF-8 arrive as
U+FFFD.)doc")
      .def(py::init<>());

  py::class_<GateDecision>(m, "GateDecision")
      .def(py::init([](bool run, std::string reason) { return GateDecision{run, std::move(reason)}; }),
           py::arg("run") = true, py::arg("reason") = "")
      .def_readwrite("run", &GateDecision::run)
      .def_property(
          "reason", [](const GateDecision& d) { return Text(d.reason); },
          [](GateDecision& d, std::string reason) { d.reason = std::move(reason); });

  py::class_<UpdateGate, PyUpdateGate>(m, "UpdateGate", R"doc(
Skip-if-unchanged. Subclass and define check(resource) -> GateDecision |
(run, reason) | bool, and record(resource) after a success.)doc")
      .def(py::init<>());

  py::class_<Prober, PyProber>(m, "Prober", R"doc(
One readiness attempt. Subclass and define check(probe): None/True when
ready; False, a reason str or an exception when not.)doc")
      .def(py::init<>());

  py::class_<TerminalReporter, Observer>(m, "TerminalReporter",
                                         "Prints a run with Tilt's prefixes and the summary table.")
      .def(py::init([](const std::string& stream) {
             if (stream != "stdout" && stream != "stderr") {
               throw py::value_error("stream must be 'stdout' or 'stderr'");
             }
             return std::make_unique<TerminalReporter>(stream == "stdout" ? stdout : stderr);
           }),
           py::arg("stream") = "stdout");
}

void BindReload(py::module_& m) {
  py::class_<ReloadPlan>(m, "ReloadPlan", "What Engine.reload() changes: names of resources.")
      .def_readonly("added", &ReloadPlan::added)
      .def_readonly("removed", &ReloadPlan::removed)
      .def_readonly("changed", &ReloadPlan::changed)
      .def_readonly("unchanged", &ReloadPlan::unchanged)
      .def("__str__", [](const ReloadPlan& p) { return DescribeReload(p); })
      .def("__bool__", [](const ReloadPlan& p) { return !p.empty(); });
  py::class_<ReloadEvent>(m, "ReloadEvent", "What a reload did (Observer.on_reload).")
      .def_readonly("added", &ReloadEvent::added)
      .def_readonly("removed", &ReloadEvent::removed)
      .def_readonly("changed", &ReloadEvent::changed)
      .def_readonly("error", &ReloadEvent::error, "Non-empty: nothing was applied.");
}

void BindEngineClass(py::module_& m) {
  py::class_<PyEngine>(m, "Engine", R"doc(
Runs a project's resources through an executor (default: a ProcessExecutor).
ci() and up() release the GIL while they wait; request_stop() may be called
from any thread. With handle_signals=True, SIGINT/SIGTERM/SIGHUP stop the run
(the `fops` command uses this).)doc")
      .def(py::init<const Project&, py::object, std::vector<std::string>, int, absl::Duration, bool,
                    py::object, py::object, py::object, py::list, py::object, py::object>(),
           py::arg("project"), py::arg("executor") = py::none(),
           py::arg("selection") = std::vector<std::string>{}, py::arg("max_parallel") = 0,
           py::arg("timeout") = absl::ZeroDuration(), py::arg("force") = false,
           py::arg("policy") = py::none(), py::arg("gate") = py::none(), py::arg("prober") = py::none(),
           py::arg("observers") = py::list(), py::arg("reporter") = py::none(),
           py::arg("board") = py::none())
      .def("ci", [](PyEngine& e, bool handle_signals) { return e.Run(false, handle_signals); },
           py::arg("handle_signals") = false,
           "Runs the selection until done (serve resources: ready), then stops serve processes.")
      .def("up", [](PyEngine& e, bool handle_signals) { return e.Run(true, handle_signals); },
           py::arg("handle_signals") = false, "Like ci(), then keeps serving until request_stop().")
      .def("request_stop", &PyEngine::RequestStop, "Ends ci()/up() soon. Thread-safe.")
      .def("trigger", &PyEngine::Trigger, py::arg("name"),
           "Queues one update of `name` (and its deps that have not succeeded) in the running "
           "up(); thread-safe. ConfigError (NOT_FOUND) for an unknown name, PolicyError "
           "(FAILED_PRECONDITION) when up() is not running.")
      .def("set_enabled", &PyEngine::SetEnabled, py::arg("name"), py::arg("enabled"),
           "Disables or enables `name` in the running up(): a disabled resource is not run by "
           "file changes or triggers. Thread-safe. ConfigError (NOT_FOUND) for an unknown name, "
           "PolicyError (FAILED_PRECONDITION) when up() is not running.")
      .def("reload", &PyEngine::Reload, py::arg("project"),
           "Replaces the project of the running up() with `project` (the Tiltfile loaded "
           "again): added resources start, removed ones stop, changed ones restart, unchanged "
           "ones keep running. Checked first (graph, selection, guard over what is added or "
           "changed); on error nothing changes and the error is raised (PolicyError for a "
           "refusal) and shown by the views. Returns the ReloadPlan. Thread-safe.")
      .def("reload_failed", &PyEngine::ReloadFailed, py::arg("error"),
           "Tells the running up() that a reload could not load (`error` naming file:line): "
           "nothing changes; the views show the error until the next good reload.")
      .def("listen", &PyEngine::Listen, py::arg("state_dir"),
           "Answers `fops trigger`, `fops status` and `fops logs` on <state_dir>/session.sock "
           "until close() or stop_listening(); returns the socket's path.")
      .def("stop_listening", &PyEngine::StopListening,
           "Stops answering and removes the socket; idempotent.")
      .def("close", &PyEngine::Close, "Stops everything still running.")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyEngine& e, py::args) { e.Close(); })
      .def_property_readonly("project", &PyEngine::project)
      .def_property_readonly("executor", &PyEngine::executor)
      .def_property_readonly("stop_signal", &PyEngine::stop_signal,
                             "The signal that stopped the last run (handle_signals=True), or 0.");
}

void BindStatusBoard(py::module_& m) {
  py::class_<StatusBoard, Observer>(m, "StatusBoard", R"doc(
The live status of a session, which every view reads (docs/views.md): pass it
as Engine(board=...). Thread-safe: snapshot_json(), logs_json() and
wait_for_change() may be called from any thread (they release the GIL).)doc")
      .def(py::init([](const Project& project, const std::string& command, const std::string& mode,
                       size_t log_bytes) {
             return std::make_unique<StatusBoard>(
                 project, StatusBoardOptions{.command = command, .mode = mode, .log_bytes = log_bytes});
           }),
           py::arg("project"), py::arg("command") = "up", py::arg("mode") = "",
           py::arg("log_bytes") = 256 * 1024)
      .def("snapshot_json", [](const StatusBoard& b) {
             py::gil_scoped_release release;
             return b.SnapshotJson();
           }, "The whole status as one line of JSON.")
      .def("logs_json", [](const StatusBoard& b, const std::string& resource, uint64_t after,
                           size_t limit) {
             absl::StatusOr<std::string> out;
             {
               py::gil_scoped_release release;
               out = b.LogsJson(resource, after, limit);
             }
             return ValueOrRaise(std::move(out));
           }, py::arg("resource") = "", py::arg("after") = 0, py::arg("limit") = 2000,
           "Kept log lines after seq `after` as JSON; ConfigError (NOT_FOUND) for an unknown name.")
      .def_property_readonly("version", &StatusBoard::version)
      .def_property_readonly("finished", &StatusBoard::finished)
      .def("wait_for_change", [](const StatusBoard& b, uint64_t seen, absl::Duration timeout) {
             py::gil_scoped_release release;
             return b.WaitForChange(seen, timeout);
           }, py::arg("seen"), py::arg("timeout"),
           "Blocks (GIL released) until the version differs from `seen` or `timeout` seconds "
           "pass; returns the version.")
      .def("poke", &StatusBoard::Poke, "Wakes every wait_for_change() at once.")
      .def("set_web_url", &StatusBoard::SetWebUrl, py::arg("url"));

  m.def("format_status_table",
        [](const std::string& snapshot, int width, int max_lines, bool color, bool local_time) {
          return ValueOrRaise(FormatStatusTable(
              snapshot, {.width = width, .max_lines = max_lines, .color = color,
                         .local_time = local_time}));
        },
        py::arg("snapshot"), py::arg("width") = 100, py::arg("max_lines") = 0,
        py::arg("color") = false, py::arg("local_time") = true,
        "The status table (lines) of a snapshot, as `fops up` keeps it below its log.");
}

void BindSessionControl(py::module_& m) {
  m.def(
      "send_session_request",
      [](const std::string& state_dir, const std::string& request, absl::Duration timeout) {
        absl::StatusOr<std::string> answer;
        {
          py::gil_scoped_release release;
          answer = SendSessionRequest(state_dir, request, timeout);
        }
        return ValueOrRaise(std::move(answer));
      },
      py::arg("state_dir"), py::arg("request"), py::arg("timeout") = absl::Seconds(10),
      "Sends one request line (status, logs ..., trigger ...) to the `fops up` session "
      "listening in `state_dir`; returns the text of its ok answer.");
  m.def("session_socket_path",
        [](const std::string& state_dir) { return SessionSocketPath(state_dir).string(); },
        py::arg("state_dir"), "<state_dir>/session.sock, where a `fops up` session listens.");
  m.def(
      "request_trigger",
      [](const std::string& state_dir, const std::vector<std::string>& names, absl::Duration timeout) {
        absl::StatusOr<std::string> answer;
        {
          py::gil_scoped_release release;
          answer = RequestTrigger(state_dir, names, timeout);
        }
        return ValueOrRaise(std::move(answer));
      },
      py::arg("state_dir"), py::arg("names"), py::arg("timeout") = absl::Seconds(10),
      "Asks the `fops up` session listening in `state_dir` to trigger `names`; returns its "
      "answer. UnavailableError when none listens, ConfigError (NOT_FOUND) for unknown names.");
}

}  // namespace

void BindEngine(py::module_& m) {
  BindResults(m);
  BindGraph(m);
  BindHooks(m);
  BindReload(m);
  BindEngineClass(m);
  BindStatusBoard(m);
  BindSessionControl(m);
}

}  // namespace fops::python
