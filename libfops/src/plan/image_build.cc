#include "fops/plan/image_build.h"

#include <cstdlib>
#include <filesystem>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "fops/base/atomic_file.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"
#include "fops/model/tag_policy.h"

namespace fops {
namespace {

namespace fs = std::filesystem;

std::string Normal(const std::string& path) {
  std::string out = fs::path(path).lexically_normal().generic_string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out.empty() ? "." : out;
}

std::string BuildName(const ImageBuild& build) {
  return build.name.empty() ? absl::StrCat(build.target, "-image") : build.name;
}

// "image_build 'runtime-image' (Tiltfile.py:12): "
std::string Prefix(const ImageBuild& build) {
  std::string where = build.declared_at.ToString();
  return absl::StrCat("image_build '", BuildName(build), "'",
                      where.empty() ? "" : absl::StrCat(" (", where, ")"), ": ");
}

absl::Status WithPrefix(const ImageBuild& build, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(Prefix(build), s.message()));
}

// A repository given by the Tiltfile: a reference without tag or digest.
absl::StatusOr<ImageRef> ParseRepository(std::string_view text, std::string_view what) {
  absl::StatusOr<ImageRef> ref = ImageRef::Parse(text);
  if (!ref.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(what), ": ", ref.status().message()));
  }
  if (!ref->tag().empty() || !ref->digest().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        ToAbsl(what), " \"", ToAbsl(text),
        "\" must be a repository without tag or digest (the tag comes from the stage)"));
  }
  return ref;
}

}  // namespace

