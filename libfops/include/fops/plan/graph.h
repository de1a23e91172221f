// The resource graph: resources as nodes, resource_deps as edges, validated
// once. Build() reports every problem in one error (duplicate, empty or
// unknown names, cycles printed as their path), each with the Tiltfile line
// that declared the resource, so nothing runs on an invalid graph.
//
//   FOPS_ASSIGN_OR_RETURN(ResourceGraph graph, ResourceGraph::Build(project.resources));
//   FOPS_ASSIGN_OR_RETURN(std::vector<int> run, graph.Closure({"api"}));
#ifndef FOPS_PLAN_GRAPH_H_
#define FOPS_PLAN_GRAPH_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "fops/model/resource.h"

namespace fops {

/// Immutable once built; safe to read from several threads.
class ResourceGraph {
 public:
  /// Validates and indexes `resources` (copied). kInvalidArgument listing
  /// every problem, one per line: "Tiltfile.py:12: resource 'api': ...".
  static absl::StatusOr<ResourceGraph> Build(std::vector<Resource> resources);

  /// Number of resources.
  int size() const { return static_cast<int>(resources_.size()); }
  /// Resource `i`, in declaration order.
  const Resource& resource(int i) const { return resources_[i]; }
  const std::vector<Resource>& resources() const { return resources_; }
  /// Index of `name`, or -1.
  int Find(std::string_view name) const;
  /// Indexes of the resources `i` depends on.
  const std::vector<int>& deps(int i) const { return deps_[i]; }
  /// Indexes of the resources that depend on `i`.
  const std::vector<int>& dependents(int i) const { return dependents_[i]; }
  /// Length of the longest chain of dependents starting at `i` (1 for a
  /// resource nothing depends on): the scheduling priority.
  int chain_length(int i) const { return chain_length_[i]; }
  /// Indexes in an order where each resource follows its deps.
  const std::vector<int>& topological_order() const { return topo_; }

  /// The named resources plus everything they depend on, in topological
  /// order. kNotFound naming unknown names.
  absl::StatusOr<std::vector<int>> Closure(const std::vector<std::string>& names) const;

  /// The graph in Graphviz DOT.
  std::string ToDot() const;

 private:
  std::vector<Resource> resources_;
  absl::flat_hash_map<std::string, int> index_;
  std::vector<std::vector<int>> deps_;
  std::vector<std::vector<int>> dependents_;
  std::vector<int> chain_length_;
  std::vector<int> topo_;
};

}  // namespace fops

#endif  // FOPS_PLAN_GRAPH_H_
