// What reloading a running project changes: resources added, removed, and
// changed, compared by name and definition. A resource whose definition is
// the same keeps running untouched; where it was declared (the Tiltfile
// line), its labels and its links do not count: they move when lines are
// added above it and change only what views show.
//
//   ReloadPlan plan = PlanReload(running, reloaded);
//   for (const std::string& name : plan.changed) ...  // stopped, then run again
#ifndef FOPS_ENGINE_RELOAD_PLAN_H_
#define FOPS_ENGINE_RELOAD_PLAN_H_

#include <string>
#include <vector>

#include "fops/model/resource.h"

namespace fops {

struct ReloadPlan {
  std::vector<std::string> added;      ///< new names: start (if selected)
  std::vector<std::string> removed;    ///< gone: stopped
  std::vector<std::string> changed;    ///< definition differs: stopped, then run again
  std::vector<std::string> unchanged;  ///< keep running as they are
  /// True when nothing is added, removed or changed.
  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

/// True when `a` and `b` would run the same way: every field but
/// declared_at, labels and links.
bool SameDefinition(const Resource& a, const Resource& b);

/// `next` against `running`, names in `next`'s order (removed: `running`'s).
ReloadPlan PlanReload(const Project& running, const Project& next);

/// "added a, b; changed c; removed d" (empty parts left out); "no
/// resource changed" for an empty plan.
std::string DescribeReload(const ReloadPlan& plan);

}  // namespace fops

#endif  // FOPS_ENGINE_RELOAD_PLAN_H_