absl::StatusOr<ResolvedImageBuild> ResolveImageBuild(const BuildPlane& plane,
                                                     const ImageBuild& build) {
  auto fail = [&build](const absl::Status& s) { return WithPrefix(build, s); };
  if (build.target.empty()) {
    return fail(absl::InvalidArgumentError("target is empty (name a target of the build plane)"));
  }
  const Target* target = plane.FindTarget(build.target);
  if (target == nullptr) return fail(plane.RepositoryFor(build.target).status());
  const Stage* stage = plane.FindStage(build.stage);
  if (stage == nullptr) return fail(plane.ScopeFor(build.stage, build.target).status());

  ResolvedImageBuild r;
  r.name = BuildName(build);
  r.target = target->name;
  r.stage = stage->name;
  r.context = Normal(build.context.empty() ? target->context : build.context);
  if (!build.dockerfile.empty()) {
    r.dockerfile = Normal(build.dockerfile);
  } else if (!build.context.empty()) {
    r.dockerfile = Normal(absl::StrCat(r.context, "/Dockerfile"));
  } else {
    r.dockerfile = Normal(target->dockerfile);
  }
  r.target_stage = build.target_stage.empty() ? target->target_stage : build.target_stage;
  r.build_args = target->build_args;
  for (const auto& [k, v] : build.build_args) {
    if (k.empty() || k.find('=') != std::string::npos) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat("build arg name \"", k, "\" must be non-empty and have no '='")));
    }
    r.build_args[k] = v;
  }
  r.settings = plane.builder();
  r.platform = !build.platform.empty()    ? build.platform
               : !target->platform.empty() ? target->platform
                                           : r.settings.platform;
  r.builder = build.builder.value_or(r.settings.kind);

  // Where the image goes: the final registry, and nowhere else.
  if (!build.repository.empty()) {
    absl::StatusOr<ImageRef> repo = ParseRepository(build.repository, "repository");
    if (!repo.ok()) return fail(repo.status());
    r.repository = *repo;
  } else {
    absl::StatusOr<ImageRef> repo = plane.RepositoryFor(target->name);
    if (!repo.ok()) return fail(repo.status());
    r.repository = *repo;
  }
  const Registry* push_registry = plane.FindRegistryByHost(r.repository.domain());
  if (push_registry == nullptr) {
    return fail(absl::FailedPreconditionError(absl::StrCat(
        "refused: image ", r.repository.Name(), " would be pushed to ", r.repository.domain(),
        ", which is not a registry of the build plane ", plane.file(),
        "; images are pushed only to the final registry '", plane.final_registry().name, "' (",
        plane.final_registry().host, ")")));
  }
  if (absl::Status s = push_registry->CheckImagePush(r.repository.Name()); !s.ok()) {
    return fail(s);
  }
  r.push_tls_verify = push_registry->tls_verify;
  r.push_ca_file = push_registry->ca_file;
  r.push_credential = push_registry->credential;

  // The remote cache: the (stage, target) scope in the cache registry.
  r.cache_import = build.cache_import.value_or(stage->cache_import);
  r.cache_export = build.cache_export.value_or(stage->cache_export);
  const Registry* cache = plane.cache_registry();
  if (cache != nullptr) {
    absl::StatusOr<CacheScope> scope = plane.ScopeFor(stage->name, target->name);
    if (!scope.ok()) return fail(scope.status());
    r.scope = *scope;
    r.cache_ref = scope->Ref();
    r.cache_tls_verify = cache->tls_verify;
    r.cache_ca_file = cache->ca_file;
    r.cache_credential = cache->credential;
  }
  if (!build.cache_ref.empty()) {
    absl::StatusOr<ImageRef> ref = ParseRepository(build.cache_ref, "cache_ref");
    if (!ref.ok()) return fail(ref.status());
    const Registry* registry = plane.FindRegistryByHost(ref->domain());
    if (registry == nullptr) {
      return fail(absl::FailedPreconditionError(absl::StrCat(
          "refused: build cache ", ref->Name(), " is not in a registry of the build plane ",
          plane.file(), "; build cache lives only in the cache registry",
          cache == nullptr ? "" : absl::StrCat(" '", cache->name, "' (", cache->host, ")"))));
    }
    if (absl::Status s = registry->CheckCacheUse(ref->Name()); !s.ok()) return fail(s);
    for (const Stage& s : plane.stages()) {
      for (const Target& t : plane.targets()) {
        if (s.name == stage->name && t.name == target->name) continue;
        absl::StatusOr<CacheScope> other = plane.ScopeFor(s.name, t.name);
        if (other.ok() && other->Ref() == ref->Name()) {
          return fail(absl::FailedPreconditionError(absl::StrCat(
              "refused by rule ", ToAbsl(kRuleScopePerStageTarget), ": cache ", ref->Name(),
              " is the scope of ", s.name, "/", t.name, ", not of ", stage->name, "/",
              target->name, "; targets and stages never share a cache scope")));
        }
      }
    }
    r.cache_ref = ref->Name();
    r.cache_tls_verify = registry->tls_verify;
    r.cache_ca_file = registry->ca_file;
    r.cache_credential = registry->credential;
  }
  if ((r.cache_import || r.cache_export) && r.cache_ref.empty()) {
    return fail(absl::FailedPreconditionError(absl::StrCat(
        "remote cache ", r.cache_import ? "import" : "export",
        " is on, but the build plane ", plane.file(),
        " has no cache registry (role: cache) to hold it")));
  }

  if (build.tag.empty()) {
    r.tag_template = stage->tag_template;
  } else {
    if (absl::Status s = ImageRef::CheckTag(build.tag); !s.ok()) return fail(s);
    if (absl::Status s = plane.tag_policy().CheckDevLoopPush(build.tag); !s.ok()) return fail(s);
    r.tag_template = build.tag;
    if (absl::Status s = TagPolicy::CheckTemplate(build.tag); !s.ok()) return fail(s);
  }
  return r;
}

