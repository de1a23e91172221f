#include "fops/model/build_plane.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

std::string Location(const SourceLocation& at) {
  std::string s = at.ToString();
  return s.empty() ? "" : absl::StrCat(s, ": ");
}

std::string BoolText(bool b) { return b ? "true" : "false"; }

}  // namespace

const Registry& BuildPlane::final_registry() const {
  for (const Registry& r : registries_) {
    if (r.role == Registry::Role::kFinal) return r;
  }
  // Validate() guarantees one; a default-constructed plane has none.
  static const Registry kNone{.name = "", .role = Registry::Role::kFinal};
  return kNone;
}

const Registry* BuildPlane::cache_registry() const {
  for (const Registry& r : registries_) {
    if (r.role == Registry::Role::kCache) return &r;
  }
  return nullptr;
}

std::vector<const Registry*> BuildPlane::mirrors() const {
  std::vector<const Registry*> out;
  for (const Registry& r : registries_) {
    if (r.role == Registry::Role::kMirror) out.push_back(&r);
  }
  return out;
}

const Registry* BuildPlane::FindRegistryByHost(std::string_view host) const {
  for (const Registry& r : registries_) {
    if (r.host == host) return &r;
  }
  return nullptr;
}

const Stage* BuildPlane::FindStage(std::string_view name) const {
  for (const Stage& s : stages_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const Target* BuildPlane::FindTarget(std::string_view name) const {
  for (const Target& t : targets_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

absl::StatusOr<CacheScope> BuildPlane::ScopeFor(std::string_view stage,
                                                std::string_view target) const {
  if (FindStage(stage) == nullptr) {
    std::vector<std::string> names;
    for (const Stage& s : stages_) names.push_back(s.name);
    return absl::NotFoundError(absl::StrCat("stage '", ToAbsl(stage),
                                            "' is not in the build plane ", file_, " (stages: ",
                                            absl::StrJoin(names, ", "), ")"));
  }
  if (FindTarget(target) == nullptr) {
    std::vector<std::string> names;
    for (const Target& t : targets_) names.push_back(t.name);
    return absl::NotFoundError(absl::StrCat("target '", ToAbsl(target),
                                            "' is not in the build plane ", file_,
                                            " (targets: ", absl::StrJoin(names, ", "), ")"));
  }
  const Registry* cache = cache_registry();
  if (cache == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the build plane ", file_, " has no cache registry (role: cache), so there is no cache "
        "scope for ", ToAbsl(stage), "/", ToAbsl(target)));
  }
  return CacheScope::Make(cache->host, project_, stage, target);
}

absl::StatusOr<ImageRef> BuildPlane::RepositoryFor(std::string_view target) const {
  const Target* t = FindTarget(target);
  if (t == nullptr) {
    std::vector<std::string> names;
    for (const Target& x : targets_) names.push_back(x.name);
    return absl::NotFoundError(absl::StrCat("target '", ToAbsl(target),
                                            "' is not in the build plane ", file_,
                                            " (targets: ", absl::StrJoin(names, ", "), ")"));
  }
  const Registry& final = final_registry();
  std::string path = final.namespace_path.empty()
                         ? t->repository
                         : absl::StrCat(final.namespace_path, "/", t->repository);
  return ImageRef::FromParts(final.host, path);
}

std::string BuildPlane::EnvName(std::string_view name) {
  std::string out = absl::AsciiStrToUpper(ToAbsl(name));
  for (char& c : out) {
    if (c == '-' || c == '.') c = '_';
  }
  return out;
}

absl::Status BuildPlane::Validate() const {
  const Registry* final = nullptr;
  const Registry* cache = nullptr;
  for (const Registry& r : registries_) {
    const Registry** slot = r.role == Registry::Role::kFinal   ? &final
                            : r.role == Registry::Role::kCache ? &cache
                                                               : nullptr;
    if (slot == nullptr) continue;
    if (*slot != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          Location(r.declared_at), "registries.", r.name, ": a second ",
          ToAbsl(Registry::RoleName(r.role)), " registry (the first is '", (*slot)->name, "' at ",
          (*slot)->declared_at.ToString(), "); a plane has exactly one final registry and at "
          "most one cache registry"));
    }
    *slot = &r;
  }
  if (final == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        file_, ": registries: no registry has role final; exactly one is needed (where images "
               "are pushed, e.g. ghcr.io)"));
  }
  // A host plays one role. The rule named is the one the sharing breaks.
  for (size_t i = 0; i < registries_.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const Registry& a = registries_[j];
      const Registry& b = registries_[i];
      if (a.host != b.host) continue;
      // Two roles on one host: a mirror would take pushes, or the final
      // registry would hold cache.
      const bool mirror = a.role == Registry::Role::kMirror || b.role == Registry::Role::kMirror;
      const std::string_view rule = mirror ? kRuleMirrorPullOnly : kRuleFinalImagesOnly;
      const Registry::Role rule_role = mirror ? Registry::Role::kMirror : Registry::Role::kFinal;
      if (a.role == b.role) {
        return absl::InvalidArgumentError(absl::StrCat(
            Location(b.declared_at), "registries.", b.name, ".host: ", b.host,
            " is already the host of registry '", a.name, "' (", a.declared_at.ToString(), ")"));
      }
      return absl::FailedPreconditionError(absl::StrCat(
          Location(b.declared_at), "registries.", b.name, ": refused by rule ", ToAbsl(rule),
          ": host ", b.host, " is both registry '", a.name, "' (role ",
          ToAbsl(Registry::RoleName(a.role)), ") and registry '", b.name, "' (role ",
          ToAbsl(Registry::RoleName(b.role)), "); ", ToAbsl(Registry::RuleFor(rule_role))));
    }
  }
  for (const Registry* mirror : mirrors()) {
    for (const std::string& upstream : mirror->mirrors) {
      if (upstream == mirror->host) {
        return absl::InvalidArgumentError(absl::StrCat(
            Location(mirror->declared_at), "registries.", mirror->name, ".mirrors: ", upstream,
            " is the mirror itself; list the upstream registries it serves"));
      }
      if (cache != nullptr && upstream == cache->host) {
        return absl::FailedPreconditionError(absl::StrCat(
            Location(mirror->declared_at), "registries.", mirror->name,
            ".mirrors: refused by rule ",
            ToAbsl(kRuleCacheOnly), ": ", upstream, " is the cache registry '", cache->name,
            "'; ", ToAbsl(Registry::RuleFor(Registry::Role::kCache))));
      }
    }
  }
  for (const Target& t : targets_) {
    absl::StatusOr<ImageRef> repo = RepositoryFor(t.name);
    if (!repo.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          Location(t.declared_at), "targets.", t.name, ".repository: ", repo.status().message()));
    }
  }
  // Stage and target names become parts of variable names; two names that
  // spell the same variable would silently shadow each other.
  std::map<std::string, std::string> seen;
  for (const auto& [key, value] : Environment()) {
    auto [it, inserted] = seen.emplace(key, value);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          file_, ": two stage or target names both give the environment variable ", key,
          "; rename one (names differing only in '-', '.' or '_' collide)"));
    }
  }
  return absl::OkStatus();
}

