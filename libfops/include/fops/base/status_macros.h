// Status propagation macros. Debian's abseil (20220623) ships no
// status_macros.h, so fops defines the two it needs, once.
//
//   absl::StatusOr<Plan> MakePlan(const Project& p) {
//     FOPS_ASSIGN_OR_RETURN(ResourceGraph graph, ResourceGraph::Build(p.resources));
//     FOPS_RETURN_IF_ERROR(graph.CheckSelection(names));
//     ...
//   }
#ifndef FOPS_BASE_STATUS_MACROS_H_
#define FOPS_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define FOPS_STATUS_CONCAT_INNER_(a, b) a##b
#define FOPS_STATUS_CONCAT_(a, b) FOPS_STATUS_CONCAT_INNER_(a, b)

/// Returns the status from the enclosing function if `expr` is not OK.
#define FOPS_RETURN_IF_ERROR(expr)                        \
  do {                                                    \
    ::absl::Status fops_status_ = (expr);                 \
    if (!fops_status_.ok()) return fops_status_;          \
  } while (false)

/// Declares `lhs` from a StatusOr, or returns its error status.
#define FOPS_ASSIGN_OR_RETURN(lhs, expr)                                      \
  FOPS_ASSIGN_OR_RETURN_IMPL_(FOPS_STATUS_CONCAT_(fops_statusor_, __LINE__), \
                              lhs, expr)

#define FOPS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return std::move(tmp).status();    \
  lhs = std::move(tmp).value()

namespace fops {

/// Returns `status` with `context` prepended to its message, keeping the
/// code: errors gain context as they rise ("loading 'x.yaml': line 4: ...").
absl::Status Annotate(const absl::Status& status, std::string_view context);

}  // namespace fops

#endif  // FOPS_BASE_STATUS_MACROS_H_