BuilderCommands RenderBuilderCommands(const ResolvedImageBuild& b, const ImageRef& ref) {
  BuilderCommands out;
  std::vector<std::string>& cmd = out.cmd;
  const std::string image = ref.String();
  auto add_args = [&b](std::vector<std::string>& argv, std::string_view flag) {
    for (const auto& [k, v] : b.build_args) {
      argv.push_back(std::string(flag));
      argv.push_back(absl::StrCat(k, "=", v));
    }
  };
  switch (b.builder) {
    case BuilderKind::kBuildah: {
      std::vector<std::string> global = {"buildah"};
      if (!b.settings.buildah.root.empty()) {
        global.insert(global.end(), {"--root", b.settings.buildah.root});
      }
      if (!b.settings.buildah.runroot.empty()) {
        global.insert(global.end(), {"--runroot", b.settings.buildah.runroot});
      }
      global.insert(global.end(), {"--storage-driver", b.settings.buildah.storage_driver});
      // The CA of a registry is read from its file's directory (*.crt).
      auto cert_dir = [](const std::string& ca_file) {
        return std::filesystem::path(ca_file).parent_path().string();
      };
      const bool uses_cache = b.cache_import || b.cache_export;
      cmd = global;
      cmd.insert(cmd.end(), {"build", "--isolation", b.settings.buildah.isolation, "--layers",
                             "-f", b.dockerfile, "-t", image});
      if (!b.login_file.empty()) cmd.insert(cmd.end(), {"--authfile", b.login_file});
      if (uses_cache && !b.cache_ca_file.empty()) {
        cmd.insert(cmd.end(), {"--cert-dir", cert_dir(b.cache_ca_file)});
      }
      if (!b.target_stage.empty()) cmd.insert(cmd.end(), {"--target", b.target_stage});
      if (!b.platform.empty()) cmd.insert(cmd.end(), {"--platform", b.platform});
      add_args(cmd, "--build-arg");
      if (b.cache_import) cmd.insert(cmd.end(), {"--cache-from", b.cache_ref});
      if (b.cache_export) cmd.insert(cmd.end(), {"--cache-to", b.cache_ref});
      if ((b.cache_import || b.cache_export) && !b.cache_tls_verify) {
        cmd.push_back("--tls-verify=false");
      }
      cmd.push_back(b.context);
      std::vector<std::string> push = global;
      push.insert(push.end(), {"push", absl::StrCat("--tls-verify=", b.push_tls_verify ? "true"
                                                                                         : "false")});
      if (!b.login_file.empty()) push.insert(push.end(), {"--authfile", b.login_file});
      if (!b.push_ca_file.empty()) push.insert(push.end(), {"--cert-dir", cert_dir(b.push_ca_file)});
      push.push_back(image);
      out.then.push_back(std::move(push));
      break;
    }
    case BuilderKind::kBuildx: {
      cmd = {"docker", "buildx", "build"};
      if (!b.settings.buildx.builder.empty()) {
        cmd.insert(cmd.end(), {"--builder", b.settings.buildx.builder});
      }
      cmd.insert(cmd.end(), {"-f", b.dockerfile, "-t", image});
      if (!b.target_stage.empty()) cmd.insert(cmd.end(), {"--target", b.target_stage});
      if (!b.platform.empty()) cmd.insert(cmd.end(), {"--platform", b.platform});
      add_args(cmd, "--build-arg");
      if (b.cache_import) {
        cmd.insert(cmd.end(), {"--cache-from", absl::StrCat("type=registry,ref=", b.cache_ref)});
      }
      if (b.cache_export) {
        cmd.insert(cmd.end(), {"--cache-to",
                               absl::StrCat("type=registry,ref=", b.cache_ref, ",mode=",
                                            b.settings.cache_mode,
                                            b.cache_tls_verify ? "" : ",registry.insecure=true")});
      }
      if (b.push_tls_verify) {
        cmd.push_back("--push");
      } else {
        cmd.insert(cmd.end(), {"--output", absl::StrCat("type=image,name=", image,
                                                        ",push=true,registry.insecure=true")});
      }
      cmd.push_back(b.context);
      break;
    }
    case BuilderKind::kBuildctl: {
      cmd = {"buildctl"};
      if (!b.settings.buildctl.addr.empty()) {
        cmd.insert(cmd.end(), {"--addr", b.settings.buildctl.addr});
      }
      std::filesystem::path dockerfile(b.dockerfile);
      std::string dockerfile_dir =
          dockerfile.has_parent_path() ? dockerfile.parent_path().generic_string() : ".";
      cmd.insert(cmd.end(), {"build", "--frontend", "dockerfile.v0", "--local",
                             absl::StrCat("context=", b.context), "--local",
                             absl::StrCat("dockerfile=", dockerfile_dir), "--opt",
                             absl::StrCat("filename=", dockerfile.filename().generic_string())});
      if (!b.target_stage.empty()) {
        cmd.insert(cmd.end(), {"--opt", absl::StrCat("target=", b.target_stage)});
      }
      if (!b.platform.empty()) {
        cmd.insert(cmd.end(), {"--opt", absl::StrCat("platform=", b.platform)});
      }
      for (const auto& [k, v] : b.build_args) {
        cmd.insert(cmd.end(), {"--opt", absl::StrCat("build-arg:", k, "=", v)});
      }
      const char* insecure = b.push_tls_verify ? "" : ",registry.insecure=true";
      cmd.insert(cmd.end(),
                 {"--output", absl::StrCat("type=image,name=", image, ",push=true", insecure)});
      if (b.cache_export) {
        cmd.insert(cmd.end(), {"--export-cache",
                               absl::StrCat("type=registry,ref=", b.cache_ref, ",mode=",
                                            b.settings.cache_mode,
                                            b.cache_tls_verify ? "" : ",registry.insecure=true")});
      }
      if (b.cache_import) {
        cmd.insert(cmd.end(), {"--import-cache", absl::StrCat("type=registry,ref=", b.cache_ref)});
      }
      break;
    }
  }
  return out;
}

