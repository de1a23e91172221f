// How the skip-if-unchanged check of a Helm release (HelmEffectCheck, which
// runs `helm status`) meets a cluster that fails: real Helm against a
// loopback server playing a Kubernetes API server that answers 500, answers
// a web page, never answers, or is not there. Every fault is kUnavailable
// in Helm's words, so the gate says "cannot confirm in the cluster" and the
// upgrade runs; a `helm status` that hangs is stopped at its timeout; a
// `helm` that is not Helm 3 confirms nothing. Helm
// comes from .ci/tools/helm.sh ($FOPS_TOOLS_DIR/bin); without it the tests
// skip.
#include <dirent.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fops/base/status_matchers.h"
#include "fops/engine/helm_effect_check.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/loopback_http_server.h"
#include "support/tcp_listener.h"
#include "support/temp_dir.h"
#include "support/write_file.h"

namespace fops {
namespace {

namespace fs = std::filesystem;
using ::fops::testing::LoopbackHttpServer;
using ::fops::testing::StatusIs;
using ::fops::testing::TempDir;
using ::fops::testing::WriteTestFile;
using ::testing::HasSubstr;

std::string HelmBinary() {
  std::vector<fs::path> candidates;
  if (const char* dir = std::getenv("FOPS_TOOLS_DIR")) candidates.push_back(fs::path(dir) / "bin/helm");
  if (const char* home = std::getenv("HOME")) {
    candidates.push_back(fs::path(home) / ".cache/fops/tools/bin/helm");
  }
  for (const fs::path& p : candidates) {
    if (fs::exists(p)) return p.string();
  }
  return "";
}

// Pids of the processes whose command line mentions `marker`.
std::vector<int> ProcessesWith(const std::string& marker) {
  std::vector<int> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return found;
  while (dirent* entry = readdir(proc)) {
    const int pid = std::atoi(entry->d_name);
    if (pid <= 0) continue;
    std::ifstream in(absl::StrCat("/proc/", pid, "/cmdline"), std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(marker) != std::string::npos) found.push_back(pid);
  }
  closedir(proc);
  return found;
}

class HelmStatusFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    helm_ = HelmBinary();
    if (helm_.empty()) GTEST_SKIP() << "helm is not installed: run .ci/tools/helm.sh (make tools)";
  }

  // The release as helm_release() declares it, its cluster at 127.0.0.1:port.
  Resource Release(int port) {
    WriteTestFile(kubeconfig_, absl::StrCat(R"(apiVersion: v1
kind: Config
current-context: fops-local
clusters:
- name: local
  cluster: {server: "http://127.0.0.1:)", port, R"("}
contexts:
- name: fops-local
  context: {cluster: local, user: dev}
users:
- name: dev
  user: {token: not-a-real-token}
)"));
    Resource r;
    r.name = "api";
    r.kind = "helm";
    r.cmd = Command::Argv({helm_, "upgrade", "--install", "fractalops-api-dev", "chart",
                           "--namespace", "fractalops-dev", "--kube-context", "fops-local",
                           "--kubeconfig", kubeconfig_.string()});
    r.inputs.values = {{"release", "fractalops-api-dev"}, {"namespace", "fractalops-dev"}};
    return r;
  }

  std::string helm_;
  TempDir dir_{"fops-helm-status"};
  fs::path kubeconfig_ = dir_.path() / "kubeconfig";
};

TEST_F(HelmStatusFaultsTest, AClusterThatFailsIsUnavailableInHelmsWords) {
  HelmEffectCheck check;
  LoopbackHttpServer failing([](const LoopbackHttpServer::Request&) {
    return LoopbackHttpServer::Response{
        .status = 500,
        .headers = {{"Content-Type", "application/json"}},
        .body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","code":500})"};
  });
  EXPECT_THAT(check.Observe(Release(failing.port())),
              StatusIs(absl::StatusCode::kUnavailable,
                       "helm status fractalops-api-dev: exit 1: Error: Kubernetes cluster "
                       "unreachable: an error on the server (\"unknown\") has prevented the "
                       "request from succeeding"));
  EXPECT_FALSE(failing.requests().empty());

  LoopbackHttpServer page([](const LoopbackHttpServer::Request&) {
    return LoopbackHttpServer::Response{.status = 200,
                                        .headers = {{"Content-Type", "text/html"}},
                                        .body = "<html>Please sign in</html>"};
  });
  EXPECT_THAT(check.Observe(Release(page.port())),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("helm status fractalops-api-dev: exit 1: Error: Kubernetes "
                                 "cluster unreachable: unable to parse the server version")));

  ::fops::testing::TcpListener closed;
  closed.Close();  // the port now refuses connections
  EXPECT_THAT(check.Observe(Release(closed.port())),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr(absl::StrCat("dial tcp 127.0.0.1:", closed.port(),
                                              ": connect: connection refused"))));
}

TEST_F(HelmStatusFaultsTest, AClusterThatNeverAnswersTimesOutAndHelmIsStopped) {
  LoopbackHttpServer silent([](const LoopbackHttpServer::Request&) {
    return LoopbackHttpServer::Response{.status = 200, .delay = absl::Seconds(120)};
  });
  HelmEffectCheck check({.timeout = absl::Seconds(1)});
  EXPECT_THAT(check.Observe(Release(silent.port())),
              StatusIs(absl::StatusCode::kUnavailable,
                       "helm status fractalops-api-dev: timed out after 1s"));
  EXPECT_FALSE(silent.requests().empty());  // helm asked, and waited
  EXPECT_THAT(ProcessesWith(kubeconfig_.string()), ::testing::IsEmpty());
}

// `helm` on PATH is not Helm 3 (Helm 2, or another program of that name):
// what it prints is not a release, and nothing is confirmed. No real Helm
// 3 answers this way, so a script plays that program.
TEST_F(HelmStatusFaultsTest, AHelmThatIsNotHelm3ConfirmsNothing) {
  const fs::path other = dir_.path() / "helm";
  WriteTestFile(other,
                "#!/bin/sh\n"
                "echo 'LAST DEPLOYED: Mon Jan  6 10:00:00 2025'\n"
                "echo 'NAMESPACE: fractalops-dev'\n"
                "echo 'STATUS: DEPLOYED'\n");
  fs::permissions(other, fs::perms::owner_all);
  Resource release = Release(::fops::testing::FreeLoopbackPort());
  std::vector<std::string> argv = release.cmd.argv();
  argv[0] = other.string();
  release.cmd = Command::Argv(argv);
  EXPECT_THAT(HelmEffectCheck().Observe(release),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "helm status fractalops-api-dev: the answer is not a release (no "
                       "version)"));
}

}  // namespace
}  // namespace fops
