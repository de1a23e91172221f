// Python shims for the model layer: plain values with read/write
// properties. Lists and dicts are copied in and out (pybind11's STL
// conversion), so `r.deps.append(x)` changes a copy: assign instead
// (`r.deps = r.deps + [x]`). Command-valued fields also take a string
// (run with `sh -c`, as Tilt does) or a list (argv, no shell).
#include <pybind11/operators.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bindings.h"
#include "convert.h"
#include "fops/base/flag_value.h"
#include "fops/base/session_lock.h"
#include "fops/base/state_dir.h"
#include "fops/model/command.h"
#include "fops/model/kube_config.h"
#include "fops/model/probe.h"
#include "fops/model/project_json.h"
#include "fops/model/project_secrets.h"
#include "fops/model/resource.h"

namespace fops::python {
namespace py = pybind11;

namespace {

// Command, str (shell), list/tuple of str (argv) or None (empty).
Command CommandFromPython(py::handle value, const char* field) {
  if (value.is_none()) return Command();
  if (py::isinstance<Command>(value)) return value.cast<Command>();
  if (py::isinstance<py::str>(value)) return Command::Shell(value.cast<std::string>());
  if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
    std::vector<std::string> argv;
    for (py::handle word : value) {
      if (!py::isinstance<py::str>(word)) {
        throw py::type_error(std::string(field) + ": argv items must be str, got " +
                             std::string(py::str(py::type::of(word).attr("__name__"))));
      }
      argv.push_back(word.cast<std::string>());
    }
    return Command::Argv(std::move(argv));
  }
  throw py::type_error(std::string(field) + ": expected a str, a list of str or a Command, got " +
                       std::string(py::str(py::type::of(value).attr("__name__"))));
}

std::string Repr(const Command& command) {
  if (command.empty()) return "Command()";
  if (command.is_shell()) return "Command(" + std::string(py::repr(py::str(command.script()))) + ")";
  return "Command(" + std::string(py::repr(py::cast(command.argv()))) + ")";
}

void BindCommand(py::module_& m) {
  py::class_<Command>(m, "Command",
                      "A command: a str runs with `sh -c` (as in Tilt), a list runs as argv.")
      .def(py::init<>())
      .def(py::init([](py::object value) { return CommandFromPython(value, "Command"); }),
           py::arg("command"), "Command('make app') runs with sh -c; Command(['make', 'app']) does not.")
      .def_static("shell", &Command::Shell, py::arg("script"), "A command run by `sh -c script`.")
      .def_static("from_argv", &Command::Argv, py::arg("argv"), "A command run as argv, no shell.")
      .def_property_readonly("empty", &Command::empty, "True when there is nothing to run.")
      .def_property_readonly("is_shell", &Command::is_shell, "True for a `sh -c` command.")
      .def_property_readonly("script", &Command::script, "The script of a shell command, else ''.")
      .def_property_readonly("argv", &Command::argv, "The argv executed (['sh', '-c', script] for shell).")
      .def("__str__", &Command::ToString)
      .def("__repr__", [](const Command& c) { return Repr(c); })
      .def("__bool__", [](const Command& c) { return !c.empty(); })
      .def(py::self == py::self)
      .def("__hash__", [](const Command& c) { return py::hash(py::make_tuple(c.is_shell(), c.ToString())); })
      .def("__copy__", [](const Command& c) { return c; })
      .def("__deepcopy__", [](const Command& c, py::dict) { return c; }, py::arg("memo"));
}

void BindProbe(py::module_& m) {
  py::class_<HttpGetAction>(m, "HttpGetAction", "GET scheme://host:port/path; ready on 2xx/3xx.")
      .def(py::init([](int port, std::string host, std::string path, std::string scheme) {
             return HttpGetAction{.host = std::move(host), .port = port, .path = std::move(path),
                                  .scheme = std::move(scheme)};
           }),
           py::arg("port") = 0, py::arg("host") = "127.0.0.1", py::arg("path") = "/",
           py::arg("scheme") = "http")
      .def_readwrite("host", &HttpGetAction::host)
      .def_readwrite("port", &HttpGetAction::port)
      .def_readwrite("path", &HttpGetAction::path)
      .def_readwrite("scheme", &HttpGetAction::scheme)
      .def(py::self == py::self)
      .def("__repr__", [](const HttpGetAction& a) {
        return "HttpGetAction(" + a.scheme + "://" + a.host + ":" + std::to_string(a.port) + a.path + ")";
      });

  py::class_<TcpSocketAction>(m, "TcpSocketAction", "Ready when host:port accepts a connection.")
      .def(py::init([](int port, std::string host) {
             return TcpSocketAction{.host = std::move(host), .port = port};
           }),
           py::arg("port") = 0, py::arg("host") = "127.0.0.1")
      .def_readwrite("host", &TcpSocketAction::host)
      .def_readwrite("port", &TcpSocketAction::port)
      .def(py::self == py::self)
      .def("__repr__", [](const TcpSocketAction& a) {
        return "TcpSocketAction(" + a.host + ":" + std::to_string(a.port) + ")";
      });

  py::class_<ExecAction>(m, "ExecAction", "Ready when the command (argv, no shell) exits 0.")
      .def(py::init([](std::vector<std::string> command) { return ExecAction{std::move(command)}; }),
           py::arg("command") = std::vector<std::string>{})
      .def_readwrite("command", &ExecAction::command)
      .def(py::self == py::self)
      .def("__repr__", [](const ExecAction& a) {
        return "ExecAction(" + std::string(py::repr(py::cast(a.command))) + ")";
      });

  py::class_<Probe>(m, "Probe", "A readiness probe: one action plus timing (seconds).")
      .def(py::init([](py::kwargs kwargs) { return FromKeywords<Probe>("Probe", kwargs); }))
      .def_readwrite("action", &Probe::action, "HttpGetAction, TcpSocketAction or ExecAction.")
      .def_readwrite("initial_delay", &Probe::initial_delay, "Seconds before the first attempt.")
      .def_readwrite("timeout", &Probe::timeout, "Seconds per attempt.")
      .def_readwrite("period", &Probe::period, "Seconds between attempts once ready.")
      .def_readwrite("success_threshold", &Probe::success_threshold)
      .def_readwrite("failure_threshold", &Probe::failure_threshold)
      .def(py::self == py::self)
      .def("__str__", &ProbeToString)
      .def("__repr__", [](const Probe& p) { return "Probe(" + ProbeToString(p) + ")"; });
}

void BindResource(py::module_& m) {
  py::enum_<TriggerMode>(m, "TriggerMode")
      .value("AUTO", TriggerMode::kAuto)
      .value("MANUAL", TriggerMode::kManual);

  py::class_<Link>(m, "Link", "A link shown next to a resource (Tilt's links=).")
      .def(py::init([](std::string url, std::string name) {
             return Link{.url = std::move(url), .name = std::move(name)};
           }),
           py::arg("url") = "", py::arg("name") = "")
      .def_readwrite("url", &Link::url)
      .def_readwrite("name", &Link::name)
      .def(py::self == py::self)
      .def("__repr__", [](const Link& l) { return "Link(" + l.url + (l.name.empty() ? "" : ", " + l.name) + ")"; });

  py::class_<UpdateInputs>(m, "UpdateInputs",
                           "What decides whether an update can be skipped (files and values).")
      .def(py::init([](py::kwargs kwargs) { return FromKeywords<UpdateInputs>("UpdateInputs", kwargs); }))
      .def_readwrite("paths", &UpdateInputs::paths)
      .def_readwrite("ignore", &UpdateInputs::ignore)
      .def_readwrite("values", &UpdateInputs::values)
      .def_readwrite("produces", &UpdateInputs::produces)
      .def_property_readonly("empty", &UpdateInputs::empty)
      .def(py::self == py::self);

  auto command_property = [](auto member, const char* field) {
    return std::make_pair(
        [member](const Resource& r) { return r.*member; },
        [member, field](Resource& r, py::object value) { r.*member = CommandFromPython(value, field); });
  };
  auto [get_cmd, set_cmd] = command_property(&Resource::cmd, "cmd");
  auto [get_serve, set_serve] = command_property(&Resource::serve_cmd, "serve_cmd");

  py::class_<Resource>(m, "Resource", "One unit of work, with Tilt's local_resource fields.")
      .def(py::init([](py::kwargs kwargs) { return FromKeywords<Resource>("Resource", kwargs); }),
           "Resource(name='api', cmd='make api', resource_deps=['db'], ...)")
      .def_readwrite("name", &Resource::name)
      .def_property("cmd", get_cmd, set_cmd, "The update command (str: sh -c; list: argv).")
      .def_property(
          "then_cmds", [](const Resource& r) { return r.then_cmds; },
          [](Resource& r, py::iterable values) {
            std::vector<Command> commands;
            for (py::handle value : values) commands.push_back(CommandFromPython(value, "then_cmds"));
            r.then_cmds = std::move(commands);
          },
          "Commands run in order after cmd.")
      .def_property("serve_cmd", get_serve, set_serve, "The long-running process.")
      .def_readwrite("deps", &Resource::deps)
      .def_readwrite("ignore", &Resource::ignore)
      .def_readwrite("resource_deps", &Resource::resource_deps)
      .def_readwrite("trigger_mode", &Resource::trigger_mode)
      .def_readwrite("auto_init", &Resource::auto_init)
      .def_readwrite("allow_parallel", &Resource::allow_parallel)
      .def_readwrite("labels", &Resource::labels)
      .def_readwrite("env", &Resource::env)
      .def_readwrite("serve_env", &Resource::serve_env)
      .def_readwrite("dir", &Resource::dir)
      .def_readwrite("serve_dir", &Resource::serve_dir)
      .def_readwrite("readiness_probe", &Resource::readiness_probe)
      .def_readwrite("links", &Resource::links)
      .def_readwrite("timeout", &Resource::timeout, "Seconds per command; 0: none.")
      .def_readwrite("inputs", &Resource::inputs)
      .def_readwrite("kind", &Resource::kind)
      .def_property(
          "declared_file", [](const Resource& r) { return r.declared_at.file; },
          [](Resource& r, std::string file) { r.declared_at.file = std::move(file); })
      .def_property(
          "declared_line", [](const Resource& r) { return r.declared_at.line; },
          [](Resource& r, int line) { r.declared_at.line = line; })
      .def_property_readonly(
          "declared_at", [](const Resource& r) { return r.declared_at.ToString(); },
          "'Tiltfile.py:12', or '' when unknown.")
      .def_property_readonly("is_serve", &Resource::is_serve)
      .def("__copy__", [](const Resource& r) { return r; })
      .def("__deepcopy__", [](const Resource& r, py::dict) { return r; }, py::arg("memo"))
      .def("__repr__", [](const Resource& r) {
        std::string repr = "Resource(name=" + std::string(py::repr(py::str(r.name)));
        if (r.kind != "local") repr += ", kind=" + std::string(py::repr(py::str(r.kind)));
        if (r.declared_at.known()) repr += ", declared_at='" + r.declared_at.ToString() + "'";
        return repr + ")";
      });

  py::class_<Settings>(m, "Settings", "Project-wide settings, as Tilt's update_settings().")
      .def(py::init([](py::kwargs kwargs) { return FromKeywords<Settings>("Settings", kwargs); }))
      .def_readwrite("max_parallel_updates", &Settings::max_parallel_updates)
      .def_readwrite("ci_timeout", &Settings::ci_timeout, "Seconds.");

  py::class_<Project>(m, "Project", "A loaded Tiltfile: resources in declaration order, settings.")
      .def(py::init([](py::kwargs kwargs) { return FromKeywords<Project>("Project", kwargs); }))
      .def_readwrite("tiltfile", &Project::tiltfile)
      .def_readwrite("root", &Project::root)
      .def_readwrite("resources", &Project::resources)
      .def_readwrite("settings", &Project::settings)
      .def("__repr__", [](const Project& p) {
        return "Project(" + p.tiltfile + ", " + std::to_string(p.resources.size()) + " resources)";
      });
}

void BindSessionLock(py::module_& m) {
  py::class_<SessionInfo>(m, "SessionInfo", "Who holds a repo's session (session.json).")
      .def_readonly("pid", &SessionInfo::pid)
      .def_readonly("mode", &SessionInfo::mode, "The command it runs: 'up', 'ci'.")
      .def_readonly("tiltfile", &SessionInfo::tiltfile)
      .def_property_readonly(
          "started", [](const SessionInfo& i) { return absl::ToDoubleSeconds(i.started - absl::UnixEpoch()); },
          "Unix seconds (-inf when unknown).")
      .def("__repr__", [](const SessionInfo& i) {
        return "SessionInfo(pid=" + std::to_string(i.pid) + ", mode=" + i.mode + ")";
      });

  py::class_<SessionLock>(m, "SessionLock", R"doc(
The repo's session lock (one dev session per repo), held while the object
lives or until release(); also a context manager.)doc")
      .def_static(
          "acquire",
          [](const std::string& state_dir, int pid, std::string mode, std::string tiltfile) {
            return ValueOrRaise(SessionLock::Acquire(
                state_dir, {.pid = pid, .mode = std::move(mode), .tiltfile = std::move(tiltfile),
                            .started = absl::Now()}));
          },
          py::arg("state_dir"), py::arg("pid"), py::arg("mode"), py::arg("tiltfile") = "",
          "Takes the lock; PolicyError naming the holder's PID when another session has it.")
      .def_static(
          "read_holder",
          [](const std::string& state_dir) { return SessionLock::ReadHolder(state_dir); },
          py::arg("state_dir"), "The live holder's SessionInfo, or None.")
      .def("release", &SessionLock::Release, "Drops the lock; idempotent.")
      .def_property_readonly("info", &SessionLock::info)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](SessionLock& lock, py::args) { lock.Release(); });
}

}  // namespace

