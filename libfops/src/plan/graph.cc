#include "fops/plan/graph.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

// Levenshtein distance, giving up (returning max + 1) once every entry of a
// row exceeds `max`: suggestions only care about small distances, and a
// project may have thousands of names.
int EditDistance(std::string_view a, std::string_view b, int max) {
  if (std::abs(static_cast<int>(a.size()) - static_cast<int>(b.size())) > max) return max + 1;
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    int best = row[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      int above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
      best = std::min(best, row[j]);
    }
    if (best > max) return max + 1;
  }
  return row[b.size()];
}

// What a line about resource `r` starts with: "Tiltfile.py:12: ".
std::string Where(const Resource& r) {
  std::string location = r.declared_at.ToString();
  return location.empty() ? "" : absl::StrCat(location, ": ");
}

std::string Label(const Resource& r, int index) {
  if (r.name.empty()) return absl::StrCat("resource #", index + 1, " (empty name)");
  return absl::StrCat("resource '", r.name, "'");
}

std::string DotQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// The closest known name to `name` for a "did you mean" hint, or "".
std::string Suggest(const absl::flat_hash_map<std::string, int>& index,
                           std::string_view name) {
  const int max = std::max(1, std::min(3, static_cast<int>(name.size()) / 3));
  std::string best;
  int best_distance = max + 1;
  int best_index = 0;
  for (const auto& [candidate, i] : index) {
    int d = EditDistance(name, candidate, max);
    // Ties go to the earlier declaration so the hint is deterministic.
    if (d < best_distance || (d == best_distance && !best.empty() && i < best_index)) {
      best = candidate;
      best_distance = d;
      best_index = i;
    }
  }
  return best_distance <= max ? best : "";
}

}  // namespace

absl::StatusOr<ResourceGraph> ResourceGraph::Build(std::vector<Resource> resources) {
  ResourceGraph g;
  g.resources_ = std::move(resources);
  const int n = g.size();
  // Problems per resource, so the error reads in declaration order.
  std::vector<std::vector<std::string>> problems(n);
  bool any_problem = false;
  auto report = [&](int i, std::string text) {
    problems[i].push_back(absl::StrCat(Where(g.resources_[i]), std::move(text)));
    any_problem = true;
  };

  g.index_.reserve(n);
  for (int i = 0; i < n; ++i) {
    const Resource& r = g.resources_[i];
    if (r.name.empty()) {
      report(i, absl::StrCat("resource #", i + 1, " has an empty name"));
      continue;
    }
    auto [it, inserted] = g.index_.emplace(r.name, i);
    if (!inserted) {
      const Resource& first = g.resources_[it->second];
      std::string first_at = first.declared_at.ToString();
      report(i, absl::StrCat("resource '", r.name, "': duplicate name (first declared at ",
                             first_at.empty() ? absl::StrCat("resource #", it->second + 1)
                                              : first_at,
                             ")"));
    }
  }

  g.deps_.resize(n);
  g.dependents_.resize(n);
  for (int i = 0; i < n; ++i) {
    const Resource& r = g.resources_[i];
    for (const std::string& dep : r.resource_deps) {
      auto it = g.index_.find(dep);
      if (it == g.index_.end()) {
        std::string hint = Suggest(g.index_, dep);
        report(i, absl::StrCat(Label(r, i), ": unknown resource_deps '", dep, "'",
                               hint.empty() ? "" : absl::StrCat(" (did you mean '", hint, "'?)")));
        continue;
      }
      int d = it->second;
      // A dep listed twice is one edge.
      if (std::find(g.deps_[i].begin(), g.deps_[i].end(), d) != g.deps_[i].end()) continue;
      g.deps_[i].push_back(d);
      g.dependents_[d].push_back(i);
    }
  }

  // Tarjan's strongly connected components, iteratively (no recursion: a
  // chain of 10,000 resources must not overflow the stack). Edges point from
  // a resource to its deps, so components come out deps first: for an
  // acyclic graph the emission order is a topological order that otherwise
  // keeps declaration order.
  std::vector<int> order(n, -1), low(n, 0), component(n, -1);
  std::vector<char> on_stack(n, 0);
  std::vector<int> stack;
  std::vector<std::pair<int, size_t>> frames;  // (vertex, next edge)
  std::vector<std::vector<int>> cyclic;        // components that hold a cycle
  int counter = 0, components = 0;
  g.topo_.reserve(n);
  for (int s = 0; s < n; ++s) {
    if (order[s] != -1) continue;
    order[s] = low[s] = counter++;
    stack.push_back(s);
    on_stack[s] = 1;
    frames.emplace_back(s, 0);
    while (!frames.empty()) {
      const int v = frames.back().first;
      const size_t edge = frames.back().second;
      if (edge < g.deps_[v].size()) {
        ++frames.back().second;
        const int w = g.deps_[v][edge];
        if (order[w] == -1) {
          order[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = 1;
          frames.emplace_back(w, 0);
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], order[w]);
        }
        continue;
      }
      if (low[v] == order[v]) {
        std::vector<int> members;
        int w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = 0;
          component[w] = components;
          members.push_back(w);
        } while (w != v);
        ++components;
        bool self_loop = members.size() == 1 &&
                         std::find(g.deps_[v].begin(), g.deps_[v].end(), v) != g.deps_[v].end();
        if (members.size() > 1 || self_loop) {
          cyclic.push_back(std::move(members));
        } else {
          g.topo_.push_back(v);
        }
      }
      frames.pop_back();
      if (!frames.empty()) {
        int u = frames.back().first;
        low[u] = std::min(low[u], low[v]);
      }
    }
  }

  // One cycle per cyclic component, as a path from its first-declared
  // member back to itself: the shortest one (breadth-first inside the
  // component), which is the one a person fixes first.
  std::vector<int> parent(n, -1);
  for (const std::vector<int>& members : cyclic) {
    int start = *std::min_element(members.begin(), members.end());
    int c = component[start];
    std::vector<int> queue = {start};
    std::vector<int> visited = {start};
    parent[start] = start;
    int last = -1;
    for (size_t head = 0; head < queue.size() && last == -1; ++head) {
      int v = queue[head];
      for (int w : g.deps_[v]) {
        if (w == start) {
          last = v;
          break;
        }
        if (component[w] != c || parent[w] != -1) continue;
        parent[w] = v;
        visited.push_back(w);
        queue.push_back(w);
      }
    }
    std::vector<int> path = {start};
    for (int v = last; v != start; v = parent[v]) path.push_back(v);
    std::reverse(path.begin() + 1, path.end());
    path.push_back(start);
    for (int v : visited) parent[v] = -1;
    std::vector<std::string> names;
    names.reserve(path.size());
    for (int v : path) names.push_back(g.resources_[v].name);
    std::string text = absl::StrCat("dependency cycle: ", absl::StrJoin(names, " -> "));
    if (members.size() + 1 > path.size()) {
      absl::StrAppend(&text, " (", members.size() - (path.size() - 1),
                      " more resources depend on each other in the same loop)");
    }
    report(start, std::move(text));
  }

  if (any_problem) {
    std::vector<std::string> lines;
    for (auto& per_resource : problems) {
      for (auto& line : per_resource) lines.push_back(std::move(line));
    }
    return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
  }

  // Dependents come later in topological order, so walking it backwards
  // sees every dependent's chain before its deps need it.
  g.chain_length_.assign(n, 1);
  for (auto it = g.topo_.rbegin(); it != g.topo_.rend(); ++it) {
    int longest = 0;
    for (int d : g.dependents_[*it]) longest = std::max(longest, g.chain_length_[d]);
    g.chain_length_[*it] = 1 + longest;
  }
  return g;
}

