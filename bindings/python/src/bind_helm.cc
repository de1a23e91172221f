// Python shims for Helm releases: fops.HelmRelease (the model) and what it
// compiles to (the upgrade argv, the template argv, a Resource of kind
// "helm"). fops/helm.py builds these from helm_release(...) in a Tiltfile.
//
//   r = fops.HelmRelease(name="api", release="fractalops-api-dev",
//                        chart="charts/fractalops-api", namespace="fractalops-dev",
//                        image="ghcr.io/yamonco/fractalops-runtime:dev-1a2b",
//                        autoscaling=(2, 6))
//   r.upgrade_argv()   # ['helm', 'upgrade', '--install', ...]
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings.h"
#include "convert.h"
#include "fops/model/helm_release.h"
#include "fops/plan/helm_upgrade.h"
#include "policy_bindings.h"

namespace fops::python {
namespace py = pybind11;

void BindHelm(py::module_& m) {
  py::class_<HelmRelease>(m, "HelmRelease", R"doc(
A Helm release the dev loop upgrades with `helm upgrade --install` (docs/helm.md).
Fields as keywords: name, release, chart, namespace, values_files,
set_values [(key, value)], image, image_resource, image_keys (repository key,
tag key), image_key (one full-reference key), autoscaling (min, max),
autoscaling_keys (min key, max key), dev, wait, timeout (seconds), atomic,
create_namespace, flags, resource_deps, labels.
)doc")
      .def(py::init([](py::kwargs kwargs) {
        py::object object = py::cast(HelmRelease());
        for (auto [key, value] : kwargs) {
          std::string name = py::str(key);
          if (name.empty() || name[0] == '_' || !py::hasattr(object, name.c_str())) {
            throw py::type_error("HelmRelease() got an unexpected keyword argument '" + name + "'");
          }
          py::setattr(object, name.c_str(), value);
        }
        return object.cast<HelmRelease>();
      }))
      .def_readwrite("name", &HelmRelease::name, "Resource name in fops.")
      .def_readwrite("release", &HelmRelease::release, "Helm release name.")
      .def_readwrite("chart", &HelmRelease::chart, "Chart directory, relative to the resource's dir.")
      .def_readwrite("namespace", &HelmRelease::namespace_name)
      .def_readwrite("values_files", &HelmRelease::values_files, "-f files, in order.")
      .def_readwrite("set_values", &HelmRelease::set_values, "--set (key, value) pairs, in order.")
      .def_readwrite("image", &HelmRelease::image, "Full image reference ('' : none).")
      .def_readwrite("image_resource", &HelmRelease::image_resource, "The image build it depends on.")
      .def_property(
          "image_keys",
          [](const HelmRelease& r) { return std::make_pair(r.image_keys.repository, r.image_keys.tag); },
          [](HelmRelease& r, std::pair<std::string, std::string> keys) {
            r.image_keys.repository = std::move(keys.first);
            r.image_keys.tag = std::move(keys.second);
          },
          "(repository key, tag key); default ('image.repository', 'image.tag').")
      .def_property(
          "image_key", [](const HelmRelease& r) { return r.image_keys.reference; },
          [](HelmRelease& r, std::string key) { r.image_keys.reference = std::move(key); },
          "One key for the full reference instead of the pair ('' : use the pair).")
      .def_property(
          "autoscaling",
          [](const HelmRelease& r) -> std::optional<std::pair<int, int>> {
            if (!r.autoscaling) return std::nullopt;
            return std::make_pair(r.autoscaling->min_replicas, r.autoscaling->max_replicas);
          },
          [](HelmRelease& r, std::optional<std::pair<int, int>> bounds) {
            if (!bounds) {
              r.autoscaling.reset();
              return;
            }
            if (!r.autoscaling) r.autoscaling = HelmAutoscaling{};
            r.autoscaling->min_replicas = bounds->first;
            r.autoscaling->max_replicas = bounds->second;
          },
          "(min replicas, max replicas) of the HPA, or None.")
      .def_property(
          "autoscaling_keys",
          [](const HelmRelease& r) {
            HelmAutoscaling a = r.autoscaling.value_or(HelmAutoscaling{});
            return py::make_tuple(a.min_key, a.max_key, a.enabled_key);
          },
          [](HelmRelease& r, std::vector<std::string> keys) {
            if (keys.size() < 2 || keys.size() > 3) {
              throw py::value_error("autoscaling_keys: expected (min key, max key[, enabled key])");
            }
            if (!r.autoscaling) r.autoscaling = HelmAutoscaling{};
            r.autoscaling->min_key = keys[0];
            r.autoscaling->max_key = keys[1];
            r.autoscaling->enabled_key = keys.size() == 3 ? keys[2] : "";
          },
          "(min key, max key, enabled key); set autoscaling first.")
      .def_readwrite("dev", &HelmRelease::dev)
      .def_readwrite("wait", &HelmRelease::wait)
      .def_readwrite("timeout", &HelmRelease::timeout, "Seconds (--timeout).")
      .def_readwrite("atomic", &HelmRelease::atomic)
      .def_readwrite("create_namespace", &HelmRelease::create_namespace)
      .def_readwrite("flags", &HelmRelease::flags, "Further helm flags, appended as given.")
      .def_readwrite("kube_context", &HelmRelease::kube_context,
                     "The kube context the upgrade is pinned to ('' : Helm's current one).")
      .def_readwrite("kubeconfig", &HelmRelease::kubeconfig, "--kubeconfig file ('' : default).")
      .def_readwrite("resource_deps", &HelmRelease::resource_deps)
      .def_readwrite("labels", &HelmRelease::labels)
      .def_property(
          "declared_file", [](const HelmRelease& r) { return r.declared_at.file; },
          [](HelmRelease& r, std::string file) { r.declared_at.file = std::move(file); })
      .def_property(
          "declared_line", [](const HelmRelease& r) { return r.declared_at.line; },
          [](HelmRelease& r, int line) { r.declared_at.line = line; })
      .def("validate", [](const HelmRelease& r) { RaiseIfError(r.Validate()); },
           "Raises fops.ConfigError naming the Tiltfile line and the field.")
      .def("value_flags", &HelmValueFlags, "-f/--set/--set-string flags, as the upgrade passes them.")
      .def("upgrade_argv", &RenderHelmUpgrade, "The exact `helm upgrade --install` argv.")
      .def("template_argv", &RenderHelmTemplate, "`helm template` with exactly the upgrade's values.")
      .def("inputs", &HelmUpgradeInputs, "What decides whether the upgrade can be skipped.")
      .def("compile", [](const HelmRelease& r) { return ValueOrRaise(CompileHelmRelease(r)); },
           "Validates and returns the Resource (kind 'helm').")
      .def("__copy__", [](const HelmRelease& r) { return r; })
      .def("__deepcopy__", [](const HelmRelease& r, py::dict) { return r; }, py::arg("memo"))
      .def("__repr__", [](const HelmRelease& r) {
        return "HelmRelease(" + r.release + " in " + r.namespace_name + ")";
      });
}

}  // namespace fops::python