std::vector<std::string> DockerfileBaseRefs(std::string_view dockerfile,
                                            const std::map<std::string, std::string>& build_args) {
  // Logical lines: a trailing backslash continues; comment lines vanish.
  std::vector<std::string> lines;
  std::string current;
  for (absl::string_view raw : absl::StrSplit(ToAbsl(dockerfile), '\n')) {
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (absl::StartsWith(line, "#")) continue;
    if (absl::EndsWith(line, "\\")) {
      absl::StrAppend(&current, line.substr(0, line.size() - 1), " ");
      continue;
    }
    absl::StrAppend(&current, line);
    lines.push_back(std::move(current));
    current.clear();
  }
  if (!current.empty()) lines.push_back(current);

  std::map<std::string, std::string> args;  // ARG defaults before the first FROM
  bool seen_from = false;
  std::set<std::string> stages;
  std::vector<std::string> refs;
  auto substitute = [&](std::string text) {
    for (int round = 0; round < 4 && text.find('$') != std::string::npos; ++round) {
      for (const auto& [name, value] : args) {
        auto it = build_args.find(name);
        const std::string& v = it == build_args.end() ? value : it->second;
        text = absl::StrReplaceAll(text, {{absl::StrCat("${", name, "}"), v}});
        text = absl::StrReplaceAll(text, {{absl::StrCat("$", name), v}});
      }
    }
    return text;
  };
  for (const std::string& line : lines) {
    std::vector<std::string> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (words.empty()) continue;
    std::string instruction = absl::AsciiStrToUpper(words[0]);
    if (instruction == "ARG" && !seen_from && words.size() >= 2) {
      std::vector<std::string> kv = absl::StrSplit(words[1], absl::MaxSplits('=', 1));
      std::string value = kv.size() == 2 ? kv[1] : "";
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
          value.back() == value.front()) {
        value = value.substr(1, value.size() - 2);
      }
      auto it = build_args.find(kv[0]);
      args[kv[0]] = it == build_args.end() ? value : it->second;
      continue;
    }
    if (instruction != "FROM") continue;
    seen_from = true;
    size_t i = 1;
    while (i < words.size() && absl::StartsWith(words[i], "--")) ++i;
    if (i >= words.size()) continue;
    std::string image = substitute(words[i]);
    std::string lower = absl::AsciiStrToLower(image);
    const bool earlier_stage = stages.count(lower) > 0;
    if (i + 2 < words.size() && absl::AsciiStrToUpper(words[i + 1]) == "AS") {
      stages.insert(absl::AsciiStrToLower(words[i + 2]));
    }
    if (lower == "scratch" || earlier_stage) continue;
    absl::StatusOr<ImageRef> ref = ImageRef::Parse(image);
    refs.push_back(ref.ok() ? ref->String() : image);
  }
  return refs;
}