std::vector<std::pair<std::string, std::string>> BuildPlane::Environment() const {
  std::vector<std::pair<std::string, std::string>> env;
  auto add = [&env](std::string key, std::string value) {
    env.emplace_back(absl::StrCat("FOPS_PLANE_", key), std::move(value));
  };
  const Registry& final = final_registry();
  const Registry* cache = cache_registry();
  std::vector<const Registry*> mirror_list = mirrors();
  add("FILE", file_);
  add("PROJECT", project_);
  add("FINAL_REGISTRY", final.host);
  add("FINAL_NAMESPACE", final.namespace_path);
  add("FINAL_PREFIX",
      final.namespace_path.empty() ? final.host
                                   : absl::StrCat(final.host, "/", final.namespace_path));
  add("FINAL_TLS_VERIFY", BoolText(final.tls_verify));
  std::vector<std::string> mirror_hosts;
  std::vector<std::string> upstreams;
  for (const Registry* m : mirror_list) {
    mirror_hosts.push_back(m->host);
    for (const std::string& u : m->mirrors) upstreams.push_back(u);
  }
  add("MIRROR_REGISTRY", mirror_list.empty() ? "" : mirror_list.front()->host);
  add("MIRROR_REGISTRIES", absl::StrJoin(mirror_hosts, " "));
  add("MIRROR_UPSTREAMS", absl::StrJoin(upstreams, " "));
  add("MIRROR_TLS_VERIFY", mirror_list.empty() ? "" : BoolText(mirror_list.front()->tls_verify));
  add("CACHE_REGISTRY", cache == nullptr ? "" : cache->host);
  add("CACHE_TLS_VERIFY", cache == nullptr ? "" : BoolText(cache->tls_verify));
  add("BUILDER", std::string(BuilderKindName(builder_.kind)));
  add("PLATFORM", builder_.platform);
  add("RELEASE_TAG_PATTERN", tag_policy_.release_pattern());
  std::vector<std::string> stage_names;
  std::vector<std::string> target_names;
  for (const Stage& s : stages_) stage_names.push_back(s.name);
  for (const Target& t : targets_) target_names.push_back(t.name);
  add("STAGES", absl::StrJoin(stage_names, " "));
  add("TARGETS", absl::StrJoin(target_names, " "));
  for (const Stage& s : stages_) {
    std::string prefix = absl::StrCat("STAGE_", EnvName(s.name), "_");
    add(prefix + "TAG_TEMPLATE", s.tag_template);
    add(prefix + "TAG_PREFIX", s.tag_template.substr(0, s.tag_template.find('{')));
    add(prefix + "CACHE_IMPORT", BoolText(s.cache_import && cache != nullptr));
    add(prefix + "CACHE_EXPORT", BoolText(s.cache_export && cache != nullptr));
  }
  for (const Target& t : targets_) {
    absl::StatusOr<ImageRef> repo = RepositoryFor(t.name);
    add(absl::StrCat("TARGET_", EnvName(t.name), "_IMAGE"), repo.ok() ? repo->String() : "");
  }
  if (cache != nullptr) {
    for (const Stage& s : stages_) {
      for (const Target& t : targets_) {
        absl::StatusOr<CacheScope> scope = CacheScope::Make(cache->host, project_, s.name, t.name);
        add(absl::StrCat("CACHE_SCOPE_", EnvName(s.name), "_", EnvName(t.name)),
            scope.ok() ? scope->Ref() : "");
      }
    }
  }
  return env;
}

