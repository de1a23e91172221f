// Python shims for modes and transitions: the mode store (mode.json), the
// transition plans, and the transitions that need no Tiltfile (up records
// development mode, down stops the session, deploy hands back to Argo CD).
// fops/modes.py and fops/commands/mode.py build on these.
//
//   deploy = fops.DeployTransition(state_dir, ["fractalops-api"], timeout=300)
//   print(deploy.plan())
//   result = deploy.execute(print)   # the GIL is released while it waits
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings.h"
#include "convert.h"
#include "fops/base/session_lock.h"
#include "fops/engine/mode_transition.h"
#include "fops/model/mode.h"
#include "fops/model/mode_state.h"
#include "fops/net/argocd_client.h"
#include "fops/net/http_client.h"
#include "fops/plan/transition.h"
#include "policy_bindings.h"

namespace fops::python {
namespace py = pybind11;

namespace {

// Runs a transition without the GIL; lines reach `on_line` with it. An
// exception from `on_line` is raised once the transition has finished.
TransitionResult Execute(ModeTransition& transition, py::object on_line) {
  std::optional<py::error_already_set> failure;
  TransitionOutput out;
  if (!on_line.is_none()) {
    out = [&on_line, &failure](std::string_view line) {
      py::gil_scoped_acquire gil;
      if (failure) return;
      try {
        on_line(Text(line));
      } catch (py::error_already_set& e) {
        failure.emplace(std::move(e));
      }
    };
  }
  absl::StatusOr<TransitionResult> result;
  {
    py::gil_scoped_release release;
    result = transition.Execute(out);
  }
  if (failure) throw std::move(*failure);
  return ValueOrRaise(std::move(result));
}

// Owns the HTTP client a DeployTransition talks through.
class PyDeployTransition {
 public:
  PyDeployTransition(DeployTransition::Options options)
      : http_(NewCurlHttpClient()), transition_(std::move(options), *http_) {}
  DeployTransition& transition() { return transition_; }

