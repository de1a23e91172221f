// The build plane through the engine, as a C++ tool would wire it: a plane,
// image builds compiled to resources, the InputGate, a scripted executor.
// A scripted run builds and pushes nothing, so it is never recorded: every
// run builds and pushes again, with a new dev tag when the inputs change.
// (Skips over real pushes are tested with buildah and a real registry in
// tests/python/test_truth.py.)
#include <filesystem>
#include <string>

#include "fops/base/status_matchers.h"
#include "fops/engine/engine.h"
#include "fops/engine/input_gate.h"
#include "fops/exec/scripted_executor.h"
#include "fops/model/build_plane.h"
#include "fops/plan/image_build.h"
#include "fops/watch/input_digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"
#include "support/write_file.h"

namespace fops {
namespace {

namespace fs = std::filesystem;
using ::fops::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kPlane[] = R"(version: 1
project: demo
registries:
  final:
    role: final
    host: registry.example.com
    namespace: demo
  cache:
    role: cache
    host: cache.example.com:8082
stages:
  dev:
    tag: dev-{inputs}
targets:
  api:
    context: api
)";

class PlaneEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteTestFile(root_ / "api/Dockerfile", "FROM scratch\nCOPY main.py /\n");
    testing::WriteTestFile(root_ / "api/main.py", "print(1)\n");
    absl::StatusOr<BuildPlane> plane = BuildPlane::Parse(kPlane, "plane.yaml");
    ASSERT_THAT(plane, IsOk());
    plane_ = *std::move(plane);
  }
  // Loads the "Tiltfile": compiles the image (its tag depends on its inputs).
  Project Load() {
    ImageBuildContext ctx{.dir = root_.string()};
    ctx.inputs_digest = [this](const std::string& dir,
                               const UpdateInputs& inputs) -> absl::StatusOr<std::string> {
      InputDigester digester(root_ / ".fops/images/api-image.cache");
      absl::StatusOr<InputDigest> d = digester.Compute(dir, inputs);
      if (!d.ok()) return d.status();
      return d->total;
    };
    absl::StatusOr<Resource> image = CompileImageBuild(plane_, {.target = "api"}, ctx);
    EXPECT_THAT(image, IsOk());
    Project project;
    project.root = root_.string();
    project.resources.push_back(*image);
    return project;
  }

  RunResult Run(bool force = false) {
    InputGate gate(root_ / ".fops");
    absl::StatusOr<std::unique_ptr<Engine>> engine =
        Engine::Create(Load(), executor_, {.gate = &gate, .force = force});
    EXPECT_THAT(engine, IsOk());
    return (*engine)->Ci();
  }

  testing::TempDir tmp_{"fops-plane-engine"};
  const fs::path root_ = tmp_.path();
  BuildPlane plane_;
  ScriptedExecutor executor_;
};

TEST_F(PlaneEngineTest, ScriptedRunsBuildAndPushWithATagOfTheirInputsAndRecordNothing) {
  RunResult first = Run();
  ASSERT_NE(first.Find("api-image"), nullptr);
  EXPECT_EQ(first.Find("api-image")->status, ResourceStatus::kSucceeded);
  EXPECT_EQ(first.Find("api-image")->reason, "rebuilt: no previous build");
  ASSERT_EQ(executor_.calls().size(), 2u);
  EXPECT_EQ(executor_.calls()[0].argv[3], "build");
  EXPECT_EQ(executor_.calls()[1].argv[3], "push");
  const std::string pushed = executor_.calls()[1].argv.back();
  EXPECT_THAT(pushed, HasSubstr("registry.example.com/demo/api:dev-"));

  RunResult second = Run();
  EXPECT_EQ(second.Find("api-image")->reason, "rebuilt: no previous build");
  EXPECT_EQ(executor_.calls().size(), 4u);
  EXPECT_EQ(executor_.calls()[3].argv.back(), pushed);  // same inputs, same tag

  testing::WriteTestFile(root_ / "api/main.py", "print(2)\n");
  RunResult third = Run();
  EXPECT_EQ(executor_.calls().size(), 6u);
  EXPECT_NE(executor_.calls()[5].argv.back(), pushed);  // new inputs, new dev tag

  RunResult forced = Run(/*force=*/true);
  EXPECT_EQ(forced.Find("api-image")->reason, "rebuilt: forced (--force)");
  EXPECT_EQ(executor_.calls().size(), 8u);
  EXPECT_FALSE(fs::exists(root_ / ".fops/images/api-image.json"));
}

}  // namespace
}  // namespace fops
