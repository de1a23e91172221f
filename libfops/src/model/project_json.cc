#include "fops/model/project_json.h"

#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"
#include "fops/model/project_secrets.h"
#include "nlohmann/json.hpp"

namespace fops {
namespace {

using ordered_json = nlohmann::ordered_json;

// ---- writing -------------------------------------------------------------

ordered_json CommandToJson(const Command& command) {
  if (command.is_shell()) return command.script();
  return command.argv();
}

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

ordered_json ProbeToJson(const Probe& probe) {
  ordered_json out = ordered_json::object();
  if (const auto* http = std::get_if<HttpGetAction>(&probe.action)) {
    out["http_get"] = {{"host", http->host},
                       {"port", http->port},
                       {"path", http->path},
                       {"scheme", http->scheme}};
  } else if (const auto* tcp = std::get_if<TcpSocketAction>(&probe.action)) {
    out["tcp_socket"] = {{"host", tcp->host}, {"port", tcp->port}};
  } else {
    out["exec"] = {{"command", std::get<ExecAction>(probe.action).command}};
  }
  out["initial_delay_secs"] = Seconds(probe.initial_delay);
  out["timeout_secs"] = Seconds(probe.timeout);
  out["period_secs"] = Seconds(probe.period);
  out["success_threshold"] = probe.success_threshold;
  out["failure_threshold"] = probe.failure_threshold;
  return out;
}

ordered_json ResourceToJson(const Resource& r) {
  ordered_json out = ordered_json::object();
  out["name"] = r.name;
  out["kind"] = r.kind;
  if (!r.cmd.empty()) out["cmd"] = CommandToJson(r.cmd);
  if (!r.then_cmds.empty()) {
    ordered_json then = ordered_json::array();
    for (const Command& c : r.then_cmds) then.push_back(CommandToJson(c));
    out["then_cmds"] = then;
  }
  if (!r.serve_cmd.empty()) out["serve_cmd"] = CommandToJson(r.serve_cmd);
  out["deps"] = r.deps;
  out["ignore"] = r.ignore;
  out["resource_deps"] = r.resource_deps;
  out["trigger_mode"] = r.trigger_mode == TriggerMode::kAuto ? "auto" : "manual";
  out["auto_init"] = r.auto_init;
  out["allow_parallel"] = r.allow_parallel;
  out["labels"] = r.labels;
  out["env"] = r.env;
  out["serve_env"] = r.serve_env;
  out["dir"] = r.dir;
  out["serve_dir"] = r.serve_dir;
  if (r.readiness_probe) out["readiness_probe"] = ProbeToJson(*r.readiness_probe);
  ordered_json links = ordered_json::array();
  for (const Link& link : r.links) links.push_back({{"url", link.url}, {"name", link.name}});
  out["links"] = links;
  out["timeout"] = Seconds(r.timeout);
  if (!r.inputs.empty() || !r.inputs.produces.empty()) {
    out["inputs"] = {{"paths", r.inputs.paths},
                     {"ignore", r.inputs.ignore},
                     {"values", r.inputs.values},
                     {"produces", r.inputs.produces}};
  }
  if (r.declared_at.known()) {
    out["declared_at"] = {{"file", r.declared_at.file}, {"line", r.declared_at.line}};
  }
  return out;
}

// ---- reading -------------------------------------------------------------

// Reads one JSON object field by field, so every error names its path and
// every key nobody read is reported as unknown.
class Reader {
 public:
  Reader(const ordered_json& node, std::string path) : node_(node), path_(std::move(path)) {}

  absl::Status ExpectObject() const {
    if (!node_.is_object()) return Error(path_, "expected an object");
    return absl::OkStatus();
  }

  bool Has(const std::string& key) {
    seen_.insert(key);
    return node_.contains(key) && !node_.at(key).is_null();
  }

  std::string Path(const std::string& key) const {
    return path_.empty() ? key : absl::StrCat(path_, ".", key);
  }

  const ordered_json& At(const std::string& key) const { return node_.at(key); }

  absl::Status String(const std::string& key, std::string* out) {
    if (!Has(key)) return absl::OkStatus();
    if (!At(key).is_string()) return Error(Path(key), "expected a string");
    *out = At(key).get<std::string>();
    return absl::OkStatus();
  }

  absl::Status Bool(const std::string& key, bool* out) {
    if (!Has(key)) return absl::OkStatus();
    if (!At(key).is_boolean()) return Error(Path(key), "expected true or false");
    *out = At(key).get<bool>();
    return absl::OkStatus();
  }