absl::StatusOr<ImageSources> ReadImageSources(const std::string& dir,
                                              const ResolvedImageBuild& build) {
  fs::path base(dir.empty() ? "." : dir);
  std::error_code ec;
  if (!fs::is_directory(base / build.context, ec)) {
    return absl::NotFoundError(absl::StrCat("context '", build.context,
                                            "' is not a directory (relative to ", base.string(),
                                            ")"));
  }
  absl::StatusOr<std::string> dockerfile = ReadFile(base / build.dockerfile);
  if (!dockerfile.ok()) {
    return absl::Status(dockerfile.status().code(),
                        absl::StrCat("dockerfile '", build.dockerfile,
                                     "' cannot be read (relative to ", base.string(),
                                     "): ", dockerfile.status().message()));
  }
  ImageSources sources;
  sources.base_refs = DockerfileBaseRefs(*dockerfile, build.build_args);
  absl::StatusOr<std::string> ignore = ReadFile(base / build.context / ".dockerignore");
  if (ignore.ok()) {
    for (absl::string_view raw : absl::StrSplit(*ignore, '\n')) {
      absl::string_view line = absl::StripAsciiWhitespace(raw);
      if (line.empty() || absl::StartsWith(line, "#")) continue;
      sources.dockerignore.emplace_back(line);
    }
  } else if (!absl::IsNotFound(ignore.status())) {
    return ignore.status();
  }
  return sources;
}

UpdateInputs ImageBuildInputs(const ResolvedImageBuild& build, const ImageSources& sources) {
  UpdateInputs inputs;
  inputs.paths = {build.context};
  if (build.dockerfile != build.context) inputs.paths.push_back(build.dockerfile);
  for (const std::string& raw : sources.dockerignore) {
    std::string_view pattern = raw;
    bool exception = !pattern.empty() && pattern.front() == '!';
    if (exception) pattern.remove_prefix(1);
    while (!pattern.empty() && pattern.front() == '/') pattern.remove_prefix(1);
    while (pattern.substr(0, 2) == "./") pattern.remove_prefix(2);
    if (pattern.empty()) continue;
    std::string rooted = build.context == "." ? std::string(pattern)
                                              : absl::StrCat(build.context, "/", ToAbsl(pattern));
    inputs.ignore.push_back(absl::StrCat(exception ? "!" : "", rooted));
  }
  inputs.values["builder"] = std::string(BuilderKindName(build.builder));
  // Where the build goes: part of its identity, and what telemetry reports
  // (target, stage, cache scope, cache.imported / cache.exported).
  inputs.values["target"] = build.target;
  inputs.values["stage"] = build.stage;
  if (!build.cache_ref.empty()) inputs.values["cache_scope"] = build.cache_ref;
  inputs.values["cache_import"] = build.cache_import ? "true" : "false";
  inputs.values["cache_export"] = build.cache_export ? "true" : "false";
  if (!build.platform.empty()) inputs.values["platform"] = build.platform;
  if (!build.target_stage.empty()) inputs.values["target_stage"] = build.target_stage;
  for (const auto& [k, v] : build.build_args) inputs.values[absl::StrCat("build_arg.", k)] = v;
  for (size_t i = 0; i < sources.base_refs.size(); ++i) {
    inputs.values[absl::StrCat("base.", i + 1)] = sources.base_refs[i];
  }
  // How the gate reaches the final registry to confirm the push, and how
  // the run logs in to the registries (references, never secrets).
  using Kind = RegistryCredentialSource::Kind;
  if (!build.push_tls_verify) inputs.values["registry_tls_verify"] = "false";
  if (!build.push_ca_file.empty()) inputs.values["registry_ca_file"] = build.push_ca_file;
  if (build.push_credential.kind != Kind::kDefault) {
    inputs.values["registry_credential"] = build.push_credential.Encode();
  }
  if (!build.cache_ref.empty()) {
    if (!build.cache_tls_verify) inputs.values["cache_tls_verify"] = "false";
    if (!build.cache_ca_file.empty()) inputs.values["cache_ca_file"] = build.cache_ca_file;
    if (build.cache_credential.kind != Kind::kDefault) {
      inputs.values["cache_credential"] = build.cache_credential.Encode();
    }
  }
  return inputs;
}

