// Real Helm on the example charts (examples/fractalops/charts): `helm lint`
// and `helm template` run with exactly the values files and --set flags fops
// renders for the upgrade, and the rendered Deployment and HPA are checked,
// so a wrong flag or value path fails here. Helm is built by
// .ci/tools/helm.sh into $FOPS_TOOLS_DIR/bin; without it the tests skip.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "fops/base/shell_quote.h"
#include "fops/plan/helm_upgrade.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace fops {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string HelmBinary() {
  std::vector<fs::path> candidates;
  if (const char* dir = std::getenv("FOPS_TOOLS_DIR")) candidates.push_back(fs::path(dir) / "bin/helm");
  if (const char* home = std::getenv("HOME")) candidates.push_back(fs::path(home) / ".cache/fops/tools/bin/helm");
  for (const fs::path& p : candidates) {
    if (fs::exists(p)) return p.string();
  }
  return "";
}

struct Output {
  int exit_code = -1;
  std::string text;  // stdout and stderr
};

// Runs `argv` (argv[0] "helm" replaced by the binary) in the example dir.
Output RunHelm(std::vector<std::string> argv) {
  argv[0] = HelmBinary();
  std::string command = "cd " + ShellQuote(std::string(FOPS_SOURCE_DIR) + "/examples/fractalops") +
                        " && " + ShellJoin(argv) + " 2>&1";
  Output out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.text.append(buffer, n);
  int status = pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

HelmRelease Release(const std::string& chart, const std::string& image, int min, int max) {
  return HelmRelease{.name = chart,
                     .release = chart + "-dev",
                     .chart = "charts/" + chart,
                     .namespace_name = "fractalops-dev",
                     .values_files = {"charts/" + chart + "/values-dev.yaml"},
                     .image = image,
                     .autoscaling = HelmAutoscaling{.min_replicas = min, .max_replicas = max}};
}

// The rendered object of `kind`, from a multi-document YAML stream.
YAML::Node Find(const std::vector<YAML::Node>& docs, const std::string& kind) {
  for (const YAML::Node& doc : docs) {
    if (doc.IsMap() && doc["kind"] && doc["kind"].as<std::string>() == kind) return doc;
  }
  return YAML::Node();
}

class HelmChartsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (HelmBinary().empty()) {
      GTEST_SKIP() << "helm is not installed: run .ci/tools/helm.sh (make tools) to build it into "
                      "$FOPS_TOOLS_DIR/bin";
    }
  }
};

struct ChartCase {
  std::string chart;
  std::string image;
  int min;
  int max;
};

TEST_F(HelmChartsTest, LintAndTemplateWithTheRenderedFlags) {
  // The example charts' HPA bounds: api 2-6, portal 1-4, worker 1-4.
  const ChartCase cases[] = {
      {"fractalops-api", "ghcr.io/yamonco/fractalops-runtime:dev-1a2b3c", 2, 6},
      {"fractalops-portal", "ghcr.io/yamonco/fractalops-portal:dev-4d5e6f", 1, 4},
      {"fractalops-worker", "ghcr.io/yamonco/fractalops-runtime:dev-1a2b3c", 1, 4},
  };
  for (const ChartCase& c : cases) {
    SCOPED_TRACE(c.chart);
    HelmRelease release = Release(c.chart, c.image, c.min, c.max);
    std::vector<std::string> lint = {"helm", "lint", release.chart, "--strict"};
    for (const std::string& flag : HelmValueFlags(release)) lint.push_back(flag);
    Output linted = RunHelm(lint);
    EXPECT_EQ(linted.exit_code, 0) << linted.text;

    Output rendered = RunHelm(RenderHelmTemplate(release));
    ASSERT_EQ(rendered.exit_code, 0) << rendered.text;
    std::vector<YAML::Node> docs = YAML::LoadAll(rendered.text);
    YAML::Node deployment = Find(docs, "Deployment");
    ASSERT_TRUE(deployment) << rendered.text;
    EXPECT_EQ(deployment["metadata"]["name"].as<std::string>(), c.chart + "-dev");
    YAML::Node container = deployment["spec"]["template"]["spec"]["containers"][0];
    EXPECT_EQ(container["image"].as<std::string>(), c.image);
    EXPECT_FALSE(deployment["spec"]["replicas"]) << "the HPA owns replicas";
    EXPECT_EQ(container["env"][0]["name"].as<std::string>(), "FRACTALOPS_ENV");  // values-dev.yaml
    YAML::Node hpa = Find(docs, "HorizontalPodAutoscaler");
    ASSERT_TRUE(hpa) << rendered.text;
    EXPECT_EQ(hpa["spec"]["minReplicas"].as<int>(), c.min);
    EXPECT_EQ(hpa["spec"]["maxReplicas"].as<int>(), c.max);
    EXPECT_EQ(hpa["spec"]["scaleTargetRef"]["name"].as<std::string>(), c.chart + "-dev");
    EXPECT_TRUE(Find(docs, "Service"));
  }
}

TEST_F(HelmChartsTest, TagsThatLookLikeNumbersStayStrings) {
  // --set would turn 20250101 into an integer; fops passes image values
  // with --set-string, so the chart renders the tag as written.
  for (const std::string tag : {"20250101", "1.10", "true"}) {
    HelmRelease release = Release("fractalops-api", "ghcr.io/yamonco/fractalops-runtime:" + tag, 2, 6);
    Output rendered = RunHelm(RenderHelmTemplate(release));
    ASSERT_EQ(rendered.exit_code, 0) << rendered.text;
    YAML::Node deployment = Find(YAML::LoadAll(rendered.text), "Deployment");
    EXPECT_EQ(deployment["spec"]["template"]["spec"]["containers"][0]["image"].as<std::string>(),
              "ghcr.io/yamonco/fractalops-runtime:" + tag);
  }
}

TEST_F(HelmChartsTest, ChartRejectsBoundsFopsWouldRefuse) {
  // The chart enforces 1 <= min <= max too, for values set by hand.
  Output rendered = RunHelm({"helm", "template", "x", "charts/fractalops-api", "--set",
                             "autoscaling.minReplicas=7"});
  EXPECT_NE(rendered.exit_code, 0);
  EXPECT_THAT(rendered.text, HasSubstr("need 1 <= minReplicas <= maxReplicas, got 7 and 6"));
}

}  // namespace
}  // namespace fops
