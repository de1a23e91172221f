// Python shims for the cli layer: the plan cache the Python `fops ci`
// records into and the native `fops` command reads (fops/plan_cache.py),
// `fops smoke http` for the Python command, and the quick exit of a command
// that closed everything it opened.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "bindings.h"
#include "fops/cli/cached_ci.h"
#include "fops/cli/plan_cache.h"
#include "fops/cli/smoke_http_command.h"

namespace fops::python {
namespace py = pybind11;

namespace {

PlanInput::Kind KindOrRaise(const std::string& name) {
  std::optional<PlanInput::Kind> kind = PlanInputKindNamed(name);
  if (!kind) throw py::value_error("unknown plan input kind: " + name);
  return *kind;
}

}  // namespace

void BindCli(py::module_& m) {
  m.def("exit_now",
        [](int code) {
          std::fflush(nullptr);
          std::_Exit(code);
        },
        py::arg("code"),
        "Flushes C stdio (what libfops printed) and ends the process with `code` at once: no "
        "interpreter teardown, no static destructors (fops.cli.run).");
  m.def("smoke_http_main",
        [](const std::vector<std::string>& argv) {
          py::gil_scoped_release release;
          return SmokeHttpMain(argv, stdout, stderr);
        },
        py::arg("argv"),
        "`fops smoke http ARGV...`: checks the routes, printing to the process's stdout; "
        "returns the exit code (0 ok, 1 a route failed, 2 bad usage).");
  m.def("plan_cache_setting", &PlanCacheSetting,
        "FOPS_PLAN_CACHE as 'off', 'explain' or 'on', read as the native command reads it.");
  m.def("plan_cache_path",
        [](const std::string& tiltfile, const std::string& subcommand,
           std::vector<std::string> args, std::vector<std::string> resources) {
          return PlanCachePath(
                     MakePlanRequest(tiltfile, subcommand, std::move(args), std::move(resources)))
              .string();
        },
        py::arg("tiltfile"), py::arg("subcommand"), py::arg("args"), py::arg("resources"),
        "Where the plan of `fops SUBCOMMAND -f TILTFILE RESOURCE... -- ARGS` run here lives.");
  m.def("observe_plan_input",
        [](const std::string& kind, const std::string& path) {
          py::gil_scoped_release release;
          return ObservePlanInput(KindOrRaise(kind), path);
        },
        py::arg("kind"), py::arg("path"),
        "What the plan cache records of `path` now: a digest, 'absent', ...");
  m.def("store_plan",
        [](const std::string& tiltfile, const std::string& subcommand,
           std::vector<std::string> args, std::vector<std::string> resources,
           const std::vector<std::tuple<std::string, std::string, std::string>>& inputs,
           std::string load_stdout, std::string load_stderr, const Project& project,
           std::vector<std::string> selection, const Guard& guard) {
          CachedPlan plan;
          plan.request =
              MakePlanRequest(tiltfile, subcommand, std::move(args), std::move(resources));
          for (const auto& [kind, path, observed] : inputs) {
            plan.inputs.push_back({.kind = KindOrRaise(kind), .path = path, .observed = observed});
          }
          plan.load_stdout = std::move(load_stdout);
          plan.load_stderr = std::move(load_stderr);
          plan.project = project;
          plan.selection = std::move(selection);
          plan.guard = guard.config();
          std::filesystem::path path = PlanCachePath(plan.request);
          RaiseIfError(StoreCachedPlan(path, plan));
          return path.string();
        },
        py::arg("tiltfile"), py::arg("subcommand"), py::arg("args"), py::arg("resources"),
        py::arg("inputs"), py::arg("load_stdout"), py::arg("load_stderr"), py::arg("project"),
        py::arg("selection"), py::arg("guard"),
        "Records a load for the native command; returns the plan's path.");
}

}  // namespace fops::python