std::string BuildPlane::RegistriesConf() const {
  std::vector<const Registry*> mirror_list = mirrors();
  if (mirror_list.empty()) return "";
  std::string out = absl::StrCat(
      "# containers-registries.conf(5) from the build plane ", file_,
      ": pulls go through the mirrors;\n# nothing is ever pushed to them (rule ",
      ToAbsl(kRuleMirrorPullOnly), ").\n");
  // Each upstream once, in file order, with every mirror that serves it.
  std::vector<std::string> upstreams;
  for (const Registry* m : mirror_list) {
    for (const std::string& u : m->mirrors) {
      if (std::find(upstreams.begin(), upstreams.end(), u) == upstreams.end()) {
        upstreams.push_back(u);
      }
    }
  }
  for (const std::string& upstream : upstreams) {
    absl::StrAppend(&out, "\n[[registry]]\nprefix = \"", upstream, "\"\nlocation = \"", upstream,
                    "\"\n");
    for (const Registry* m : mirror_list) {
      if (std::find(m->mirrors.begin(), m->mirrors.end(), upstream) == m->mirrors.end()) continue;
      absl::StrAppend(&out, "\n[[registry.mirror]]\nlocation = \"", m->host, "\"\n");
      if (!m->tls_verify) absl::StrAppend(&out, "insecure = true\n");
    }
  }
  return out;
}

}  // namespace fops
