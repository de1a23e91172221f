// BuildPlane::Load: the topology YAML schema (docs/build-plane.md). Each
// object's keys are checked against the schema before any value is read,
// so a misspelt key is an error rather than a silently ignored default.
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fops/base/atomic_file.h"
#include "fops/base/string_view.h"
#include "fops/model/build_plane.h"

namespace fops {

class BuildPlaneLoader {
 public:
  explicit BuildPlaneLoader(std::string_view file) : file_(file) {}

  absl::StatusOr<BuildPlane> Load(std::string_view yaml) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(yaml));
    } catch (const YAML::ParserException& e) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(e.mark), ": invalid YAML: ", e.msg));
    }
    if (!root.IsDefined() || root.IsNull()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_, ": the topology is empty (expected a mapping with version, "
                              "project, registries, stages, targets)"));
    }
    plane_.file_ = file_;
    if (absl::Status s = LoadRoot(root); !s.ok()) return s;
    if (absl::Status s = plane_.Validate(); !s.ok()) return s;
    return std::move(plane_);
  }

 private:
  using Keys = std::initializer_list<std::string_view>;

  static std::string JoinViews(Keys items) {
    std::string out;
    for (std::string_view item : items) {
      absl::StrAppend(&out, out.empty() ? "" : ", ", ToAbsl(item));
    }
    return out;
  }

  std::string Where(const YAML::Mark& mark) const {
    if (mark.is_null()) return file_;
    return absl::StrCat(file_, ":", mark.line + 1, ":", mark.column + 1);
  }
  SourceLocation At(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) return {.file = file_};
    return {.file = file_, .line = mark.line + 1, .column = mark.column + 1};
  }
  absl::Status Error(const YAML::Node& node, std::string_view field, std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(node.Mark()), ": ", ToAbsl(field), ": ", ToAbsl(what)));
  }

  static std::string Kind(const YAML::Node& node) {
    if (node.IsNull()) return "nothing";
    if (node.IsMap()) return "a mapping";
    if (node.IsSequence()) return "a list";
    return absl::StrCat("\"", node.Scalar(), "\"");
  }

  // Checks that `node` is a mapping whose keys are scalar, unique and known.
  absl::Status CheckMap(const YAML::Node& node, std::string_view field, Keys known) const {
    if (!node.IsMap()) {
      return Error(node, field, absl::StrCat("expected a mapping, got ", Kind(node)));
    }
    std::set<std::string> seen;
    for (const auto& it : node) {
      const YAML::Node key = it.first;
      if (!key.IsScalar()) {
        return Error(key, field, "keys must be plain strings");
      }
      const std::string& name = key.Scalar();
      if (!seen.insert(name).second) {
        return Error(key, field, absl::StrCat("duplicate key '", name, "'"));
      }
      if (known.size() == 0) continue;  // a free-form map (names chosen by the user)
      bool ok = false;
      for (std::string_view k : known) ok = ok || k == name;
      if (!ok) {
        return Error(key, field,
                     absl::StrCat("unknown key '", name, "' (expected one of: ",
                                  JoinViews(known), ")"));
      }
    }
    return absl::OkStatus();
  }

  // A mapping of user-chosen names with at least one entry.
  absl::Status CheckNamedMap(const YAML::Node& node, std::string_view field,
                             std::string_view if_empty) const {
    if (absl::Status s = CheckMap(node, field, {}); !s.ok()) return s;
    if (node.size() == 0) return Error(node, field, if_empty);
    return absl::OkStatus();
  }

  static std::string Join(std::string_view a, std::string_view b) {
    return a.empty() ? std::string(b) : absl::StrCat(ToAbsl(a), ".", ToAbsl(b));
  }

  absl::StatusOr<std::string> String(const YAML::Node& node, std::string_view field,
                                     std::string_view expected) const {
    if (!node.IsScalar()) {
      return Error(node, field, absl::StrCat("expected ", ToAbsl(expected), ", got ", Kind(node)));
    }
    return node.Scalar();
  }

  absl::StatusOr<bool> Bool(const YAML::Node& node, std::string_view field) const {
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      if (s == "true" || s == "True" || s == "TRUE") return true;
      if (s == "false" || s == "False" || s == "FALSE") return false;
    }
    return Error(node, field, absl::StrCat("expected true or false, got ", Kind(node)));
  }

  absl::StatusOr<std::string> OneOf(const YAML::Node& node, std::string_view field,
                                    Keys choices) const {
    absl::StatusOr<std::string> value =
        String(node, field, absl::StrCat("one of ", JoinViews(choices)));
    if (!value.ok()) return value;
    for (std::string_view c : choices) {
      if (c == *value) return value;
    }
    return Error(node, field,
                 absl::StrCat("expected one of ", JoinViews(choices), "; got \"",
                              *value, "\""));
  }

  // A name used as an image path component (project, stage, target).
  absl::StatusOr<std::string> Component(const YAML::Node& node, std::string_view field,
                                        std::string_view what) const {
    absl::StatusOr<std::string> value =
        String(node, field, absl::StrCat("a ", ToAbsl(what)));
    if (!value.ok()) return value;
    if (absl::Status s = ImageRef::CheckPathComponent(*value); !s.ok()) {
      return Error(node, field,
                   absl::StrCat("expected a ", ToAbsl(what),
                                " usable in an image path (lowercase letters and digits, "
                                "joined by '.', '_', '__' or '-'): ",
                                s.message()));
    }
    return value;
  }

  absl::Status LoadRoot(const YAML::Node& root) {
    if (absl::Status s = CheckMap(root, "topology",
                                  {"version", "project", "registries", "stages", "release",
                                   "targets", "builder"});
        !s.ok()) {
      return s;
    }
    for (std::string_view required : {"version", "project", "registries", "stages", "targets"}) {
      if (!root[std::string(required)]) {
        return Error(root, "topology",
                     absl::StrCat("missing required key '", ToAbsl(required), "'"));
      }
    }
    const YAML::Node version = root["version"];
    if (!version.IsScalar() || version.Scalar() != "1") {
      return Error(version, "version", absl::StrCat("expected 1, got ", Kind(version)));
    }
    const YAML::Node project = root["project"];
    absl::StatusOr<std::string> name = Component(project, "project", "project name");
    if (!name.ok()) return name.status();
    plane_.project_ = *name;
    plane_.project_at_ = At(project);

    std::string release_pattern;
    if (const YAML::Node release = root["release"]) {
      if (absl::Status s = CheckMap(release, "release", {"tag_pattern"}); !s.ok()) return s;
      if (const YAML::Node pattern = release["tag_pattern"]) {
        absl::StatusOr<std::string> p =
            String(pattern, "release.tag_pattern", "a regular expression");
        if (!p.ok()) return p.status();
        if (absl::StatusOr<TagPolicy> check = TagPolicy::Make({}, *p); !check.ok()) {
          return Error(pattern, "release.tag_pattern", std::string(check.status().message()));
        }
        release_pattern = *p;
      }
    }
    plane_.release_pattern_ = release_pattern;

    if (absl::Status s = LoadRegistries(root["registries"]); !s.ok()) return s;
    if (absl::Status s = LoadStages(root["stages"]); !s.ok()) return s;
    if (absl::Status s = LoadTargets(root["targets"]); !s.ok()) return s;
    if (const YAML::Node builder = root["builder"]) {
      if (absl::Status s = LoadBuilder(builder); !s.ok()) return s;
    }
    std::map<std::string, std::string> templates;
    for (const Stage& stage : plane_.stages_) templates[stage.name] = stage.tag_template;
    absl::StatusOr<TagPolicy> policy = TagPolicy::Make(std::move(templates), release_pattern);
    if (!policy.ok()) return policy.status();  // each stage was checked with its location
    plane_.tag_policy_ = *std::move(policy);
    return absl::OkStatus();
  }

  // `credential: default | none`, `{auth_file: PATH}`, or `{env: VAR,
  // username: NAME}` / `{env: VAR, username_env: VAR}`.
  absl::StatusOr<RegistryCredentialSource> LoadCredential(const YAML::Node& node,
                                                         const std::string& field) const {
    using Kind = RegistryCredentialSource::Kind;
    RegistryCredentialSource source;
    if (node.IsScalar()) {
      absl::StatusOr<std::string> word = OneOf(node, field, {"default", "none"});
      if (!word.ok()) return word.status();
      source.kind = *word == "none" ? Kind::kNone : Kind::kDefault;
      return source;
    }
    if (absl::Status s = CheckMap(node, field, {"auth_file", "env", "username", "username_env"});
        !s.ok()) {
      return s;
    }
    const YAML::Node file = node["auth_file"];
    const YAML::Node env = node["env"];
    if ((file && env) || (!file && !env)) {
      return Error(node, field,
                   "expected exactly one of auth_file (a login file) or env (a variable holding "
                   "the token), or the word default or none");
    }
    if (file) {
      if (node["username"] || node["username_env"]) {
        return Error(node, field, "username comes from the login file with auth_file");
      }
      absl::StatusOr<std::string> path = String(file, Join(field, "auth_file"), "a file path");
      if (!path.ok()) return path.status();
      source.kind = Kind::kAuthFile;
      source.auth_file = *path;
      return source;
    }
    absl::StatusOr<std::string> var = String(env, Join(field, "env"), "a variable name");
    if (!var.ok()) return var.status();
    if (!IsVariableName(*var)) {
      return Error(env, Join(field, "env"),
                   "expected the name of an environment variable (never the token itself)");
    }
    source.kind = Kind::kEnv;
    source.token_env = *var;
    if (const YAML::Node user = node["username"]) {
      absl::StatusOr<std::string> name = String(user, Join(field, "username"), "a user name");
      if (!name.ok()) return name.status();
      source.username = *name;
    }
    if (const YAML::Node user_env = node["username_env"]) {
      if (node["username"]) {
        return Error(user_env, Join(field, "username_env"), "give username or username_env, not both");
      }
      absl::StatusOr<std::string> name =
          String(user_env, Join(field, "username_env"), "a variable name");
      if (!name.ok()) return name.status();
      if (!IsVariableName(*name)) {
        return Error(user_env, Join(field, "username_env"),
                     "expected the name of an environment variable");
      }
      source.username_env = *name;
    }
    return source;
  }

  static bool IsVariableName(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    for (char c : name) {
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
        return false;
      }
    }
    return true;
  }

  absl::Status LoadRegistries(const YAML::Node& node) {
    if (absl::Status s = CheckNamedMap(
            node, "registries", "expected at least one registry (a final registry is required)");
        !s.ok()) {
      return s;
    }
    for (const auto& it : node) {
      const std::string& name = it.first.Scalar();
      const std::string field = Join("registries", name);
      const YAML::Node& value = it.second;
      if (absl::Status s = CheckMap(value, field,
                                    {"role", "host", "namespace", "tls_verify", "ca_file",
                                     "credential", "mirrors"});
          !s.ok()) {
        return s;
      }
      Registry r;
      r.name = name;
      r.declared_at = At(it.first);
      for (std::string_view required : {"role", "host"}) {
        if (!value[std::string(required)]) {
          return Error(it.first, field,
                       absl::StrCat("missing required key '", ToAbsl(required), "'",
                                    required == "role" ? " (final, mirror or cache)"
                                                       : " (host[:port] of the registry)"));
        }
      }
      absl::StatusOr<std::string> role =
          OneOf(value["role"], Join(field, "role"), {"final", "mirror", "cache"});
      if (!role.ok()) return role.status();
      r.role = *Registry::ParseRole(*role);
      absl::StatusOr<std::string> host =
          String(value["host"], Join(field, "host"), "host[:port]");
      if (!host.ok()) return host.status();
      if (absl::Status s = ImageRef::CheckDomain(*host); !s.ok()) {
        return Error(value["host"], Join(field, "host"),
                     absl::StrCat("expected host[:port] as in an image reference: ",
                                  s.message()));
      }
      r.host = *host;
      if (const YAML::Node ns = value["namespace"]) {
        if (r.role != Registry::Role::kFinal) {
          return Error(ns, Join(field, "namespace"),
                       absl::StrCat("only the final registry has a namespace (this one is a ",
                                    ToAbsl(Registry::RoleName(r.role)),
                                    " registry; cache scopes are <project>/buildcache/...)"));
        }
        absl::StatusOr<std::string> path = String(ns, Join(field, "namespace"), "an image path");
        if (!path.ok()) return path.status();
        if (absl::Status s = ImageRef::CheckPath(*path); !s.ok()) {
          return Error(ns, Join(field, "namespace"),
                       absl::StrCat("expected an image path prefix: ", s.message()));
        }
        r.namespace_path = *path;
      }
      if (const YAML::Node tls = value["tls_verify"]) {
        absl::StatusOr<bool> b = Bool(tls, Join(field, "tls_verify"));
        if (!b.ok()) return b.status();
        r.tls_verify = *b;
      }
      if (const YAML::Node ca = value["ca_file"]) {
        absl::StatusOr<std::string> path =
            String(ca, Join(field, "ca_file"), "the path of a PEM file named *.crt");
        if (!path.ok()) return path.status();
        if (!absl::EndsWith(*path, ".crt")) {
          return Error(ca, Join(field, "ca_file"),
                       "expected a PEM file named *.crt (builders read the CA from its "
                       "directory by that suffix)");
        }
        r.ca_file = *path;
      }
      if (const YAML::Node credential = value["credential"]) {
        absl::StatusOr<RegistryCredentialSource> source =
            LoadCredential(credential, Join(field, "credential"));
        if (!source.ok()) return source.status();
        r.credential = *std::move(source);
      }
      const YAML::Node mirrors = value["mirrors"];
      if (mirrors && r.role != Registry::Role::kMirror) {
        return Error(mirrors, Join(field, "mirrors"),
                     absl::StrCat("only a mirror registry lists upstreams (this one is a ",
                                  ToAbsl(Registry::RoleName(r.role)), " registry)"));
      }
      if (r.role == Registry::Role::kMirror) {
        if (!mirrors) {
          return Error(it.first, field,
                       "missing required key 'mirrors' (the upstream registries this mirror "
                       "serves, e.g. [docker.io, ghcr.io])");
        }
        const std::string mfield = Join(field, "mirrors");
        if (!mirrors.IsSequence() || mirrors.size() == 0) {
          return Error(mirrors, mfield,
                       absl::StrCat("expected a non-empty list of registry domains, got ",
                                    Kind(mirrors)));
        }
        for (size_t i = 0; i < mirrors.size(); ++i) {
          const std::string ifield = absl::StrCat(mfield, "[", i, "]");
          absl::StatusOr<std::string> upstream = String(mirrors[i], ifield, "a registry domain");
          if (!upstream.ok()) return upstream.status();
          if (absl::Status s = ImageRef::CheckDomain(*upstream); !s.ok()) {
            return Error(mirrors[i], ifield,
                         absl::StrCat("expected a registry domain: ", s.message()));
          }
          r.mirrors.push_back(*upstream);
        }
      }
      plane_.registries_.push_back(std::move(r));
    }
    return absl::OkStatus();
  }

  absl::Status LoadStages(const YAML::Node& node) {
    if (absl::Status s = CheckNamedMap(node, "stages",
                                       "expected at least one stage (e.g. dev, staging)");
        !s.ok()) {
      return s;
    }
    for (const auto& it : node) {
      const std::string field = Join("stages", it.first.Scalar());
      absl::StatusOr<std::string> name = Component(it.first, field, "stage name");
      if (!name.ok()) return name.status();
      Stage stage;
      stage.name = *name;
      stage.declared_at = At(it.first);
      stage.tag_template = absl::StrCat(*name, "-{inputs}");
      const bool has_cache = plane_.cache_registry() != nullptr;
      stage.cache_import = stage.cache_export = *name != "dev" && has_cache;
      const YAML::Node& value = it.second;
      bool explicit_tag = false;
      if (!value.IsNull()) {  // `dev:` alone takes every default
        if (absl::Status s = CheckMap(value, field, {"tag", "cache_import", "cache_export"});
            !s.ok()) {
          return s;
        }
        if (const YAML::Node tag = value["tag"]) {
          absl::StatusOr<std::string> tmpl = String(tag, Join(field, "tag"), "a tag template");
          if (!tmpl.ok()) return tmpl.status();
          if (absl::Status s = CheckTagTemplate(stage.name, *tmpl, tag, Join(field, "tag"));
              !s.ok()) {
            return s;
          }
          stage.tag_template = *tmpl;
          explicit_tag = true;
        }
        for (auto [key, target] : {std::pair{"cache_import", &stage.cache_import},
                                   std::pair{"cache_export", &stage.cache_export}}) {
          if (const YAML::Node flag = value[key]) {
            absl::StatusOr<bool> b = Bool(flag, Join(field, key));
            if (!b.ok()) return b.status();
            if (*b && !has_cache) {
              return Error(flag, Join(field, key),
                           "is true, but no registry has role cache (the remote build cache "
                           "lives only in the cache registry)");
            }
            *target = *b;
          }
        }
      }
      // The default template is the stage's name: a name too long for a
      // tag is an error at the name, not later without a place.
      if (!explicit_tag) {
        if (absl::Status s = CheckTagTemplate(stage.name, stage.tag_template, it.first, field);
            !s.ok()) {
          return absl::Status(s.code(), absl::StrCat(s.message(),
                                                     " (the default tag template "
                                                     "NAME-{inputs}; set tag: to choose one)"));
        }
      }
      plane_.stages_.push_back(std::move(stage));
    }
    return absl::OkStatus();
  }

  // A stage's tag template renders valid dev tags that are never release
  // tags; the error names where the template came from.
  absl::Status CheckTagTemplate(const std::string& stage, const std::string& tmpl,
                                const YAML::Node& at, const std::string& field) const {
    absl::StatusOr<TagPolicy> check = TagPolicy::Make({{stage, tmpl}}, plane_.release_pattern_);
    if (check.ok()) return absl::OkStatus();
    return absl::Status(check.status().code(), absl::StrCat(Where(at.Mark()), ": ", field, ": ",
                                                            check.status().message()));
  }

  absl::Status LoadTargets(const YAML::Node& node) {
    if (absl::Status s = CheckNamedMap(node, "targets",
                                       "expected at least one target (e.g. runtime, portal)");
        !s.ok()) {
      return s;
    }
    for (const auto& it : node) {
      const std::string field = Join("targets", it.first.Scalar());
      absl::StatusOr<std::string> name = Component(it.first, field, "target name");
      if (!name.ok()) return name.status();
      Target target;
      target.name = *name;
      target.repository = *name;
      target.context = ".";
      target.declared_at = At(it.first);
      const YAML::Node& value = it.second;
      if (!value.IsNull()) {
        if (absl::Status s = CheckMap(value, field,
                                      {"repository", "context", "dockerfile", "target_stage",
                                       "build_args", "platform"});
            !s.ok()) {
          return s;
        }
        if (const YAML::Node repo = value["repository"]) {
          absl::StatusOr<std::string> path =
              String(repo, Join(field, "repository"), "an image path");
          if (!path.ok()) return path.status();
          if (absl::Status s = ImageRef::CheckPath(*path); !s.ok()) {
            return Error(repo, Join(field, "repository"),
                         absl::StrCat("expected an image path: ", s.message()));
          }
          target.repository = *path;
        }
        for (auto [key, out] : {std::pair{"context", &target.context},
                                std::pair{"dockerfile", &target.dockerfile},
                                std::pair{"target_stage", &target.target_stage}}) {
          if (const YAML::Node v = value[key]) {
            absl::StatusOr<std::string> s = String(v, Join(field, key), "a string");
            if (!s.ok()) return s.status();
            if (s->empty()) return Error(v, Join(field, key), "expected a non-empty string");
            *out = *s;
          }
        }
        if (const YAML::Node platform = value["platform"]) {
          absl::StatusOr<std::string> p = Platform(platform, Join(field, "platform"));
          if (!p.ok()) return p.status();
          target.platform = *p;
        }
        if (const YAML::Node args = value["build_args"]) {
          const std::string afield = Join(field, "build_args");
          if (absl::Status s = CheckMap(args, afield, {}); !s.ok()) return s;
          for (const auto& a : args) {
            const std::string& key = a.first.Scalar();
            if (key.empty() || key.find('=') != std::string::npos) {
              return Error(a.first, afield,
                           absl::StrCat("build arg name \"", key,
                                        "\" must be non-empty and have no '='"));
            }
            absl::StatusOr<std::string> v = String(a.second, Join(afield, key), "a string");
            if (!v.ok()) return v.status();
            target.build_args[key] = *v;
          }
        }
      }
      if (target.dockerfile.empty()) {
        target.dockerfile = target.context == "." ? "Dockerfile"
                                                  : absl::StrCat(target.context, "/Dockerfile");
      }
      plane_.targets_.push_back(std::move(target));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Platform(const YAML::Node& node, std::string_view field) const {
    absl::StatusOr<std::string> p = String(node, field, "os/arch[/variant]");
    if (!p.ok()) return p;
    int parts = 1;
    bool ok = !p->empty() && p->front() != '/' && p->back() != '/';
    for (size_t i = 0; i < p->size(); ++i) {
      char c = (*p)[i];
      if (c == '/') {
        ++parts;
        ok = ok && (*p)[i - 1] != '/';
      } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
        ok = false;
      }
    }
    if (!ok || parts < 2 || parts > 3) {
      return Error(node, field,
                   absl::StrCat("expected os/arch[/variant] (e.g. linux/amd64), got \"", *p,
                                "\""));
    }
    return p;
  }

  absl::Status LoadBuilder(const YAML::Node& node) {
    if (absl::Status s = CheckMap(node, "builder",
                                  {"kind", "platform", "cache_mode", "buildah", "buildx",
                                   "buildctl"});
        !s.ok()) {
      return s;
    }
    BuilderSettings& b = plane_.builder_;
    if (const YAML::Node kind = node["kind"]) {
      absl::StatusOr<std::string> k =
          OneOf(kind, "builder.kind", {"buildah", "buildx", "buildctl"});
      if (!k.ok()) return k.status();
      b.kind = *ParseBuilderKind(*k);
    }
    if (const YAML::Node platform = node["platform"]) {
      absl::StatusOr<std::string> p = Platform(platform, "builder.platform");
      if (!p.ok()) return p.status();
      b.platform = *p;
    }
    if (const YAML::Node mode = node["cache_mode"]) {
      absl::StatusOr<std::string> m = OneOf(mode, "builder.cache_mode", {"max", "min"});
      if (!m.ok()) return m.status();
      b.cache_mode = *m;
    }
    if (const YAML::Node buildah = node["buildah"]) {
      if (absl::Status s = CheckMap(buildah, "builder.buildah",
                                    {"storage_driver", "isolation", "root", "runroot"});
          !s.ok()) {
        return s;
      }
      if (const YAML::Node v = buildah["storage_driver"]) {
        absl::StatusOr<std::string> d =
            OneOf(v, "builder.buildah.storage_driver", {"vfs", "overlay"});
        if (!d.ok()) return d.status();
        b.buildah.storage_driver = *d;
      }
      if (const YAML::Node v = buildah["isolation"]) {
        absl::StatusOr<std::string> i =
            OneOf(v, "builder.buildah.isolation", {"chroot", "oci", "rootless"});
        if (!i.ok()) return i.status();
        b.buildah.isolation = *i;
      }
      for (auto [key, out] : {std::pair{"root", &b.buildah.root},
                              std::pair{"runroot", &b.buildah.runroot}}) {
        if (const YAML::Node v = buildah[key]) {
          absl::StatusOr<std::string> s = String(v, Join("builder.buildah", key), "a directory");
          if (!s.ok()) return s.status();
          *out = *s;
        }
      }
    }
    if (const YAML::Node buildx = node["buildx"]) {
      if (absl::Status s = CheckMap(buildx, "builder.buildx", {"builder"}); !s.ok()) return s;
      if (const YAML::Node v = buildx["builder"]) {
        absl::StatusOr<std::string> s = String(v, "builder.buildx.builder", "a builder name");
        if (!s.ok()) return s.status();
        b.buildx.builder = *s;
      }
    }
    if (const YAML::Node buildctl = node["buildctl"]) {
      if (absl::Status s = CheckMap(buildctl, "builder.buildctl", {"addr"}); !s.ok()) return s;
      if (const YAML::Node v = buildctl["addr"]) {
        absl::StatusOr<std::string> s =
            String(v, "builder.buildctl.addr", "a buildkitd address (unix://, tcp://)");
        if (!s.ok()) return s.status();
        b.buildctl.addr = *s;
      }
    }
    return absl::OkStatus();
  }

  std::string file_;
  BuildPlane plane_;
};

absl::StatusOr<BuildPlane> BuildPlane::Parse(std::string_view yaml, std::string_view file) {
  return BuildPlaneLoader(file).Load(yaml);
}

absl::StatusOr<BuildPlane> BuildPlane::Load(const std::filesystem::path& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) {
      return absl::NotFoundError(
          absl::StrCat(path.string(), ": no such topology file"));
    }
    return text.status();
  }
  return Parse(*text, path.string());
}

}  // namespace fops
