#include "fops/cli/cached_ci.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "absl/strings/ascii.h"
#include "fops/base/flag_value.h"
#include "fops/cli/ci_args.h"
#include "fops/cli/ci_command.h"
#include "fops/cli/plan_cache.h"

namespace fops {

std::string PlanCacheSetting() {
  const char* value = std::getenv("FOPS_PLAN_CACHE");
  if (value == nullptr) return "on";
  if (ParseFlag(value) == false) return "off";
  if (absl::AsciiStrToLower(absl::StripAsciiWhitespace(value)) == "explain") return "explain";
  return "on";
}

std::optional<int> RunCachedCi(const std::vector<std::string>& argv) {
  const std::string setting = PlanCacheSetting();
  if (setting == "off") return std::nullopt;
  const bool explain = setting == "explain";
  auto miss = [&](std::string_view why) -> std::optional<int> {
    if (explain) {
      std::fprintf(stderr, "fops: plan cache: not used: %.*s\n", static_cast<int>(why.size()),
                   why.data());
    }
    return std::nullopt;
  };

  std::optional<CiArgs> args = ParseCiArgs(argv);
  if (!args) return miss("the command line is read by Python");
  PlanRequest request =
      MakePlanRequest(args->file, "ci", args->tiltfile_args, args->resources);
  absl::StatusOr<CachedPlan> plan = LoadCachedPlan(PlanCachePath(request));
  if (!plan.ok()) {
    if (absl::IsNotFound(plan.status())) return miss("no plan recorded for this command");
    return miss(std::string(plan.status().message()));
  }
  if (plan->request != request) return miss("the recorded plan is for another command");
  if (std::string stale = StaleInput(*plan); !stale.empty()) return miss(stale);
  MarkPlanUsed(PlanCachePath(request));
  if (explain) std::fprintf(stderr, "fops: plan cache: used (%zu inputs unchanged)\n",
                            plan->inputs.size());
  return RunCiCommand(*plan, {.max_parallel = args->max_parallel,
                              .timeout = args->timeout,
                              .force = args->force});
}

}  // namespace fops
