#include "fops/model/kube_config.h"

#include <filesystem>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "fops/base/atomic_file.h"
#include "fops/base/string_view.h"
#include "yaml-cpp/yaml.h"

namespace fops {
namespace {

std::string Where(std::string_view file, const YAML::Mark& mark) {
  if (mark.is_null()) return std::string(file);
  return absl::StrCat(ToAbsl(file), ":", mark.line + 1, ":", mark.column + 1);
}

absl::Status NotA(std::string_view file, const YAML::Node& node, std::string_view field,
                  std::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat(Where(file, node.Mark()), ": ", ToAbsl(field),
                                                 ": expected ", ToAbsl(expected)));
}

absl::StatusOr<std::string> Scalar(std::string_view file, const YAML::Node& map,
                                   const char* key, std::string_view field) {
  const YAML::Node node = map[key];
  if (!node || node.IsNull()) return std::string();
  if (!node.IsScalar()) return NotA(file, node, absl::StrCat(ToAbsl(field), ".", key), "a string");
  return node.Scalar();
}

// `contexts: [{name: x, context: {cluster: c, user: u, namespace: n}}]` and
// the same shape for clusters (`cluster: {server: …}`): name -> inner map.
absl::StatusOr<std::vector<std::pair<std::string, YAML::Node>>> NamedList(
    std::string_view file, const YAML::Node& root, const char* list, const char* inner) {
  std::vector<std::pair<std::string, YAML::Node>> out;
  const YAML::Node node = root[list];
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) return NotA(file, node, list, "a list");
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node entry = node[i];
    const std::string field = absl::StrCat(list, "[", i, "]");
    if (!entry.IsMap()) return NotA(file, entry, field, "a map with name and " + std::string(inner));
    absl::StatusOr<std::string> name = Scalar(file, entry, "name", field);
    if (!name.ok()) return name.status();
    const YAML::Node body = entry[inner];
    if (body && !body.IsNull() && !body.IsMap()) {
      return NotA(file, body, absl::StrCat(field, ".", inner), "a map");
    }
    out.emplace_back(*name, body);
  }
  return out;
}

}  // namespace

const KubeContext* KubeConfig::Find(std::string_view name) const {
  for (const KubeContext& c : contexts) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::vector<std::string> KubeConfig::Paths(std::string_view kubeconfig_env,
                                           std::string_view home) {
  std::vector<std::string> paths;
  for (absl::string_view part : absl::StrSplit(ToAbsl(kubeconfig_env), ':', absl::SkipEmpty())) {
    paths.emplace_back(part);
  }
  if (paths.empty() && !home.empty()) paths.push_back(absl::StrCat(ToAbsl(home), "/.kube/config"));
  return paths;
}

absl::StatusOr<KubeConfig> KubeConfig::Parse(std::string_view yaml, std::string_view file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(file, e.mark), ": not a kubeconfig: invalid YAML: ", e.msg));
  }
  KubeConfig config;
  if (!root || root.IsNull()) return config;  // an empty file, as kubectl allows
  if (!root.IsMap()) return NotA(file, root, "kubeconfig", "a map (apiVersion, contexts, ...)");
  absl::StatusOr<std::string> current = Scalar(file, root, "current-context", "kubeconfig");
  if (!current.ok()) return current.status();
  config.current_context = *current;

  std::map<std::string, std::string> servers;
  absl::StatusOr<std::vector<std::pair<std::string, YAML::Node>>> clusters =
      NamedList(file, root, "clusters", "cluster");
  if (!clusters.ok()) return clusters.status();
  for (const auto& [name, body] : *clusters) {
    if (!body) continue;
    absl::StatusOr<std::string> server = Scalar(file, body, "server", "clusters[" + name + "]");
    if (!server.ok()) return server.status();
    servers.emplace(name, *server);
  }
  absl::StatusOr<std::vector<std::pair<std::string, YAML::Node>>> contexts =
      NamedList(file, root, "contexts", "context");
  if (!contexts.ok()) return contexts.status();
  for (const auto& [name, body] : *contexts) {
    KubeContext c{.name = name};
    if (body) {
      const std::string field = "contexts[" + name + "]";
      absl::StatusOr<std::string> cluster = Scalar(file, body, "cluster", field);
      absl::StatusOr<std::string> user = Scalar(file, body, "user", field);
      absl::StatusOr<std::string> ns = Scalar(file, body, "namespace", field);
      for (const auto* s : {&cluster, &user, &ns}) {
        if (!s->ok()) return s->status();
      }
      c.cluster = *cluster;
      c.user = *user;
      c.namespace_name = *ns;
      if (auto it = servers.find(c.cluster); it != servers.end()) c.server = it->second;
    }
    config.contexts.push_back(std::move(c));
  }
  return config;
}

absl::StatusOr<KubeConfig> KubeConfig::Load(const std::vector<std::string>& files) {
  KubeConfig merged;
  for (const std::string& file : files) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) continue;
    absl::StatusOr<std::string> text = ReadFile(file);
    if (!text.ok()) {
      return absl::Status(text.status().code(),
                          absl::StrCat(file, ": cannot read: ", text.status().message()));
    }
    absl::StatusOr<KubeConfig> one = Parse(*text, file);
    if (!one.ok()) return one.status();
    merged.files.push_back(file);
    if (merged.current_context.empty()) merged.current_context = one->current_context;
    for (KubeContext& c : one->contexts) {
      if (merged.Find(c.name) == nullptr) merged.contexts.push_back(std::move(c));
    }
  }
  return merged;
}

bool IsLocalCluster(const KubeContext& context) {
  const std::string& n = context.name;
  for (std::string_view exact : {"minikube", "docker-desktop", "docker-for-desktop",
                                 "rancher-desktop", "colima", "orbstack", "microk8s",
                                 "fops-local"}) {
    if (n == exact) return true;
  }
  for (std::string_view prefix : {"kind-", "k3d-", "colima-", "fops-local-"}) {
    if (absl::StartsWith(n, ToAbsl(prefix))) return true;
  }
  // https://127.0.0.1:6443, https://localhost:6443, https://[::1]:6443
  absl::string_view server = ToAbsl(context.server);
  absl::ConsumePrefix(&server, "https://") || absl::ConsumePrefix(&server, "http://");
  return absl::StartsWith(server, "127.") || absl::StartsWith(server, "localhost:") ||
         server == "localhost" || absl::StartsWith(server, "[::1]");
}

}  // namespace fops