  absl::Status Int(const std::string& key, int* out) {
    if (!Has(key)) return absl::OkStatus();
    if (!At(key).is_number_integer()) return Error(Path(key), "expected an integer");
    *out = At(key).get<int>();
    return absl::OkStatus();
  }

  absl::Status Seconds(const std::string& key, absl::Duration* out) {
    if (!Has(key)) return absl::OkStatus();
    // Beyond ~2.9e11 years a duration is infinite, which JSON cannot
    // write back (it would come back as null: no timeout at all).
    if (!At(key).is_number() || At(key).get<double>() < 0 ||
        !std::isfinite(At(key).get<double>()) ||
        absl::Seconds(At(key).get<double>()) == absl::InfiniteDuration()) {
      return Error(Path(key), "expected a number of seconds >= 0");
    }
    *out = absl::Seconds(At(key).get<double>());
    return absl::OkStatus();
  }

  absl::Status Strings(const std::string& key, std::vector<std::string>* out) {
    if (!Has(key)) return absl::OkStatus();
    return StringList(At(key), Path(key), out);
  }

  absl::Status StringMap(const std::string& key, std::map<std::string, std::string>* out) {
    if (!Has(key)) return absl::OkStatus();
    if (!At(key).is_object()) return Error(Path(key), "expected an object of strings");
    for (const auto& [k, v] : At(key).items()) {
      if (!v.is_string()) return Error(absl::StrCat(Path(key), ".", k), "expected a string");
      (*out)[k] = v.get<std::string>();
    }
    return absl::OkStatus();
  }

  absl::Status Cmd(const std::string& key, Command* out) {
    if (!Has(key)) return absl::OkStatus();
    return CommandFrom(At(key), Path(key), out);
  }

  /// Every key present that no call asked for is an error.
  absl::Status CheckNoUnknownKeys() const {
    for (const auto& [key, value] : node_.items()) {
      (void)value;
      if (!seen_.count(key)) return Error(Path(key), "unknown key");
    }
    return absl::OkStatus();
  }

  static absl::Status Error(const std::string& path, std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", ToAbsl(what)));
  }

  static absl::Status StringList(const ordered_json& node, const std::string& path,
                                 std::vector<std::string>* out) {
    if (!node.is_array()) return Error(path, "expected an array of strings");
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].is_string()) return Error(absl::StrCat(path, "[", i, "]"), "expected a string");
      out->push_back(node[i].get<std::string>());
    }
    return absl::OkStatus();
  }

  static absl::Status CommandFrom(const ordered_json& node, const std::string& path, Command* out) {
    if (node.is_string()) {
      *out = Command::Shell(node.get<std::string>());
      return absl::OkStatus();
    }
    if (!node.is_array()) return Error(path, "expected a string (sh -c) or an array (argv)");
    std::vector<std::string> argv;
    FOPS_RETURN_IF_ERROR(StringList(node, path, &argv));
    *out = Command::Argv(std::move(argv));
    return absl::OkStatus();
  }

 private:
  const ordered_json& node_;
  std::string path_;
  std::set<std::string> seen_;
};

