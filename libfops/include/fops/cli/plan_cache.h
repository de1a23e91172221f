// The plan cache: what loading a Tiltfile produced, kept with everything the
// load read, so the next `fops ci` with the same request can run without
// starting Python (Gradle's configuration cache, ninja's manifest).
//
// The Python loader records a CachedPlan when a load is replayable: it read
// files, directory listings, environment variables and modules (all
// recorded as PlanInputs) but ran no command, opened no socket and wrote
// nothing. The native `fops` command looks the plan up by its request,
// re-observes every input and runs the plan only when all are unchanged;
// otherwise it hands the command to Python, which loads and records anew.
//
// A plan never holds a secret value (the run's secrets: ProjectRedactor).
// An env= or serve_env= value that is one is stored as the name of the
// environment variable the load read it from (and restored from it, which
// the plan's input digests keep honest); a plan that would hold any other
// secret value is not stored.
//
// The cache is bounded: it keeps the kPlanCacheCapacity plans stored or
// run most recently (a plan's file time says when), and StoreCachedPlan
// removes the others.
//
//   PlanRequest request = {.tiltfile = "/repo/Tiltfile.py", .cwd = "/repo",
//                          .subcommand = "ci"};
//   absl::StatusOr<CachedPlan> plan = LoadCachedPlan(PlanCachePath(request));
//   if (plan.ok() && StaleInput(*plan).empty()) { ...run plan->project... }
#ifndef FOPS_CLI_PLAN_CACHE_H_
#define FOPS_CLI_PLAN_CACHE_H_

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fops/model/resource.h"
#include "fops/policy/guard.h"

namespace fops {

/// How many plans a state directory keeps: the most recently stored or
/// used ones (a developer's usual commands, with room to spare).
inline constexpr int kPlanCacheCapacity = 32;

/// What a load was asked for; plans are found by it. Two requests that
/// differ in any field have different plans.
struct PlanRequest {
  std::string tiltfile;                ///< absolute path of the Tiltfile
  std::string cwd;                     ///< working directory of the command
  std::string subcommand;              ///< "ci": what config.tilt_subcommand reads
  std::vector<std::string> args;       ///< the Tiltfile's args (after `--`)
  std::vector<std::string> resources;  ///< RESOURCE names on the command line
  friend bool operator==(const PlanRequest&, const PlanRequest&) = default;
};

/// One thing a load depended on, and what it was then.
struct PlanInput {
  enum class Kind {
    kContent,   ///< a file's bytes (the Tiltfile, a module, a file read)
    kIdentity,  ///< an installed file's device, inode, size and mtime
    kPresence,  ///< only whether a path is a file, a directory or absent
    kListing,   ///< the names in a directory
    kEnv,       ///< an environment variable (`path` is its name)
  };
  Kind kind = Kind::kContent;
  std::string path;
  /// ObservePlanInput's answer at load time. Environment values and file
  /// contents are kept only as XXH3-128 digests.
  std::string observed;
  friend bool operator==(const PlanInput&, const PlanInput&) = default;
};

/// A recorded load.
struct CachedPlan {
  PlanRequest request;
  std::vector<PlanInput> inputs;
  std::string load_stdout;  ///< what the Tiltfile printed while it loaded
  std::string load_stderr;
  Project project;
  std::vector<std::string> selection;  ///< what the load selected to run
  GuardConfig guard;                   ///< the Tiltfile's guard_settings (mode not kept)
};

/// The current state of `path` as `kind` sees it: a digest, "absent", ...
std::string ObservePlanInput(PlanInput::Kind kind, const std::string& path);

/// The request of a `fops SUBCOMMAND -f tiltfile RESOURCE... -- ARGS` run
/// from the current directory (the Tiltfile's path made absolute and
/// normal), so the Python and the native command name plans alike.
PlanRequest MakePlanRequest(std::string_view tiltfile, std::string_view subcommand,
                            std::vector<std::string> args, std::vector<std::string> resources);

/// Where the plan for `request` lives:
/// `<state dir of the Tiltfile's directory>/plan-cache/<digest>.json`.
std::filesystem::path PlanCachePath(const PlanRequest& request);

/// Writes `plan` atomically to `path` (readable by its owner only, as it
/// holds digests of environment values), then removes the plans used least
/// recently beyond kPlanCacheCapacity from its directory. kFailedPrecondition, naming where
/// ("project.resources[0].env.API_TOKEN") but not the value, when the plan
/// would hold a secret value no environment variable read by the load
/// provides; nothing is stored then and an older plan at `path` is removed.
absl::Status StoreCachedPlan(const std::filesystem::path& path, const CachedPlan& plan);

/// Reads a plan, with secret env values read from the variables they were
/// recorded from; kNotFound when there is none, kInvalidArgument when it is
/// unreadable (another fops version wrote it, or it was damaged).
absl::StatusOr<CachedPlan> LoadCachedPlan(const std::filesystem::path& path);

/// Marks the plan at `path` as just used (its file time), so plans used
/// less recently go first when the cache is full. Best effort.
void MarkPlanUsed(const std::filesystem::path& path);

/// The first input that changed since the load ("Tiltfile.py changed",
/// "$HOME changed"), or "" when the plan still holds.
std::string StaleInput(const CachedPlan& plan);

/// The name of a kind in the plan file ("content", "identity", ...).
std::string_view PlanInputKindName(PlanInput::Kind kind);
/// The kind called `name`; nullopt for none.
std::optional<PlanInput::Kind> PlanInputKindNamed(std::string_view name);

}  // namespace fops

#endif  // FOPS_CLI_PLAN_CACHE_H_