void BindKubeConfig(py::module_& m) {
  py::class_<KubeContext>(m, "KubeContext", "One context of a kubeconfig and what it points at.")
      .def_readonly("name", &KubeContext::name)
      .def_readonly("cluster", &KubeContext::cluster)
      .def_readonly("server", &KubeContext::server, "The cluster's API server URL ('' : unknown).")
      .def_readonly("user", &KubeContext::user)
      .def_readonly("namespace", &KubeContext::namespace_name)
      .def_property_readonly("local", [](const KubeContext& c) { return IsLocalCluster(c); },
                             "True for a cluster that can only be on this machine.")
      .def("__repr__", [](const KubeContext& c) {
        return absl::StrCat("KubeContext(", c.name, ", server=", c.server, ")");
      });
  py::class_<KubeConfig>(m, "KubeConfig", R"doc(
The kubeconfig kubectl and Helm read, merged as kubectl merges its files.
KubeConfig.load(KubeConfig.paths(os.environ.get("KUBECONFIG", ""), home)).)doc")
      .def_readonly("files", &KubeConfig::files, "The files that existed and were read.")
      .def_readonly("current_context", &KubeConfig::current_context)
      .def_readonly("contexts", &KubeConfig::contexts)
      .def("find", [](const KubeConfig& c, const std::string& name) -> std::optional<KubeContext> {
        const KubeContext* found = c.Find(name);
        if (found == nullptr) return std::nullopt;
        return *found;
      }, py::arg("name"))
      .def_static("paths", &KubeConfig::Paths, py::arg("kubeconfig_env"), py::arg("home"))
      .def_static("load", [](const std::vector<std::string>& files) {
        return ValueOrRaise(KubeConfig::Load(files));
      }, py::arg("files"), "Reads and merges the files; ConfigError naming file:line.");
}

