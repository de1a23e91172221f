#include "support/kube_cluster.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "fops/base/shell_quote.h"

namespace fops::testing {
namespace {

namespace fs = std::filesystem;

CommandOutput RunShell(const std::string& command) {
  CommandOutput out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.text.append(buffer, n);
  int status = pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// `export NAME=VALUE` lines as .ci/local-cluster writes them (VALUE bare or
// single-quoted by Python's shlex.quote); the PATH line is left out.
std::vector<std::pair<std::string, std::string>> ReadEnvFile(const fs::path& path) {
  std::vector<std::pair<std::string, std::string>> env;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("export ", 0) != 0) continue;
    std::string assignment = line.substr(7);
    size_t eq = assignment.find('=');
    if (eq == std::string::npos) continue;
    std::string name = assignment.substr(0, eq);
    std::string raw = assignment.substr(eq + 1);
    if (name == "PATH") continue;
    std::string value;
    bool quoted = false;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\'') {
        quoted = !quoted;
      } else if (raw[i] == '"' && !quoted) {  // the '"'"' of an embedded quote
        size_t close = raw.find('"', i + 1);
        value += raw.substr(i + 1, close - i - 1);
        i = close;
      } else {
        value += raw[i];
      }
    }
    env.emplace_back(name, value);
  }
  return env;
}

}  // namespace

std::string ToolBinary(const std::string& name) {
  fs::path tools;
  if (const char* dir = std::getenv("FOPS_TOOLS_DIR"); dir != nullptr && *dir != '\0') {
    tools = dir;
  } else if (const char* home = std::getenv("HOME")) {
    tools = fs::path(home) / ".cache/fops/tools";
  }
  fs::path binary = tools / "bin" / name;
  return access(binary.c_str(), X_OK) == 0 ? binary.string() : "";
}

KubeClusterLookup KubeCluster::FromEnvironment() {
  KubeClusterLookup found;
  const char* dir = std::getenv("FOPS_TEST_KUBE_DIR");
  if (dir == nullptr || *dir == '\0') {
    found.skip = "FOPS_TEST_KUBE_DIR is not set: run through ctest (fixture kube), or start "
                 "`.ci/local-cluster start DIR` and export FOPS_TEST_KUBE_DIR=DIR";
    return found;
  }
  for (const char* name : {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
                           "kwok", "kubectl", "helm"}) {
    if (ToolBinary(name).empty()) {
      found.skip = std::string(name) + " is not built: `bash .ci/tools/kube.sh` and " +
                   "`bash .ci/tools/helm.sh` build the local cluster's tools (need Go 1.26)";
      return found;
    }
  }
  CommandOutput status = RunShell(
      ShellJoin({"python3", std::string(FOPS_SOURCE_DIR) + "/.ci/local-cluster", "status", dir}) +
      " 2>&1");
  if (status.exit_code != 0) {
    found.failure = std::string("no running cluster in FOPS_TEST_KUBE_DIR=") + dir +
                    " (see the kube.start test and its logs/):\n" + status.text;
    return found;
  }
  KubeCluster cluster{fs::path(dir)};
  cluster.env_ = ReadEnvFile(cluster.dir_ / "env");
  found.cluster = std::move(cluster);
  return found;
}

CommandOutput KubeCluster::Run(std::vector<std::string> argv, const fs::path& cwd) const {
  if (!argv.empty() && (argv[0] == "kubectl" || argv[0] == "helm")) argv[0] = ToolBinary(argv[0]);
  std::vector<std::string> words = {"env"};
  for (const auto& [name, value] : env_) words.push_back(name + "=" + value);
  words.insert(words.end(), argv.begin(), argv.end());
  std::string command = ShellJoin(words) + " </dev/null 2>&1";
  if (!cwd.empty()) command = "cd " + ShellQuote(cwd.string()) + " && " + command;
  return RunShell(command);
}

CommandOutput KubeCluster::Kubectl(std::vector<std::string> args) const {
  args.insert(args.begin(), {"kubectl", "--context", kContext});
  return Run(std::move(args));
}

CommandOutput KubeCluster::Helm(std::vector<std::string> args, const fs::path& cwd) const {
  args.insert(args.begin(), {"helm", "--kube-context", kContext});
  return Run(std::move(args), cwd);
}

}  // namespace fops::testing
