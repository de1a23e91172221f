// fops_example_tool: loads a pipeline (the JSON `fops plan --json` prints),
// validates it, and runs it with real processes, printing output with
// Tilt's prefixes and the summary table. Exit 0 when every resource
// succeeded.
//
//   fops_example_tool pipeline.json [RESOURCE ...]
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fops/base/atomic_file.h"
#include "fops/engine/engine.h"
#include "fops/engine/terminal_reporter.h"
#include "fops/exec/process_executor.h"
#include "fops/model/project_json.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PIPELINE.json [RESOURCE ...]\n", argv[0]);
    return 2;
  }
  std::filesystem::path path = argv[1];
  absl::StatusOr<std::string> text = fops::ReadFile(path);
  if (!text.ok()) {
    std::fprintf(stderr, "%s\n", std::string(text.status().message()).c_str());
    return 2;
  }
  absl::StatusOr<fops::Project> project = fops::ProjectFromJson(*text, path.string());
  if (!project.ok()) {
    std::fprintf(stderr, "%s\n", std::string(project.status().message()).c_str());
    return 2;
  }
  // Commands run relative to the pipeline file unless it names a root.
  if (project->root.empty()) {
    project->root = std::filesystem::absolute(path).parent_path().string();
  }

  fops::ProcessExecutor executor;
  fops::TerminalReporter reporter(stdout);
  fops::EngineOptions options;
  options.selection.assign(argv + 2, argv + argc);
  options.observers.push_back(&reporter);
  absl::StatusOr<std::unique_ptr<fops::Engine>> engine =
      fops::Engine::Create(*std::move(project), executor, options);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", std::string(engine.status().message()).c_str());
    return 2;
  }
  fops::RunResult result = (*engine)->Ci();
  std::fputs(fops::FormatSummary(result).c_str(), stdout);
  return result.ok ? 0 : 1;
}
