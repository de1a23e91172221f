// The project JSON (model/project_json.h) on any text as "fuzz.json".
// Invariants: an error is kInvalidArgument and names the source; a project
// that loads writes JSON that loads back to a project writing the same
// JSON (from JSON -> to JSON -> from JSON is the identity); the redacted
// form writes too.
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "fops/base/redact.h"
#include "fops/model/project_json.h"
#include "fuzz_check.h"

using fops::fuzz::Require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fops::fuzz::Text(data, size);
  absl::StatusOr<fops::Project> project = fops::ProjectFromJson(text, "fuzz.json");
  if (!project.ok()) {
    Require(absl::IsInvalidArgument(project.status()) &&
                absl::StartsWith(project.status().message(), "fuzz.json"),
            "an error is kInvalidArgument naming the source", project.status().ToString());
    return 0;
  }
  const std::string json = fops::ProjectToJson(*project);
  absl::StatusOr<fops::Project> again = fops::ProjectFromJson(json, "written.json");
  Require(again.ok(), "what ProjectToJson writes loads", json + "\n" + again.status().ToString());
  const std::string json_again = fops::ProjectToJson(*again);
  Require(json_again == json, "from JSON -> to JSON -> from JSON is the identity",
          json + "\n---\n" + json_again);
  fops::Redactor redactor;
  redactor.AddSecret("fuzz-secret");
  (void)fops::ProjectToRedactedJson(*project, redactor);
  return 0;
}
