// A resource: one unit of work in a dev loop, with the fields of Tilt's
// `local_resource` under Tilt's names and meaning. Typed resources (image
// builds, Helm releases, smokes) compile to Resources too, so the engine
// knows one kind of thing.
//
//   Resource api;
//   api.name = "api";
//   api.cmd = Command::Shell("make api");
//   api.serve_cmd = Command::Argv({"./bin/api", "--port", "8080"});
//   api.resource_deps = {"db"};
#ifndef FOPS_MODEL_RESOURCE_H_
#define FOPS_MODEL_RESOURCE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "fops/base/source_location.h"
#include "fops/model/command.h"
#include "fops/model/probe.h"

namespace fops {

enum class TriggerMode {
  kAuto,    ///< runs at start (if auto_init) and when its deps change
  kManual,  ///< runs only when triggered by name
};

/// A link shown next to the resource (Tilt's `links=`).
struct Link {
  std::string url;
  std::string name;  ///< optional label
  friend bool operator==(const Link&, const Link&) = default;
};

/// What decides whether a resource's update can be skipped: its files and
/// values. Empty for plain local resources (they always run, as in Tilt).
struct UpdateInputs {
  std::vector<std::string> paths;   ///< files or directories, relative to dir
  std::vector<std::string> ignore;  ///< patterns excluded (.dockerignore syntax)
  std::map<std::string, std::string> values;  ///< arguments that matter (build args, --set ...)
  std::string produces;  ///< what a success publishes, e.g. the pushed image ref
  bool empty() const { return paths.empty() && values.empty(); }
  /// The value of `key`, or "" when the resource has none.
  std::string Value(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? "" : it->second;
  }
  friend bool operator==(const UpdateInputs&, const UpdateInputs&) = default;
};

struct Resource {
  std::string name;                        ///< unique in a project
  Command cmd;                             ///< the update command (may be empty)
  std::vector<Command> then_cmds;          ///< run in order after cmd (e.g. push after build)
  Command serve_cmd;                       ///< long-running process (may be empty)
  std::vector<std::string> deps;           ///< files whose change re-runs cmd
  std::vector<std::string> ignore;         ///< patterns excluded from deps
  std::vector<std::string> resource_deps;  ///< resources that must succeed (or be ready) first
  TriggerMode trigger_mode = TriggerMode::kAuto;
  bool auto_init = true;       ///< run at session start
  bool allow_parallel = true;  ///< false: runs only while no other update runs
  std::vector<std::string> labels;
  std::map<std::string, std::string> env;        ///< added to cmd's environment
  std::map<std::string, std::string> serve_env;  ///< added to serve_cmd's environment
  std::string dir;        ///< cmd's working directory; defaults to the Tiltfile's
  std::string serve_dir;  ///< serve_cmd's working directory; defaults to dir
  std::optional<Probe> readiness_probe;
  std::vector<Link> links;
  absl::Duration timeout = absl::ZeroDuration();  ///< per command; zero: none
  UpdateInputs inputs;       ///< for skip-if-unchanged (typed resources)
  std::string kind = "local";  ///< "local", "image", "helm", "smoke", ...
  SourceLocation declared_at;  ///< the Tiltfile line that declared it

  /// True when the resource has a long-running process.
  bool is_serve() const { return !serve_cmd.empty(); }
};

/// Project-wide settings, as Tilt's update_settings().
struct Settings {
  int max_parallel_updates = 3;  ///< at most this many updates at once
  absl::Duration ci_timeout = absl::Minutes(30);
};

/// A loaded Tiltfile: its resources in declaration order, and settings.
struct Project {
  std::string tiltfile;  ///< path of the Tiltfile
  std::string root;      ///< directory of the Tiltfile; default `dir`
  std::vector<Resource> resources;
  Settings settings;
};

}  // namespace fops

#endif  // FOPS_MODEL_RESOURCE_H_