namespace {

// A path from the plane, as the builders and the checks need it: `~/`
// under HOME, relative ones under the Tiltfile's directory.
std::string PlanePath(const std::string& dir, const std::string& path) {
  if (path.empty()) return path;
  if (path.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    return (std::filesystem::path(home != nullptr ? home : "") / path.substr(2)).string();
  }
  std::filesystem::path p(path);
  if (p.is_absolute() || dir.empty()) return path;
  return (std::filesystem::path(dir) / p).lexically_normal().string();
}

}  // namespace

void ResolvePlanePaths(const std::string& dir, ResolvedImageBuild& build) {
  build.push_ca_file = PlanePath(dir, build.push_ca_file);
  build.cache_ca_file = PlanePath(dir, build.cache_ca_file);
  for (RegistryCredentialSource* c : {&build.push_credential, &build.cache_credential}) {
    c->auth_file = PlanePath(dir, c->auth_file);
  }
}

absl::StatusOr<Resource> CompileImageBuild(const BuildPlane& plane, const ImageBuild& build,
                                           const ImageBuildContext& context) {
  FOPS_ASSIGN_OR_RETURN(ResolvedImageBuild resolved, ResolveImageBuild(plane, build));
  ResolvePlanePaths(context.dir, resolved);
  using Kind = RegistryCredentialSource::Kind;
  if (resolved.push_credential.kind != Kind::kDefault ||
      (!resolved.cache_ref.empty() && resolved.cache_credential.kind != Kind::kDefault)) {
    if (context.login_file.empty()) {
      return WithPrefix(build, absl::FailedPreconditionError(
                                   "the build plane names a registry credential, but this load "
                                   "has no state directory to prepare the run's logins for"));
    }
    resolved.login_file = context.login_file;
  }
  absl::StatusOr<ImageSources> sources = ReadImageSources(context.dir, resolved);
  if (!sources.ok()) return WithPrefix(build, sources.status());
  UpdateInputs inputs = ImageBuildInputs(resolved, *sources);

  TagValues values{.revision = context.revision, .stage = resolved.stage,
                   .target = resolved.target};
  if (TagPolicy::Uses(resolved.tag_template, "inputs")) {
    if (!context.inputs_digest) {
      return WithPrefix(build, absl::FailedPreconditionError(absl::StrCat(
                                   "tag template \"", resolved.tag_template,
                                   "\" uses {inputs}, but no input digest is available")));
    }
    absl::StatusOr<std::string> digest = context.inputs_digest(context.dir, inputs);
    if (!digest.ok()) return WithPrefix(build, digest.status());
    values.inputs = *digest;
  }
  absl::StatusOr<std::string> tag = TagPolicy::Render(resolved.tag_template, values);
  if (!tag.ok()) return WithPrefix(build, tag.status());
  if (absl::Status s = plane.tag_policy().CheckDevLoopPush(*tag); !s.ok()) {
    return WithPrefix(build, s);
  }
  absl::StatusOr<ImageRef> ref = resolved.repository.WithTag(*tag);
  if (!ref.ok()) return WithPrefix(build, ref.status());

  BuilderCommands commands = RenderBuilderCommands(resolved, *ref);
  Resource r;
  r.name = resolved.name;
  r.kind = "image";
  // buildx and buildctl read logins from $DOCKER_CONFIG/config.json.
  if (!resolved.login_file.empty() && resolved.builder != BuilderKind::kBuildah) {
    r.env["DOCKER_CONFIG"] = std::filesystem::path(resolved.login_file).parent_path().string();
  }
  r.cmd = Command::Argv(std::move(commands.cmd));
  for (std::vector<std::string>& argv : commands.then) {
    r.then_cmds.push_back(Command::Argv(std::move(argv)));
  }
  r.dir = context.dir;
  // `fops up` rebuilds when the context changes, with the same exclusions.
  for (const std::string& path : inputs.paths) {
    r.deps.push_back(context.dir.empty()
                         ? path
                         : Normal((fs::path(context.dir) / path).generic_string()));
  }
  r.ignore = inputs.ignore;
  r.resource_deps = build.resource_deps;
  r.labels = build.labels;
  r.declared_at = build.declared_at;
  inputs.produces = ref->String();
  r.inputs = std::move(inputs);
  return r;
}

}  // namespace fops