 private:
  std::unique_ptr<HttpClient> http_;
  DeployTransition transition_;
};

std::string ModeString(const std::string& name) { return std::string(ModeName(ValueOrRaise(ParseMode(name)))); }

}  // namespace

void BindModes(py::module_& m) {
  m.def("parse_mode", &ModeString, py::arg("name"),
        "The canonical mode name: development, staging or deployment (also takes dev, "
        "stage, deploy); raises fops.ConfigError otherwise.");

  py::class_<AppRecord>(m, "AppRecord",
                        "What was confirmed about one Argo CD application when deployment mode "
                        "was recorded.")
      .def_readonly("app", &AppRecord::app)
      .def_property_readonly("confirmed", [](const AppRecord& r) {
        return std::string(AppConfirmedName(r.confirmed));
      }, "\"sync requested\", \"Synced Healthy\", \"Degraded\", \"sync failed\", "
         "\"timed out\" or \"not reached\".")
      .def_property_readonly("at", [](const AppRecord& r) -> std::optional<double> {
        if (r.at == absl::InfinitePast()) return std::nullopt;
        return absl::ToUnixMicros(r.at) / 1e6;
      }, "Unix seconds it was confirmed; None when unknown.")
      .def_readonly("revision", &AppRecord::revision)
      .def_property_readonly("detail", [](const AppRecord& r) { return Text(r.detail); })
      .def_property_readonly("synced", &AppRecord::synced,
                             "True when Argo CD accepted a sync request for it.")
      .def("describe", [](const AppRecord& r) { return Text(r.Describe()); })
      .def("__str__", [](const AppRecord& r) { return Text(r.Describe()); })
      .def("__repr__", [](const AppRecord& r) {
        return Text("AppRecord(" + r.app + ": " + r.Describe() + ")");
      });

  py::class_<ModeState>(m, "ModeState", "The recorded mode of a repo (<state_dir>/mode.json).")
      .def_property_readonly("mode", [](const ModeState& s) { return std::string(ModeName(s.mode)); })
      .def_property_readonly("since", [](const ModeState& s) -> std::optional<double> {
        if (!s.recorded()) return std::nullopt;
        return absl::ToUnixMicros(s.since) / 1e6;
      }, "Unix seconds it was recorded; None for the development default.")
      .def_readonly("by", &ModeState::by)
      .def_property_readonly("note", [](const ModeState& s) { return Text(s.note); })
      .def_readonly("targets", &ModeState::targets)
      .def_readonly("apps", &ModeState::apps, "Deployment: an AppRecord per canonical app.")
      .def_property_readonly("recorded", &ModeState::recorded)
      .def("describe", [](const ModeState& s) { return Text(s.Describe()); })
      .def("__str__", [](const ModeState& s) { return Text(s.Describe()); })
      .def("__repr__", [](const ModeState& s) { return Text("ModeState(" + s.Describe() + ")"); });
  m.def("load_mode_state", [](const std::string& state_dir) { return ValueOrRaise(LoadModeState(state_dir)); },
        py::arg("state_dir"), "The recorded mode; development when none is recorded.");
  m.def(
      "save_mode_state",
      [](const std::string& state_dir, const std::string& mode, const std::string& by,
         const std::string& note, std::vector<std::string> targets) {
        RaiseIfError(SaveModeState(state_dir, ModeState{.mode = ValueOrRaise(ParseMode(mode)),
                                                        .since = absl::Now(),
                                                        .by = by,
                                                        .note = note,
                                                        .targets = std::move(targets)}));
      },
      py::arg("state_dir"), py::arg("mode"), py::arg("by") = "", py::arg("note") = "",
      py::arg("targets") = std::vector<std::string>{}, "Records `mode` now, atomically.");

  py::class_<TransitionPlan>(m, "TransitionPlan", "The steps a transition takes; str() prints them.")
      .def_readonly("command", &TransitionPlan::command)
      .def_property_readonly("to", [](const TransitionPlan& p) { return std::string(ModeName(p.to)); })
      .def_readonly("records_mode", &TransitionPlan::records_mode)
      .def_property_readonly("steps", [](const TransitionPlan& p) {
        std::vector<std::pair<std::string, std::string>> steps;
        for (const TransitionStep& s : p.steps) steps.emplace_back(s.action, s.text);
        return steps;
      }, "[(action id, text)] in order.")
      .def("__str__", &TransitionPlan::ToString)
      .def("__repr__", [](const TransitionPlan& p) { return "TransitionPlan(" + p.command + ")"; });

  m.def("plan_up", [](const std::string& state_dir) { return PlanUp(SessionLock::ReadHolder(state_dir)); },
        py::arg("state_dir"));
  m.def("plan_down", [](const std::string& state_dir) { return PlanDown(SessionLock::ReadHolder(state_dir)); },
        py::arg("state_dir"));
  m.def(
      "plan_staging",
      [](const std::string& state_dir, std::vector<std::string> images,
         std::vector<std::pair<std::string, std::string>> live, bool build_only,
         std::vector<std::string> targets) {
        StagingRequest request{.images = std::move(images), .build_only = build_only,
                               .targets = std::move(targets)};
        for (auto& [release, ns] : live) request.live.push_back({.release = release, .namespace_name = ns});
        return PlanStaging(request, SessionLock::ReadHolder(state_dir));
      },
      py::arg("state_dir"), py::arg("images"), py::arg("live"), py::arg("build_only"),
      py::arg("targets") = std::vector<std::string>{});

  py::class_<AppOutcome>(m, "AppOutcome", "How one Argo CD application ended the wait.")
      .def_readonly("app", &AppOutcome::app)
      .def_readonly("ok", &AppOutcome::ok)
      .def_property_readonly("state", [](const AppOutcome& a) { return Text(a.state); })
      .def_property_readonly("line", [](const AppOutcome& a) { return Text(a.line); })
      .def_readonly("record", &AppOutcome::record, "What mode.json keeps for it.")
      .def("__repr__", [](const AppOutcome& a) { return Text("AppOutcome(" + a.line + ")"); });
  py::class_<TransitionResult>(m, "TransitionResult", "What a transition did.")
      .def_readonly("ok", &TransitionResult::ok)
      .def_readonly("recorded", &TransitionResult::recorded, "The mode was written to mode.json.")
      .def_property_readonly("lines", [](const TransitionResult& r) { return TextList(r.lines); })
      .def_readonly("apps", &TransitionResult::apps)
      .def_property_readonly("summary", [](const TransitionResult& r) { return Text(r.summary); })
      .def("__bool__", [](const TransitionResult& r) { return r.ok; });

  py::class_<UpTransition>(m, "UpTransition", "`fops up`: records development mode.")
      .def(py::init<std::string>(), py::arg("state_dir"))
      .def("plan", &UpTransition::Plan)
      .def("execute", [](UpTransition& t, py::object on_line) { return Execute(t, on_line); },
           py::arg("on_line") = py::none());
  py::class_<DownTransition>(m, "DownTransition", "`fops down`: stops the local session; touches no cluster.")
      .def(py::init<std::string, absl::Duration>(), py::arg("state_dir"), py::arg("timeout") = absl::Seconds(30))
      .def("plan", &DownTransition::Plan)
      .def("execute", [](DownTransition& t, py::object on_line) { return Execute(t, on_line); },
           py::arg("on_line") = py::none());

  py::class_<PyDeployTransition>(m, "DeployTransition", R"doc(
`fops mode deploy`: stop the local session, ask Argo CD to sync each app,
wait until every one is Synced and Healthy (or `timeout` seconds), record
deployment mode with what each app confirmed -- only when Argo CD accepted
at least one sync request (result.recorded). Server and token default to ARGOCD_SERVER,
ARGOCD_AUTH_TOKEN and ARGOCD_OPTS, as for the argocd CLI.
)doc")
      .def(py::init([](const std::string& state_dir, std::vector<std::string> apps,
                       std::optional<std::string> server, std::optional<std::string> token,
                       std::optional<bool> insecure, std::optional<bool> plaintext,
                       absl::Duration timeout, absl::Duration stop_timeout, bool prune,
                       std::optional<absl::Duration> poll_interval,
                       std::optional<absl::Duration> request_timeout, std::string by) {
             ArgoCdOptions argocd;
             absl::StatusOr<ArgoCdOptions> from_env = ArgoCdOptions::FromEnvironment();
             if (from_env.ok()) argocd = *from_env;
             if (server) argocd.server = *server;
             if (token) argocd.token = *token;
             if (insecure) argocd.insecure = *insecure;
             if (plaintext) argocd.plaintext = *plaintext;
             if (poll_interval) argocd.poll_interval = *poll_interval;
             if (request_timeout) argocd.request_timeout = *request_timeout;
             if (argocd.server.empty()) RaiseIfError(from_env.status());
             return std::make_unique<PyDeployTransition>(DeployTransition::Options{
                 .state_dir = state_dir, .apps = std::move(apps), .argocd = std::move(argocd),
                 .timeout = timeout, .stop_timeout = stop_timeout, .prune = prune, .by = std::move(by)});
           }),
           py::arg("state_dir"), py::arg("apps"), py::kw_only(), py::arg("server") = py::none(),
           py::arg("token") = py::none(), py::arg("insecure") = py::none(),
           py::arg("plaintext") = py::none(), py::arg("timeout") = absl::Minutes(5),
           py::arg("stop_timeout") = absl::Seconds(30), py::arg("prune") = false,
           py::arg("poll_interval") = py::none(), py::arg("request_timeout") = py::none(),
           py::arg("by") = "fops mode deploy")
      .def("plan", [](PyDeployTransition& t) { return t.transition().Plan(); })
      .def("execute", [](PyDeployTransition& t, py::object on_line) { return Execute(t.transition(), on_line); },
           py::arg("on_line") = py::none(),
           "Runs it; each line reaches on_line(str) as it happens. Raises fops.TimeoutError "
           "when the session does not stop (nothing is synced then).");

  m.def(
      "stop_session",
      [](const std::string& state_dir, absl::Duration timeout) {
        absl::StatusOr<std::optional<SessionInfo>> stopped;
        {
          py::gil_scoped_release release;
          stopped = StopSession(state_dir, timeout);
        }
        return ValueOrRaise(std::move(stopped));
      },
      py::arg("state_dir"), py::arg("timeout") = absl::Seconds(30),
      "SIGTERM to the session holding the repo's lock, then waits until it is free; returns "
      "who was stopped (None: no session).");
}

}  // namespace fops::python
