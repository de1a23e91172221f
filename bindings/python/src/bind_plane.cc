// Python shims for the build plane: ImageRef, the topology (BuildPlane and
// its registries, stages, targets, builder settings, tag policy), cache
// scopes, compiling an image build to a Resource, and the skip-if-unchanged
// gate. The Tiltfile functions built on these are in fops/images.py.
// Hashing a build context can take a while: the GIL is released around it.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bindings.h"
#include "convert.h"
#include "fops/engine/default_effect_checks.h"
#include "fops/engine/input_gate.h"
#include "fops/engine/registry_logins.h"
#include "fops/base/runtime_dir.h"
#include "fops/net/http_client.h"
#include "fops/engine/update_gate.h"
#include "fops/model/build_plane.h"
#include "fops/model/cache_scope.h"
#include "fops/model/image_ref.h"
#include "fops/model/registry.h"
#include "fops/model/tag_policy.h"
#include "fops/plan/image_build.h"
#include "fops/watch/input_digest.h"

namespace fops::python {
namespace py = pybind11;

namespace {

std::string RoleName(const Registry& r) { return std::string(Registry::RoleName(r.role)); }

void BindImageRef(py::module_& m) {
  py::class_<ImageRef>(m, "ImageRef", R"doc(
An image reference in the OCI distribution grammar, normalised as Docker
does: ImageRef.parse("ubuntu") is docker.io/library/ubuntu. A bad reference
raises fops.ConfigError naming the part that is wrong and why.)doc")
      .def_static("parse", [](const std::string& text) { return ValueOrRaise(ImageRef::Parse(text)); },
                  py::arg("text"), "Parses and normalises a reference; ConfigError if it is bad.")
      .def_static("from_parts",
                  [](const std::string& domain, const std::string& path, const std::string& tag,
                     const std::string& digest) {
                    return ValueOrRaise(ImageRef::FromParts(domain, path, tag, digest));
                  },
                  py::arg("domain"), py::arg("path"), py::arg("tag") = "", py::arg("digest") = "",
                  "A reference from its parts (no Docker defaults applied).")
      .def_property_readonly("domain", &ImageRef::domain, "registry host[:port]: 'docker.io', '[::1]:5000'")
      .def_property_readonly("path", &ImageRef::path, "repository path: 'library/ubuntu'")
      .def_property_readonly("tag", &ImageRef::tag, "the tag, or ''")
      .def_property_readonly("digest", &ImageRef::digest, "the digest ('sha256:...'), or ''")
      .def_property_readonly("name", &ImageRef::Name, "domain/path, without tag or digest")
      .def_property_readonly("familiar", &ImageRef::Familiar, "Docker's short form ('ubuntu:22.04')")
      .def("with_tag", [](const ImageRef& r, const std::string& tag) { return ValueOrRaise(r.WithTag(tag)); },
           py::arg("tag"), "The same repository with another tag (and no digest).")
      .def("with_digest",
           [](const ImageRef& r, const std::string& digest) { return ValueOrRaise(r.WithDigest(digest)); },
           py::arg("digest"), "The same reference pinned to a digest.")
      .def("__str__", &ImageRef::String)
      .def("__repr__", [](const ImageRef& r) { return "ImageRef('" + r.String() + "')"; })
      .def("__eq__", [](const ImageRef& a, const ImageRef& b) { return a == b; })
      .def("__hash__", [](const ImageRef& r) { return py::hash(py::str(r.String())); });
}

void BindPlaneValues(py::module_& m) {
  py::class_<Registry>(m, "Registry", "A registry of the build plane and its one role.")
      .def_readonly("name", &Registry::name, "its key in the topology")
      .def_property_readonly("role", &RoleName, "'final', 'mirror' or 'cache'")
      .def_readonly("host", &Registry::host, "host[:port]")
      .def_readonly("namespace", &Registry::namespace_path, "final only: image path prefix")
      .def_readonly("tls_verify", &Registry::tls_verify)
      .def_readonly("mirrors", &Registry::mirrors, "mirror only: upstream domains")
      .def_property_readonly("declared_at", [](const Registry& r) { return r.declared_at.ToString(); })
      .def("check_image_push",
           [](const Registry& r, const std::string& what) { RaiseIfError(r.CheckImagePush(what)); },
           py::arg("what"), "PolicyError unless images may be pushed here (final only).")
      .def("check_cache_use",
           [](const Registry& r, const std::string& what) { RaiseIfError(r.CheckCacheUse(what)); },
           py::arg("what"), "PolicyError unless build cache may live here (cache only).")
      .def("__repr__", [](const Registry& r) {
        return "Registry(" + r.name + ", " + RoleName(r) + ", " + r.host + ")";
      });

  py::class_<Stage>(m, "Stage", "A build stage: its tag template and remote-cache defaults.")
      .def_readonly("name", &Stage::name)
      .def_readonly("tag_template", &Stage::tag_template)
      .def_readonly("cache_import", &Stage::cache_import)
      .def_readonly("cache_export", &Stage::cache_export)
      .def("__repr__", [](const Stage& s) { return "Stage(" + s.name + ", " + s.tag_template + ")"; });

  py::class_<Target>(m, "Target", "An image the project builds, with its defaults.")
      .def_readonly("name", &Target::name)
      .def_readonly("repository", &Target::repository)
      .def_readonly("context", &Target::context)
      .def_readonly("dockerfile", &Target::dockerfile)
      .def_readonly("target_stage", &Target::target_stage)
      .def_readonly("build_args", &Target::build_args)
      .def_readonly("platform", &Target::platform)
      .def("__repr__", [](const Target& t) { return "Target(" + t.name + ")"; });

  py::class_<BuilderSettings>(m, "BuilderSettings", "Which builder, and its options.")
      .def_property_readonly("kind", [](const BuilderSettings& b) { return std::string(BuilderKindName(b.kind)); },
                             "'buildah', 'buildx' or 'buildctl'")
      .def_readonly("platform", &BuilderSettings::platform)
      .def_readonly("cache_mode", &BuilderSettings::cache_mode)
      .def_property_readonly("storage_driver", [](const BuilderSettings& b) { return b.buildah.storage_driver; })
      .def_property_readonly("isolation", [](const BuilderSettings& b) { return b.buildah.isolation; })
      .def_property_readonly("root", [](const BuilderSettings& b) { return b.buildah.root; })
      .def_property_readonly("runroot", [](const BuilderSettings& b) { return b.buildah.runroot; });

  py::class_<CacheScope>(m, "CacheScope", R"doc(
Where one (stage, target) keeps its build cache:
<cache host:port>/<project>/buildcache/<stage>/<target>.)doc")
      .def_static("make",
                  [](const std::string& host, const std::string& project, const std::string& stage,
                     const std::string& target) {
                    return ValueOrRaise(CacheScope::Make(host, project, stage, target));
                  },
                  py::arg("registry_host"), py::arg("project"), py::arg("stage"), py::arg("target"))
      .def_property_readonly("registry_host", &CacheScope::registry_host)
      .def_property_readonly("project", &CacheScope::project)
      .def_property_readonly("stage", &CacheScope::stage)
      .def_property_readonly("target", &CacheScope::target)
      .def_property_readonly("ref", &CacheScope::Ref, "the repository builders use")
      .def_property_readonly("path", &CacheScope::Path, "ref without the host")
      .def("__str__", &CacheScope::Ref)
      .def("__repr__", [](const CacheScope& s) { return "CacheScope('" + s.Ref() + "')"; })
      .def("__eq__", [](const CacheScope& a, const CacheScope& b) { return a == b; });

  py::class_<TagPolicy>(m, "TagPolicy", "Tags per stage; release tags are never pushed by the dev loop.")
      .def("tag_for",
           [](const TagPolicy& p, const std::string& stage, const std::string& revision,
              const std::string& inputs, const std::string& target) {
             return ValueOrRaise(p.TagFor(stage, {.revision = revision, .inputs = inputs,
                                                  .stage = stage, .target = target}));
           },
           py::arg("stage"), py::arg("revision") = "", py::arg("inputs") = "", py::arg("target") = "",
           "The tag of `stage` for these values.")
      .def("template_for", &TagPolicy::TemplateFor, py::arg("stage"))
      .def("prefix_for", &TagPolicy::PrefixFor, py::arg("stage"))
      .def("is_release", &TagPolicy::IsRelease, py::arg("tag"))
      .def("check_dev_loop_push",
           [](const TagPolicy& p, const std::string& tag) { RaiseIfError(p.CheckDevLoopPush(tag)); },
           py::arg("tag"), "PolicyError for a release tag.")
      .def("pin_release",
           [](const TagPolicy& p, const ImageRef& ref, const std::string& digest) {
             return ValueOrRaise(p.PinRelease(ref, digest));
           },
           py::arg("ref"), py::arg("digest"), "repo:v1.2.3@sha256:... for Helm values.")
      .def_property_readonly("release_pattern", &TagPolicy::release_pattern)
      .def_property_readonly("templates", &TagPolicy::templates);

  py::class_<BuildPlane>(m, "BuildPlane", R"doc(
The build plane of a project, loaded from a topology YAML (docs/build-plane.md).
Errors name file:line:column, the field and what was expected.)doc")
      .def_static("load", [](const std::string& path) { return ValueOrRaise(BuildPlane::Load(path)); },
                  py::arg("path"), "Reads and checks a topology file.")
      .def_static("parse",
                  [](const std::string& yaml, const std::string& file) {
                    return ValueOrRaise(BuildPlane::Parse(yaml, file));
                  },
                  py::arg("yaml"), py::arg("file") = "<string>")
      .def_property_readonly("file", &BuildPlane::file)
      .def_property_readonly("project", &BuildPlane::project)
      .def_property_readonly("registries", &BuildPlane::registries)
      .def_property_readonly("stages", &BuildPlane::stages)
      .def_property_readonly("targets", &BuildPlane::targets)
      .def_property_readonly("builder", &BuildPlane::builder)
      .def_property_readonly("tag_policy", &BuildPlane::tag_policy)
      .def_property_readonly("final_registry", &BuildPlane::final_registry)
      .def_property_readonly(
          "cache_registry",
          [](const BuildPlane& p) -> std::optional<Registry> {
            if (p.cache_registry() == nullptr) return std::nullopt;
            return *p.cache_registry();
          })
      .def_property_readonly("mirrors",
                             [](const BuildPlane& p) {
                               std::vector<Registry> out;
                               for (const Registry* r : p.mirrors()) out.push_back(*r);
                               return out;
                             })
      .def("find_stage",
           [](const BuildPlane& p, const std::string& name) -> std::optional<Stage> {
             const Stage* s = p.FindStage(name);
             return s == nullptr ? std::nullopt : std::optional<Stage>(*s);
           },
           py::arg("name"))
      .def("find_target",
           [](const BuildPlane& p, const std::string& name) -> std::optional<Target> {
             const Target* t = p.FindTarget(name);
             return t == nullptr ? std::nullopt : std::optional<Target>(*t);
           },
           py::arg("name"))
      .def("scope_for",
           [](const BuildPlane& p, const std::string& stage, const std::string& target) {
             return ValueOrRaise(p.ScopeFor(stage, target));
           },
           py::arg("stage"), py::arg("target"), "The CacheScope of (stage, target).")
      .def("repository_for",
           [](const BuildPlane& p, const std::string& target) {
             return ValueOrRaise(p.RepositoryFor(target));
           },
           py::arg("target"), "The final repository of a target (an ImageRef without tag).")
      .def("environment", &BuildPlane::Environment,
           "The contract as [(VARIABLE, value)], as `fops plane env` prints it.")
      .def("registries_conf", &BuildPlane::RegistriesConf,
           "containers-registries.conf(5) text sending pulls through the mirrors ('' : none).")
      .def_static("env_name", &BuildPlane::EnvName, py::arg("name"))
      .def("__repr__", [](const BuildPlane& p) { return "BuildPlane(" + p.project() + ", " + p.file() + ")"; });
}

std::optional<BuilderKind> BuilderFromPython(const std::optional<std::string>& name) {
  if (!name) return std::nullopt;
  return ValueOrRaise(ParseBuilderKind(*name));
}

void BindImageBuild(py::module_& m) {
  m.def(
      "compile_image_build",
      [](const BuildPlane& plane, const std::string& target, const std::string& stage,
         const std::string& dir, const std::string& state_dir, const std::string& revision,
         const std::string& name, const std::string& context, const std::string& dockerfile,
         const std::string& target_stage, const std::map<std::string, std::string>& build_args,
         const std::string& platform, const std::optional<std::string>& builder,
         std::optional<bool> cache_import, std::optional<bool> cache_export,
         const std::string& tag, const std::string& repository, const std::string& cache_ref,
         const std::vector<std::string>& resource_deps, const std::vector<std::string>& labels,
         const std::string& login_file) {
        ImageBuild build{.name = name,
                         .target = target,
                         .stage = stage,
                         .context = context,
                         .dockerfile = dockerfile,
                         .target_stage = target_stage,
                         .build_args = build_args,
                         .platform = platform,
                         .builder = BuilderFromPython(builder),
                         .cache_import = cache_import,
                         .cache_export = cache_export,
                         .tag = tag,
                         .repository = repository,
                         .cache_ref = cache_ref,
                         .resource_deps = resource_deps,
                         .labels = labels};
        ImageBuildContext ctx{.dir = dir, .revision = revision, .login_file = login_file};
        const std::string resource_name = build.name.empty() ? target + "-image" : build.name;
        ctx.inputs_digest = [&state_dir, &resource_name](
                                const std::string& d,
                                const UpdateInputs& inputs) -> absl::StatusOr<std::string> {
          // The same cache file the gate uses, so its check that follows is cheap.
          InputGate gate(state_dir);
          Resource probe;
          probe.name = resource_name;
          probe.kind = "image";
          std::filesystem::path cache = gate.StatePath(probe);
          cache.replace_extension(".cache");
          InputDigester digester(state_dir.empty() ? std::filesystem::path() : cache);
          if (!state_dir.empty()) digester.ExcludeDirectory(state_dir);
          absl::StatusOr<InputDigest> digest = digester.Compute(d, inputs);
          if (!digest.ok()) return digest.status();
          return digest->total;
        };
        absl::StatusOr<Resource> resource;
        {
          py::gil_scoped_release release;
          resource = CompileImageBuild(plane, build, ctx);
        }
        return ValueOrRaise(std::move(resource));
      },
      py::arg("plane"), py::arg("target"), py::arg("stage") = "dev", py::arg("dir") = "",
      py::arg("state_dir") = "", py::arg("revision") = "", py::arg("name") = "",
      py::arg("context") = "", py::arg("dockerfile") = "", py::arg("target_stage") = "",
      py::arg("build_args") = std::map<std::string, std::string>{}, py::arg("platform") = "",
      py::arg("builder") = py::none(), py::arg("cache_import") = py::none(),
      py::arg("cache_export") = py::none(), py::arg("tag") = "", py::arg("repository") = "",
      py::arg("cache_ref") = "", py::arg("resource_deps") = std::vector<std::string>{},
      py::arg("labels") = std::vector<std::string>{}, py::arg("login_file") = "",
      "Compiles an image build of a plane target to a Resource of kind 'image' "
      "(builder argv, skip-if-unchanged inputs, inputs.produces = the pushed reference).");
}

void BindGate(py::module_& m) {
  py::class_<InputDigest>(m, "InputDigest", "The digest of an update's inputs.")
      .def_readonly("total", &InputDigest::total, "32 hex digits")
      .def_readonly("files", &InputDigest::files, "[(path, 32 hex)] sorted by path")
      .def_readonly("files_hashed", &InputDigest::files_hashed, "files read (not from the cache)");

  py::class_<InputDigester>(m, "InputDigester",
                            "Hashes inputs (files minus ignore patterns, values) with a "
                            "size/mtime fast-path cache.")
      // A string default: a path default would import pathlib at module load.
      .def(py::init([](const std::string& cache_path) {
             return std::make_unique<InputDigester>(std::filesystem::path(cache_path));
           }),
           py::arg("cache_path") = std::string())
      .def("exclude_directory", &InputDigester::ExcludeDirectory, py::arg("dir"))
      .def("set_racy_window", &InputDigester::set_racy_window, py::arg("seconds"))
      .def("compute",
           [](InputDigester& d, const std::filesystem::path& dir, const UpdateInputs& inputs) {
             absl::StatusOr<InputDigest> digest;
             {
               py::gil_scoped_release release;
               digest = d.Compute(dir, inputs);
             }
             return ValueOrRaise(std::move(digest));
           },
           py::arg("dir"), py::arg("inputs"));

  py::class_<RegistryLogins>(m, "RegistryLogins", R"doc(
The registry logins a run needs, resolved before anything runs:
RegistryLogins.prepare(resources, state_dir, verify=True). Errors name the
registry and where its login comes from (ConfigError for a variable that
is not set or a login file without the registry, PolicyError for a login
the registry refuses). Pass it to InputGate(logins=) for the registry
checks.)doc")
      .def_static("prepare", [](const std::vector<Resource>& resources,
                                const std::filesystem::path& state_dir, bool verify) {
        static std::unique_ptr<HttpClient> http = NewCurlHttpClient();
        absl::StatusOr<std::unique_ptr<RegistryLogins>> logins;
        {
          py::gil_scoped_release release;
          logins = RegistryLogins::Prepare(resources, state_dir, *http, verify);
        }
        return ValueOrRaise(std::move(logins));
      }, py::arg("resources"), py::arg("state_dir"), py::arg("verify") = true)
      .def_property_readonly("login_file", [](const RegistryLogins& l) {
        return l.login_file().string();
      }, "The run's login file ('' when none was needed).")
      .def("hosts_with_login", [](const RegistryLogins& l, const std::vector<std::string>& hosts) {
        std::vector<std::string> out;
        for (const std::string& h : hosts) {
          if (l.Find(h)) out.push_back(h);
        }
        return out;
      }, py::arg("hosts"), "Which of `hosts` have a login (never the login itself).");
  m.def("registry_login_file", [](const std::string& state_dir) {
    return RegistryLoginFile(state_dir).string();
  }, py::arg("state_dir"), "Where a run of this repo writes its registry logins.");

  // UpdateGate is bound by the engine layer (BindEngine runs first).
  py::class_<InputGate, UpdateGate>(m, "InputGate", R"doc(
Skip-if-unchanged for images, Helm releases and any resource with inputs:
state in <state_dir>/images/<name>.json (other kinds: <state_dir>/<kind>/);
check() gives 'rebuilt: <reason>' or 'skipped: unchanged since <ref>'.

With confirm=True (the default, what the fops command uses) a resource that
publishes something is skipped only when its registry (images: a manifest
HEAD) or the cluster (Helm: `helm status`, checked by `policy`) still holds
what fops recorded, and record() stores only a confirmed effect. With
confirm=False nothing can confirm such a resource, so it always runs.)doc")
      .def(py::init([](std::filesystem::path state_dir, bool confirm,
                       const CommandPolicy* policy, const RegistryLogins* logins) {
             InputGateOptions options;
             if (confirm) {
               options.checks =
                   DefaultEffectChecks(policy, logins != nullptr ? logins->AsLookup()
                                                                 : RegistryCredentialLookup());
             }
             return std::make_unique<InputGate>(std::move(state_dir), std::move(options));
           }),
           py::arg("state_dir"), py::kw_only(), py::arg("confirm") = true,
           py::arg("policy") = nullptr, py::arg("logins") = nullptr, py::keep_alive<1, 4>(),
           py::keep_alive<1, 5>())
      .def("check",
           [](InputGate& g, const Resource& r) {
             absl::StatusOr<GateDecision> d;
             {
               py::gil_scoped_release release;
               d = g.Check(r);
             }
             return ValueOrRaise(std::move(d));
           },
           py::arg("resource"))
      .def("record",
           [](InputGate& g, const Resource& r) {
             absl::Status s;
             {
               py::gil_scoped_release release;
               s = g.Record(r);
             }
             RaiseIfError(s);
           },
           py::arg("resource"))
      .def("state_path", [](const InputGate& g, const Resource& r) { return g.StatePath(r).string(); },
           py::arg("resource"), "Where the last success of `resource` is stored.")
      .def("set_racy_window", &InputGate::set_racy_window, py::arg("seconds"));
}

}  // namespace

void BindPlane(pybind11::module_& m) {
  BindImageRef(m);
  BindPlaneValues(m);
  BindImageBuild(m);
  BindGate(m);
}

}  // namespace fops::python
