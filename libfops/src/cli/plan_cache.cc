#include "fops/cli/plan_cache.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "fops/base/atomic_file.h"
#include "fops/base/state_dir.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"
#include "fops/model/project_json.h"
#include "fops/model/project_secrets.h"
#include "fops/watch/input_digest.h"

namespace fops {
namespace {

using json = nlohmann::json;

// Bumped whenever the file's meaning changes: an older plan is then a miss.
// 2: secret env values are references to environment variables, never values.
constexpr int kPlanFormat = 2;

constexpr std::pair<PlanInput::Kind, std::string_view> kKindNames[] = {
    {PlanInput::Kind::kContent, "content"},   {PlanInput::Kind::kIdentity, "identity"},
    {PlanInput::Kind::kPresence, "presence"}, {PlanInput::Kind::kListing, "listing"},
    {PlanInput::Kind::kEnv, "env"},
};

json RequestToJson(const PlanRequest& r) {
  return {{"tiltfile", r.tiltfile}, {"cwd", r.cwd},           {"subcommand", r.subcommand},
          {"args", r.args},         {"resources", r.resources}};
}

PlanRequest RequestFromJson(const json& j) {
  return {.tiltfile = j.at("tiltfile").get<std::string>(),
          .cwd = j.at("cwd").get<std::string>(),
          .subcommand = j.at("subcommand").get<std::string>(),
          .args = j.at("args").get<std::vector<std::string>>(),
          .resources = j.at("resources").get<std::vector<std::string>>()};
}

json GuardToJson(const GuardConfig& g) {
  json targets = json::array();
  for (const HelmTarget& t : g.staging_targets) targets.push_back({t.release, t.namespace_name});
  return {{"dev_namespaces", g.dev_namespaces},
          {"dev_release_suffix", g.dev_release_suffix},
          {"dev_releases", g.dev_releases},
          {"staging_targets", targets},
          {"preview_namespaces", g.preview_namespaces},
          {"release_tags", g.release_tags},
          {"inspect_scripts", g.inspect_scripts},
          {"allowed_contexts", g.allowed_contexts},
          {"current_context", g.current_context}};
}

GuardConfig GuardFromJson(const json& j) {
  GuardConfig g;
  g.dev_namespaces = j.at("dev_namespaces").get<std::vector<std::string>>();
  g.dev_release_suffix = j.at("dev_release_suffix").get<std::string>();
  g.dev_releases = j.at("dev_releases").get<std::vector<std::string>>();
  for (const json& t : j.at("staging_targets")) {
    g.staging_targets.push_back({.release = t.at(0).get<std::string>(),
                                 .namespace_name = t.at(1).get<std::string>()});
  }
  g.preview_namespaces = j.at("preview_namespaces").get<std::vector<std::string>>();
  g.release_tags = j.at("release_tags").get<std::vector<std::string>>();
  g.inspect_scripts = j.at("inspect_scripts").get<bool>();
  g.allowed_contexts = j.at("allowed_contexts").get<std::vector<std::string>>();
  g.current_context = j.at("current_context").get<std::string>();
  return g;
}

std::string ObserveContent(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return absl::IsNotFound(bytes.status()) ? "absent" : "unreadable";
  return Xxh128Hex(*bytes);
}

std::string ObserveIdentity(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "absent";
  return absl::StrCat(st.st_dev, ":", st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".",
                      st.st_mtim.tv_nsec);
}

std::string ObservePresence(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "absent";
  if (S_ISREG(st.st_mode)) return "file";
  if (S_ISDIR(st.st_mode)) return "dir";
  return "other";
}

std::string ObserveListing(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return "absent";
  std::vector<std::string> names;
  while (dirent* entry = readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  std::string joined;
  for (const std::string& name : names) absl::StrAppend(&joined, name, "\n");
  return Xxh128Hex(joined);
}

std::string ObserveEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value == nullptr ? "unset" : Xxh128Hex(value);
}

// The environment variable the load read whose value was `value`, if any.
std::optional<std::string> VariableHolding(const std::vector<PlanInput>& inputs,
                                           const std::string& value) {
  const std::string digest = Xxh128Hex(value);
  for (const PlanInput& input : inputs) {
    if (input.kind == PlanInput::Kind::kEnv && input.observed == digest) return input.path;
  }
  return std::nullopt;
}

// `project` as stored: each env/serve_env value holding a secret that an
// environment variable read by the load provides is emptied, and noted in
// `refs` as [resource index, "env" or "serve_env", entry name, variable].
Project WithoutSecretEnv(const CachedPlan& plan, const Redactor& secrets, json& refs) {
  Project stored = plan.project;
  for (size_t i = 0; i < stored.resources.size(); ++i) {
    Resource& r = stored.resources[i];
    for (auto [field, env] : {std::pair{"env", &r.env}, std::pair{"serve_env", &r.serve_env}}) {
      for (auto& [name, value] : *env) {
        if (!secrets.Contains(value)) continue;
        std::optional<std::string> variable = VariableHolding(plan.inputs, value);
        if (!variable) continue;  // left in place: SecretAt() refuses the plan
        refs.push_back({i, field, name, *variable});
        value.clear();
      }
    }
  }
  return stored;
}

// Where in `doc` a secret value is ("project.resources[0].cmd"), or "".
std::string SecretAt(const json& doc, const Redactor& secrets, const std::string& at) {
  if (doc.is_string()) return secrets.Contains(doc.get_ref<const std::string&>()) ? at : "";
  if (doc.is_array()) {
    for (size_t i = 0; i < doc.size(); ++i) {
      std::string found = SecretAt(doc[i], secrets, absl::StrCat(at, "[", i, "]"));
      if (!found.empty()) return found;
    }
  } else if (doc.is_object()) {
    for (const auto& [key, value] : doc.items()) {
      if (secrets.Contains(key)) return at;
      std::string found =
          SecretAt(value, secrets, at.empty() ? key : absl::StrCat(at, ".", key));
      if (!found.empty()) return found;
    }
  }
  return "";
}

}  // namespace

std::string_view PlanInputKindName(PlanInput::Kind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<PlanInput::Kind> PlanInputKindNamed(std::string_view name) {
  for (const auto& [kind, kind_name] : kKindNames) {
    if (kind_name == name) return kind;
  }
  return std::nullopt;
}

std::string ObservePlanInput(PlanInput::Kind kind, const std::string& path) {
  switch (kind) {
    case PlanInput::Kind::kContent:
      return ObserveContent(path);
    case PlanInput::Kind::kIdentity:
      return ObserveIdentity(path);
    case PlanInput::Kind::kPresence:
      return ObservePresence(path);
    case PlanInput::Kind::kListing:
      return ObserveListing(path);
    case PlanInput::Kind::kEnv:
      return ObserveEnv(path);
  }
  return "?";
}

PlanRequest MakePlanRequest(std::string_view tiltfile, std::string_view subcommand,
                            std::vector<std::string> args, std::vector<std::string> resources) {
  std::error_code ec;
  std::filesystem::path cwd = std::filesystem::current_path(ec);
  std::filesystem::path file = (cwd / std::filesystem::path(tiltfile)).lexically_normal();
  return {.tiltfile = file.string(),
          .cwd = cwd.string(),
          .subcommand = std::string(subcommand),
          .args = std::move(args),
          .resources = std::move(resources)};
}

std::filesystem::path PlanCachePath(const PlanRequest& request) {
  std::filesystem::path state_dir = StateDirFor(std::filesystem::path(request.tiltfile).parent_path());
  // Arguments and paths are bytes, not always UTF-8: invalid sequences are
  // replaced for naming only (valid text names the same file as before);
  // two requests that meet there differ in the file's request and miss.
  const std::string key =
      RequestToJson(request).dump(-1, ' ', false, json::error_handler_t::replace);
  return state_dir / "plan-cache" / (Xxh128Hex(key) + ".json");
}

absl::Status StoreCachedPlan(const std::filesystem::path& path, const CachedPlan& plan) {
  json inputs = json::array();
  for (const PlanInput& input : plan.inputs) {
    inputs.push_back({PlanInputKindName(input.kind), input.path, input.observed});
  }
  const Redactor secrets = ProjectRedactor(plan.project);
  json secret_env = json::array();
  const Project stored = WithoutSecretEnv(plan, secrets, secret_env);
  json doc = {{"format", kPlanFormat},
              {"request", RequestToJson(plan.request)},
              {"inputs", inputs},
              {"load_stdout", plan.load_stdout},
              {"load_stderr", plan.load_stderr},
              {"selection", plan.selection},
              {"guard", GuardToJson(plan.guard)},
              {"project", json::parse(ProjectToJson(stored))},
              {"secret_env", secret_env}};
  if (std::string at = SecretAt(doc, secrets, ""); !at.empty()) {
    // An older plan for the same command goes too: it may hold the value.
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    return absl::FailedPreconditionError(absl::StrCat(
        "the plan would hold a secret value (", secrets.Redact(at),
        ") that no environment variable read by the load provides"));
  }
  std::string text;
  try {
    text = doc.dump(1) + "\n";
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ": plan not stored: it holds text that is not UTF-8 (",
                     e.what(), ")"));
  }
  absl::Status status = WriteFileAtomic(path, text);
  if (!status.ok()) return status;
  std::error_code ec;
  std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write, ec);
  return absl::OkStatus();
}

