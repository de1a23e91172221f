#include "fops/engine/reload_plan.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace fops {

bool SameDefinition(const Resource& a, const Resource& b) {
  return a.name == b.name && a.cmd == b.cmd && a.then_cmds == b.then_cmds &&
         a.serve_cmd == b.serve_cmd && a.deps == b.deps && a.ignore == b.ignore &&
         a.resource_deps == b.resource_deps && a.trigger_mode == b.trigger_mode &&
         a.auto_init == b.auto_init && a.allow_parallel == b.allow_parallel && a.env == b.env &&
         a.serve_env == b.serve_env && a.dir == b.dir && a.serve_dir == b.serve_dir &&
         a.readiness_probe == b.readiness_probe && a.timeout == b.timeout &&
         a.inputs == b.inputs && a.kind == b.kind;
}

ReloadPlan PlanReload(const Project& running, const Project& next) {
  absl::flat_hash_map<std::string, const Resource*> before;
  for (const Resource& r : running.resources) before.emplace(r.name, &r);
  ReloadPlan plan;
  absl::flat_hash_map<std::string, bool> kept;
  for (const Resource& r : next.resources) {
    auto it = before.find(r.name);
    if (it == before.end()) {
      plan.added.push_back(r.name);
      continue;
    }
    kept[r.name] = true;
    (SameDefinition(*it->second, r) ? plan.unchanged : plan.changed).push_back(r.name);
  }
  for (const Resource& r : running.resources) {
    if (!kept.contains(r.name)) plan.removed.push_back(r.name);
  }
  return plan;
}

std::string DescribeReload(const ReloadPlan& plan) {
  if (plan.empty()) return "no resource changed";
  std::vector<std::string> parts;
  if (!plan.added.empty()) parts.push_back(absl::StrCat("added ", absl::StrJoin(plan.added, ", ")));
  if (!plan.changed.empty()) {
    parts.push_back(absl::StrCat("changed ", absl::StrJoin(plan.changed, ", ")));
  }
  if (!plan.removed.empty()) {
    parts.push_back(absl::StrCat("removed ", absl::StrJoin(plan.removed, ", ")));
  }
  return absl::StrJoin(parts, "; ");
}

}  // namespace fops