absl::Status ReadProbe(const ordered_json& node, const std::string& path, Probe* probe) {
  Reader r(node, path);
  FOPS_RETURN_IF_ERROR(r.ExpectObject());
  int actions = 0;
  if (r.Has("http_get")) {
    ++actions;
    Reader a(r.At("http_get"), r.Path("http_get"));
    FOPS_RETURN_IF_ERROR(a.ExpectObject());
    HttpGetAction http;
    FOPS_RETURN_IF_ERROR(a.String("host", &http.host));
    FOPS_RETURN_IF_ERROR(a.Int("port", &http.port));
    FOPS_RETURN_IF_ERROR(a.String("path", &http.path));
    FOPS_RETURN_IF_ERROR(a.String("scheme", &http.scheme));
    FOPS_RETURN_IF_ERROR(a.CheckNoUnknownKeys());
    probe->action = http;
  }
  if (r.Has("tcp_socket")) {
    ++actions;
    Reader a(r.At("tcp_socket"), r.Path("tcp_socket"));
    FOPS_RETURN_IF_ERROR(a.ExpectObject());
    TcpSocketAction tcp;
    FOPS_RETURN_IF_ERROR(a.String("host", &tcp.host));
    FOPS_RETURN_IF_ERROR(a.Int("port", &tcp.port));
    FOPS_RETURN_IF_ERROR(a.CheckNoUnknownKeys());
    probe->action = tcp;
  }
  if (r.Has("exec")) {
    ++actions;
    Reader a(r.At("exec"), r.Path("exec"));
    FOPS_RETURN_IF_ERROR(a.ExpectObject());
    ExecAction exec;
    FOPS_RETURN_IF_ERROR(a.Strings("command", &exec.command));
    FOPS_RETURN_IF_ERROR(a.CheckNoUnknownKeys());
    probe->action = exec;
  }
  if (actions != 1) {
    return Reader::Error(path, "expected exactly one of http_get, tcp_socket, exec");
  }
  FOPS_RETURN_IF_ERROR(r.Seconds("initial_delay_secs", &probe->initial_delay));
  FOPS_RETURN_IF_ERROR(r.Seconds("timeout_secs", &probe->timeout));
  FOPS_RETURN_IF_ERROR(r.Seconds("period_secs", &probe->period));
  FOPS_RETURN_IF_ERROR(r.Int("success_threshold", &probe->success_threshold));
  FOPS_RETURN_IF_ERROR(r.Int("failure_threshold", &probe->failure_threshold));
  return r.CheckNoUnknownKeys();
}

absl::Status ReadResource(const ordered_json& node, const std::string& path, Resource* res) {
  Reader r(node, path);
  FOPS_RETURN_IF_ERROR(r.ExpectObject());
  FOPS_RETURN_IF_ERROR(r.String("name", &res->name));
  FOPS_RETURN_IF_ERROR(r.String("kind", &res->kind));
  FOPS_RETURN_IF_ERROR(r.Cmd("cmd", &res->cmd));
  if (r.Has("then_cmds")) {
    const ordered_json& then = r.At("then_cmds");
    if (!then.is_array()) return Reader::Error(r.Path("then_cmds"), "expected an array");
    for (size_t i = 0; i < then.size(); ++i) {
      Command command;
      FOPS_RETURN_IF_ERROR(Reader::CommandFrom(
          then[i], absl::StrCat(r.Path("then_cmds"), "[", i, "]"), &command));
      res->then_cmds.push_back(std::move(command));
    }
  }
  FOPS_RETURN_IF_ERROR(r.Cmd("serve_cmd", &res->serve_cmd));
  FOPS_RETURN_IF_ERROR(r.Strings("deps", &res->deps));
  FOPS_RETURN_IF_ERROR(r.Strings("ignore", &res->ignore));
  FOPS_RETURN_IF_ERROR(r.Strings("resource_deps", &res->resource_deps));
  std::string trigger = "auto";
  FOPS_RETURN_IF_ERROR(r.String("trigger_mode", &trigger));
  if (trigger != "auto" && trigger != "manual") {
    return Reader::Error(r.Path("trigger_mode"), "expected \"auto\" or \"manual\"");
  }
  res->trigger_mode = trigger == "auto" ? TriggerMode::kAuto : TriggerMode::kManual;
  FOPS_RETURN_IF_ERROR(r.Bool("auto_init", &res->auto_init));
  FOPS_RETURN_IF_ERROR(r.Bool("allow_parallel", &res->allow_parallel));
  FOPS_RETURN_IF_ERROR(r.Strings("labels", &res->labels));
  FOPS_RETURN_IF_ERROR(r.StringMap("env", &res->env));
  FOPS_RETURN_IF_ERROR(r.StringMap("serve_env", &res->serve_env));
  FOPS_RETURN_IF_ERROR(r.String("dir", &res->dir));
  FOPS_RETURN_IF_ERROR(r.String("serve_dir", &res->serve_dir));
  if (r.Has("readiness_probe")) {
    Probe probe;
    FOPS_RETURN_IF_ERROR(ReadProbe(r.At("readiness_probe"), r.Path("readiness_probe"), &probe));
    res->readiness_probe = probe;
  }
  if (r.Has("links")) {
    const ordered_json& links = r.At("links");
    if (!links.is_array()) return Reader::Error(r.Path("links"), "expected an array");
    for (size_t i = 0; i < links.size(); ++i) {
      Reader l(links[i], absl::StrCat(r.Path("links"), "[", i, "]"));
      FOPS_RETURN_IF_ERROR(l.ExpectObject());
      Link link;
      FOPS_RETURN_IF_ERROR(l.String("url", &link.url));
      FOPS_RETURN_IF_ERROR(l.String("name", &link.name));
      FOPS_RETURN_IF_ERROR(l.CheckNoUnknownKeys());
      res->links.push_back(std::move(link));
    }
  }
  FOPS_RETURN_IF_ERROR(r.Seconds("timeout", &res->timeout));
  if (r.Has("inputs")) {
    Reader in(r.At("inputs"), r.Path("inputs"));
    FOPS_RETURN_IF_ERROR(in.ExpectObject());
    FOPS_RETURN_IF_ERROR(in.Strings("paths", &res->inputs.paths));
    FOPS_RETURN_IF_ERROR(in.Strings("ignore", &res->inputs.ignore));
    FOPS_RETURN_IF_ERROR(in.StringMap("values", &res->inputs.values));
    FOPS_RETURN_IF_ERROR(in.String("produces", &res->inputs.produces));
    FOPS_RETURN_IF_ERROR(in.CheckNoUnknownKeys());
  }
  if (r.Has("declared_at")) {
    Reader at(r.At("declared_at"), r.Path("declared_at"));
    FOPS_RETURN_IF_ERROR(at.ExpectObject());
    FOPS_RETURN_IF_ERROR(at.String("file", &res->declared_at.file));
    FOPS_RETURN_IF_ERROR(at.Int("line", &res->declared_at.line));
    FOPS_RETURN_IF_ERROR(at.CheckNoUnknownKeys());
  }
  return r.CheckNoUnknownKeys();
}

}  // namespace