void BindModel(py::module_& m) {
  BindCommand(m);
  BindKubeConfig(m);
  BindProbe(m);
  BindResource(m);
  BindSessionLock(m);
  m.def("project_to_json", [](const Project& project, bool redact) {
    return redact ? ProjectToRedactedJson(project, ProjectRedactor(project))
                  : ProjectToJson(project);
  }, py::arg("project"), py::arg("redact") = false,
        "The project as JSON (what `fops plan --json` prints and C++ tools load); "
        "redact=True hides env values under secret-looking names, and those values and the "
        "environment's secrets wherever they appear.");
  m.def("project_from_json", [](const std::string& text, const std::string& source) {
    return ValueOrRaise(ProjectFromJson(text, source));
  }, py::arg("text"), py::arg("source") = "<json>", "Parses project JSON; ConfigError naming the field.");
  m.def("parse_flag", &ParseFlag, py::arg("value"),
        "True for 1/true/yes/on, False for 0/false/no/off (any case, blanks ignored), else None: "
        "how every FOPS_* on/off variable is read.");
  m.def("state_dir_for", [](const std::string& tiltfile_dir) { return StateDirFor(tiltfile_dir).string(); },
        py::arg("tiltfile_dir"), "The repo's state directory (.fops/ at the git top, or FOPS_STATE_DIR).");
}

}  // namespace fops::python