absl::StatusOr<CachedPlan> LoadCachedPlan(const std::filesystem::path& path) {
  FOPS_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto unreadable = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ": not a plan this fops can use: ", ToAbsl(why)));
  };
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return unreadable("invalid JSON");
  if (!doc.contains("format") || doc["format"] != kPlanFormat) return unreadable("another format");
  CachedPlan plan;
  std::string project_text;
  // Every read of the document throws on a missing key or another type
  // (json::at, get): such a plan is damaged, which is a miss.
  try {
    plan.request = RequestFromJson(doc.at("request"));
    for (const json& input : doc.at("inputs")) {
      std::optional<PlanInput::Kind> kind = PlanInputKindNamed(input.at(0).get<std::string>());
      if (!kind) return unreadable("an unknown input kind");
      plan.inputs.push_back({.kind = *kind,
                             .path = input.at(1).get<std::string>(),
                             .observed = input.at(2).get<std::string>()});
    }
    plan.load_stdout = doc.at("load_stdout").get<std::string>();
    plan.load_stderr = doc.at("load_stderr").get<std::string>();
    plan.selection = doc.at("selection").get<std::vector<std::string>>();
    plan.guard = GuardFromJson(doc.at("guard"));
    project_text = doc.at("project").dump();
  } catch (const json::exception& e) {
    return unreadable(e.what());
  }
  absl::StatusOr<Project> project = ProjectFromJson(project_text, path.string());
  if (!project.ok()) return unreadable(std::string(project.status().message()));
  plan.project = *std::move(project);
  // Secret env values come from the variables the load read them from;
  // StaleInput() then says whether those still hold what the load saw.
  try {
    for (const json& ref : doc.at("secret_env")) {
      const size_t index = ref.at(0).get<size_t>();
      const std::string field = ref.at(1).get<std::string>();
      const std::string variable = ref.at(3).get<std::string>();
      const bool read = std::any_of(plan.inputs.begin(), plan.inputs.end(), [&](const PlanInput& i) {
        return i.kind == PlanInput::Kind::kEnv && i.path == variable;
      });
      if (index >= plan.project.resources.size() || (field != "env" && field != "serve_env") ||
          !read) {
        return unreadable("a secret_env entry that refers to nothing the load read");
      }
      Resource& r = plan.project.resources[index];
      const char* value = std::getenv(variable.c_str());
      (field == "env" ? r.env : r.serve_env)[ref.at(2).get<std::string>()] =
          value == nullptr ? "" : value;
    }
  } catch (const json::exception& e) {
    return unreadable(e.what());
  }
  return plan;
}

std::string StaleInput(const CachedPlan& plan) {
  for (const PlanInput& input : plan.inputs) {
    if (ObservePlanInput(input.kind, input.path) == input.observed) continue;
    if (input.kind == PlanInput::Kind::kEnv) return absl::StrCat("$", input.path, " changed");
    return absl::StrCat(input.path, " changed");
  }
  return "";
}

}  // namespace fops
