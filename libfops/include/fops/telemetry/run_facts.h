// The facts every Build Plane Event of one run carries besides its own:
// where it ran (runner local | ci, host), what it built (the git revision)
// and the repo's mode. Detected once per run, not per event.
//
//   RunFacts facts = RunFacts::Detect(project.root, ProcessEnv());
//   facts.mode = "development";
#ifndef FOPS_TELEMETRY_RUN_FACTS_H_
#define FOPS_TELEMETRY_RUN_FACTS_H_

#include <filesystem>
#include <string>

#include "fops/telemetry/env_lookup.h"

namespace fops {

/// The facts every event of one run carries.
struct RunFacts {
  std::string runner;        ///< "ci" when CI is set (as CI systems do), else "local"
  std::string host;          ///< gethostname()
  std::string git_revision;  ///< `git rev-parse HEAD` in the repo; "" outside git
  std::string mode;          ///< the repo's mode: development, staging, deployment

  /// Detects them once per run (`git rev-parse HEAD`, read-only).
  static RunFacts Detect(const std::filesystem::path& repo_dir, const EnvLookup& env);
};

/// HEAD of the git work tree holding `dir`, or "" (no git, not a repo).
std::string GitRevision(const std::filesystem::path& dir);

}  // namespace fops

#endif  // FOPS_TELEMETRY_RUN_FACTS_H_