int ResourceGraph::Find(std::string_view name) const {
  auto it = index_.find(ToAbsl(name));
  return it == index_.end() ? -1 : it->second;
}

absl::StatusOr<std::vector<int>> ResourceGraph::Closure(
    const std::vector<std::string>& names) const {
  std::vector<char> wanted(resources_.size(), 0);
  std::vector<int> stack;
  std::vector<std::string> unknown;
  for (const std::string& name : names) {
    int i = Find(name);
    if (i < 0) {
      std::string hint = Suggest(index_, name);
      unknown.push_back(absl::StrCat(
          "'", name, "'", hint.empty() ? "" : absl::StrCat(" (did you mean '", hint, "'?)")));
      continue;
    }
    if (!wanted[i]) {
      wanted[i] = 1;
      stack.push_back(i);
    }
  }
  if (!unknown.empty()) {
    return absl::NotFoundError(absl::StrCat(unknown.size() == 1 ? "unknown resource " : "unknown resources ",
                                            absl::StrJoin(unknown, ", ")));
  }
  while (!stack.empty()) {
    int v = stack.back();
    stack.pop_back();
    for (int d : deps_[v]) {
      if (!wanted[d]) {
        wanted[d] = 1;
        stack.push_back(d);
      }
    }
  }
  std::vector<int> out;
  for (int v : topo_) {
    if (wanted[v]) out.push_back(v);
  }
  return out;
}

std::string ResourceGraph::ToDot() const {
  std::string out =
      "digraph fops {\n"
      "  rankdir=LR;\n"
      "  node [shape=box, fontname=\"Helvetica\"];\n";
  for (const Resource& r : resources_) {
    std::string label = r.name;
    std::vector<std::string> styles;
    if (r.is_serve()) {
      label += "\n(serve)";
      styles.push_back("rounded");
    }
    if (r.trigger_mode == TriggerMode::kManual) {
      label += "\n(manual)";
      styles.push_back("dashed");
    } else if (!r.auto_init) {
      label += "\n(auto_init=False)";
      styles.push_back("dashed");
    }
    absl::StrAppend(&out, "  ", DotQuote(r.name), " [label=", DotQuote(label));
    if (!styles.empty()) absl::StrAppend(&out, ", style=", DotQuote(absl::StrJoin(styles, ",")));
    out += "];\n";
  }
  // Edges point from a dep to what it unblocks, the way work flows.
  for (int i = 0; i < size(); ++i) {
    for (int d : deps_[i]) {
      absl::StrAppend(&out, "  ", DotQuote(resources_[d].name), " -> ",
                      DotQuote(resources_[i].name), ";\n");
    }
  }
  out += "}\n";
  return out;
}

}  // namespace fops
