// A project as JSON: what `fops plan --json` prints and what C++ tools load
// to run the same pipeline without Python. Every Resource field has a key
// of the same name; durations are seconds; commands are either a string
// (run with `sh -c`) or an array (argv).
//
//   {"tiltfile": "Tiltfile.py", "root": "/repo",
//    "settings": {"max_parallel_updates": 3},
//    "resources": [{"name": "api", "cmd": "make api",
//                   "serve_cmd": ["./bin/api"], "resource_deps": ["db"],
//                   "readiness_probe": {"http_get": {"port": 8080, "path": "/healthz"}}}]}
//
//   FOPS_ASSIGN_OR_RETURN(Project project, ProjectFromJson(text, "pipeline.json"));
#ifndef FOPS_MODEL_PROJECT_JSON_H_
#define FOPS_MODEL_PROJECT_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "fops/base/redact.h"
#include "fops/model/resource.h"

namespace fops {

/// The project as pretty-printed JSON (keys in a fixed order).
std::string ProjectToJson(const Project& project);

/// ProjectToJson for people to read (`fops plan --json`): each resource as
/// RedactResource() shows it (env and serve_env values under secret-looking
/// names become "[REDACTED]", `redactor`'s secrets are masked wherever they
/// appear). `fops plan --json` passes ProjectRedactor(project).
std::string ProjectToRedactedJson(const Project& project, const Redactor& redactor);

/// Parses `text`; `source` names it in errors ("pipeline.json: resources[2].timeout:
/// expected a number of seconds"). Unknown keys are errors. kInvalidArgument.
absl::StatusOr<Project> ProjectFromJson(std::string_view text, std::string_view source);

}  // namespace fops

#endif  // FOPS_MODEL_PROJECT_JSON_H_