std::string ProjectToJson(const Project& project) {
  ordered_json out = ordered_json::object();
  out["tiltfile"] = project.tiltfile;
  out["root"] = project.root;
  out["settings"] = {{"max_parallel_updates", project.settings.max_parallel_updates},
                     {"ci_timeout", Seconds(project.settings.ci_timeout)}};
  ordered_json resources = ordered_json::array();
  for (const Resource& r : project.resources) resources.push_back(ResourceToJson(r));
  out["resources"] = resources;
  return out.dump(2) + "\n";
}

std::string ProjectToRedactedJson(const Project& project, const Redactor& redactor) {
  Project shown = project;
  shown.tiltfile = redactor.Redact(project.tiltfile);
  shown.root = redactor.Redact(project.root);
  for (Resource& resource : shown.resources) resource = RedactResource(resource, redactor);
  return ProjectToJson(shown);
}

absl::StatusOr<Project> ProjectFromJson(std::string_view text, std::string_view source) {
  ordered_json doc;
  try {
    doc = ordered_json::parse(text.begin(), text.end());
  } catch (const ordered_json::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(source), ": invalid JSON at byte ", e.byte, ": ", e.what()));
  } catch (const ordered_json::exception& e) {  // a number too large for a double (1e400)
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(source), ": invalid JSON: ", e.what()));
  }
  Project project;
  absl::Status status = [&]() -> absl::Status {
    Reader r(doc, "");
    FOPS_RETURN_IF_ERROR(r.ExpectObject());
    FOPS_RETURN_IF_ERROR(r.String("tiltfile", &project.tiltfile));
    FOPS_RETURN_IF_ERROR(r.String("root", &project.root));
    if (r.Has("settings")) {
      Reader s(r.At("settings"), "settings");
      FOPS_RETURN_IF_ERROR(s.ExpectObject());
      FOPS_RETURN_IF_ERROR(s.Int("max_parallel_updates", &project.settings.max_parallel_updates));
      if (project.settings.max_parallel_updates < 1) {
        return Reader::Error("settings.max_parallel_updates", "expected an integer >= 1");
      }
      FOPS_RETURN_IF_ERROR(s.Seconds("ci_timeout", &project.settings.ci_timeout));
      FOPS_RETURN_IF_ERROR(s.CheckNoUnknownKeys());
    }
    if (!r.Has("resources")) return Reader::Error("resources", "missing");
    const ordered_json& resources = r.At("resources");
    if (!resources.is_array()) return Reader::Error("resources", "expected an array");
    for (size_t i = 0; i < resources.size(); ++i) {
      Resource resource;
      FOPS_RETURN_IF_ERROR(
          ReadResource(resources[i], absl::StrCat("resources[", i, "]"), &resource));
      project.resources.push_back(std::move(resource));
    }
    return r.CheckNoUnknownKeys();
  }();
  if (!status.ok()) return Annotate(status, source);
  return project;
}

}  // namespace fops
