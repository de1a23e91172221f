// Python shims for the policy layer: fops.Guard, the guard the engine
// applies, and the rule table `fops guard --rules` and `--explain` print.
//
//   guard = fops.Guard(mode="development", dev_namespaces=["fractalops-dev"])
//   guard.check(["kubectl", "get", "pods"])        # None: allowed
//   guard.check_shell("kubectl set image ...")     # raises fops.PolicyError
//   guard.refusal("argocd app sync api")           # ("argo-sync-outside-deploy", "refused by ...")
//   guard.script_refusals(text)                    # [(line, command, rule id, message), ...]
//   fops._fops.explain_guard_rule("kubectl-mutation")
#include <pybind11/stl.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings.h"
#include "fops/model/mode.h"
#include "fops/policy/guard.h"
#include "policy_bindings.h"

namespace fops::python {
namespace py = pybind11;

namespace {

CommandSpec SpecFor(py::handle command, std::map<std::string, std::string> env, std::string dir) {
  CommandSpec spec;
  if (py::isinstance<py::str>(command)) {
    spec.argv = {"sh", "-c", command.cast<std::string>()};
  } else {
    spec.argv = command.cast<std::vector<std::string>>();
  }
  spec.env = std::move(env);
  spec.dir = std::move(dir);
  return spec;
}

Guard MakeGuard(const std::string& mode, std::optional<std::vector<std::string>> dev_namespaces,
                std::optional<std::string> dev_release_suffix,
                std::vector<std::string> dev_releases,
                std::vector<std::pair<std::string, std::string>> staging_targets,
                std::optional<std::vector<std::string>> preview_namespaces,
                std::optional<std::vector<std::string>> release_tags, bool inspect_scripts,
                std::vector<std::string> allowed_contexts, std::string current_context) {
  GuardConfig config;
  config.mode = ValueOrRaise(ParseMode(mode));
  if (dev_namespaces) config.dev_namespaces = *dev_namespaces;
  if (dev_release_suffix) config.dev_release_suffix = *dev_release_suffix;
  config.dev_releases = std::move(dev_releases);
  for (auto& [release, ns] : staging_targets) {
    config.staging_targets.push_back({.release = release, .namespace_name = ns});
  }
  if (preview_namespaces) config.preview_namespaces = *preview_namespaces;
  if (release_tags) config.release_tags = *release_tags;
  config.inspect_scripts = inspect_scripts;
  config.allowed_contexts = std::move(allowed_contexts);
  config.current_context = std::move(current_context);
  RaiseIfError(config.Validate());
  return Guard(std::move(config));
}

}  // namespace

void BindPolicy(py::module_& m) {
  py::class_<Guard, CommandPolicy>(m, "Guard", R"doc(
The guard every command passes before it runs: kubectl for
diagnostics only, Argo CD never paused, `argocd app sync` only in deployment
mode, Helm only into dev releases in dev namespaces (development mode), no
release-tag pushes from the dev loop, no per-preview workspaces or
namespaces. It reads through `sh -c` strings, env, sudo, exec, xargs, ...
Pass it to fops.Engine(policy=...) or check commands directly.
)doc")
      .def(py::init(&MakeGuard), py::kw_only(), py::arg("mode") = "development",
           py::arg("dev_namespaces") = py::none(), py::arg("dev_release_suffix") = py::none(),
           py::arg("dev_releases") = std::vector<std::string>{},
           py::arg("staging_targets") = std::vector<std::pair<std::string, std::string>>{},
           py::arg("preview_namespaces") = py::none(), py::arg("release_tags") = py::none(),
           py::arg("inspect_scripts") = true,
           py::arg("allowed_contexts") = std::vector<std::string>{},
           py::arg("current_context") = "",
           "staging_targets: (release, namespace) pairs a staging run may upgrade; "
           "allowed_contexts: kube contexts Helm may change releases in (empty: not judged), "
           "current_context: the one a helm command without --kube-context uses.")
      .def(
          "check",
          [](const Guard& g, py::object command, std::map<std::string, std::string> env,
             std::string dir) { RaiseIfError(g.Check(SpecFor(command, std::move(env), std::move(dir)))); },
          py::arg("command"), py::arg("env") = std::map<std::string, std::string>{},
          py::arg("dir") = "",
          "None when allowed; raises fops.PolicyError naming the rule. A str is checked as "
          "`sh -c str`, a list as argv. `env`: the command's added environment; `dir`: its "
          "working directory (for relative script paths).")
      .def(
          "check_shell",
          [](const Guard& g, const std::string& script, std::map<std::string, std::string> env,
             std::string dir) {
            CommandSpec spec;
            spec.argv = {"sh", "-c", script};
            spec.env = std::move(env);
            spec.dir = std::move(dir);
            RaiseIfError(g.Check(spec));
          },
          py::arg("script"), py::arg("env") = std::map<std::string, std::string>{},
          py::arg("dir") = "", "check() of `sh -c script`.")
      .def(
          "refusal",
          [](const Guard& g, py::object command, std::map<std::string, std::string> env,
             std::string dir) -> py::object {
            absl::Status status = g.Check(SpecFor(command, std::move(env), std::move(dir)));
            if (status.ok()) return py::none();
            if (status.code() != absl::StatusCode::kFailedPrecondition) ThrowStatus(status);
            return py::make_tuple(GuardRuleOf(status), std::string(status.message()));
          },
          py::arg("command"), py::arg("env") = std::map<std::string, std::string>{},
          py::arg("dir") = "", "None when allowed, else (rule id, message).")
      .def(
          "script_refusals",
          [](const Guard& g, const std::string& script, std::map<std::string, std::string> env,
             std::string dir) {
            CommandSpec spec;
            spec.env = std::move(env);
            spec.dir = std::move(dir);
            std::vector<py::tuple> refusals;
            for (const ScriptRefusal& r : g.CheckScript(script, spec)) {
              refusals.push_back(py::make_tuple(r.line, r.command, GuardRuleOf(r.status),
                                                std::string(r.status.message())));
            }
            return refusals;
          },
          py::arg("script"), py::arg("env") = std::map<std::string, std::string>{},
          py::arg("dir") = "",
          "Every refused command of a shell script, in the order they start: (line, command "
          "text, rule id, message); [] when all are allowed.")
      .def_property_readonly("mode", [](const Guard& g) { return std::string(ModeName(g.config().mode)); })
      .def_property_readonly("dev_namespaces", [](const Guard& g) { return g.config().dev_namespaces; })
      .def_property_readonly("dev_release_suffix", [](const Guard& g) { return g.config().dev_release_suffix; })
      .def_property_readonly("dev_releases", [](const Guard& g) { return g.config().dev_releases; })
      .def_property_readonly("staging_targets", [](const Guard& g) {
        std::vector<std::pair<std::string, std::string>> targets;
        for (const HelmTarget& t : g.config().staging_targets) targets.emplace_back(t.release, t.namespace_name);
        return targets;
      })
      .def_property_readonly("preview_namespaces", [](const Guard& g) { return g.config().preview_namespaces; })
      .def_property_readonly("release_tags", [](const Guard& g) { return g.config().release_tags; })
      .def("is_dev_release", [](const Guard& g, const std::string& r) { return g.config().IsDevRelease(r); })
      .def("is_dev_namespace", [](const Guard& g, const std::string& n) { return g.config().IsDevNamespace(n); })
      .def("__repr__", [](const Guard& g) {
        return "Guard(mode=" + std::string(ModeName(g.config().mode)) + ")";
      });

  m.def(
      "guard_rules",
      [] {
        std::vector<py::tuple> rules;
        for (const GuardRule& r : GuardRules()) {
          rules.push_back(py::make_tuple(std::string(r.id), std::string(r.reason), std::string(r.refuses)));
        }
        return rules;
      },
      "Every guard rule as (id, the one-line reason its refusals give, what it refuses).");
  m.def(
      "explain_guard_rule",
      [](const std::string& rule_id) {
        return ExplainGuardRule(*ValueOrRaise(FindGuardRule(rule_id)));
      },
      py::arg("rule_id"),
      "The full explanation of a rule (what it refuses, why, what to do instead, examples); "
      "fops.ConfigError naming the closest ids for an unknown one.");
  m.def("guard_rule_of", [](const std::string& message) {
    return GuardRuleOf(absl::FailedPreconditionError(message));
  }, py::arg("message"), "The rule id of a refusal message, or ''.");
  m.def("guard_explain_hints", [](const std::string& message) {
    return GuardExplainHints(message);
  }, py::arg("message"),
     "One line per rule refused in `message`: the `fops guard --explain RULE` command for it.");

  BindHelm(m);
  BindModes(m);
}

}  // namespace fops::python
