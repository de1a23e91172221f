#include "fops/engine/input_gate.h"

#include <filesystem>
#include <string>

#include "fops/base/atomic_file.h"
#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"
#include "support/write_file.h"

namespace fops {
namespace {

namespace fs = std::filesystem;
using ::fops::testing::IsOk;
using ::fops::testing::TempDir;
using ::fops::testing::WriteTestFile;
using ::fops::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

class InputGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteTestFile(root_ / "app/main.py", "print('hi')\n");
    WriteTestFile(root_ / "app/util.py", "x = 1\n");
    WriteTestFile(root_ / "app/Dockerfile", "FROM python:3.11\n");
    image_.name = "app-image";
    image_.kind = "image";
    image_.dir = root_.string();
    image_.inputs.paths = {"app", "app/Dockerfile"};
    image_.inputs.values = {{"builder", "buildah"},
                            {"platform", "linux/amd64"},
                            {"base.1", "docker.io/library/python:3.11"},
                            {"build_arg.TOKEN", "s3cr3t-value"}};
    image_.inputs.produces = "ghcr.io/yamonco/app:dev-1";
  }

  std::string Check(InputGate& gate) {
    absl::StatusOr<GateDecision> d = gate.Check(image_);
    EXPECT_THAT(d, IsOk());
    if (!d.ok()) return "";
    EXPECT_EQ(d->run, d->reason.rfind("skipped", 0) != 0);
    return d->reason;
  }
  // Check then (as the engine does after a success) Record.
  std::string Build(InputGate& gate) {
    std::string reason = Check(gate);
    EXPECT_THAT(gate.Record(image_), IsOk());
    return reason;
  }

  InputGate MakeGate() {
    InputGate gate(root_ / ".fops");
    gate.set_racy_window(absl::ZeroDuration());
    return gate;
  }

  TempDir tmp_{"fops-input-gate"};
  const fs::path root_ = tmp_.path();
  Resource image_;
};

TEST_F(InputGateTest, SkipsAnUnchangedImageAndSaysSince) {
  InputGate gate = MakeGate();
  EXPECT_EQ(Build(gate), "rebuilt: no previous build");
  EXPECT_EQ(Check(gate), "skipped: unchanged since ghcr.io/yamonco/app:dev-1");
  // A new process (a new gate) reads the same state.
  InputGate again = MakeGate();
  EXPECT_EQ(Check(again), "skipped: unchanged since ghcr.io/yamonco/app:dev-1");
  EXPECT_TRUE(fs::exists(root_ / ".fops/images/app-image.json"));
  EXPECT_EQ(gate.StatePath(image_), root_ / ".fops/images/app-image.json");
}

TEST_F(InputGateTest, NamesTheFileThatChanged) {
  InputGate gate = MakeGate();
  Build(gate);
  WriteTestFile(root_ / "app/main.py", "print('bye')\n");
  EXPECT_EQ(Check(gate), "rebuilt: app/main.py changed");
  EXPECT_EQ(Build(gate), "rebuilt: app/main.py changed");  // Check again: still changed
  EXPECT_THAT(Check(gate), HasSubstr("skipped"));
  WriteTestFile(root_ / "app/new.py", "y = 2\n");
  EXPECT_EQ(Check(gate), "rebuilt: app/new.py added");
  fs::remove(root_ / "app/util.py");
  EXPECT_EQ(Check(gate), "rebuilt: app/new.py added (and 1 more)");
  Build(gate);
  fs::remove(root_ / "app/new.py");
  EXPECT_EQ(Check(gate), "rebuilt: app/new.py removed");
}

TEST_F(InputGateTest, NamesTheArgumentThatChangedWithoutItsSecretValue) {
  InputGate gate = MakeGate();
  Build(gate);
  const std::map<std::string, std::string> recorded = image_.inputs.values;
  auto check_with = [&](const std::string& key, const std::string& value) {
    image_.inputs.values = recorded;
    image_.inputs.values[key] = value;
    return Check(gate);
  };
  EXPECT_EQ(check_with("build_arg.TOKEN", "other-secret"), "rebuilt: build arg TOKEN changed");
  EXPECT_EQ(check_with("platform", "linux/arm64"),
            "rebuilt: platform changed (linux/amd64 -> linux/arm64)");
  EXPECT_EQ(check_with("base.1", "docker.io/library/python:3.12"),
            "rebuilt: base image docker.io/library/python:3.12 changed "
            "(was docker.io/library/python:3.11)");
  EXPECT_EQ(check_with("base.2", "docker.io/library/node:20"),
            "rebuilt: base image docker.io/library/node:20 added");
  EXPECT_EQ(check_with("builder", "buildx"), "rebuilt: builder changed (buildah -> buildx)");
  EXPECT_EQ(check_with("build_arg.NEW", "1"), "rebuilt: build arg NEW added");
  EXPECT_EQ(check_with("target_stage", "app"), "rebuilt: target stage added");
  absl::StatusOr<std::string> state = ReadFile(root_ / ".fops/images/app-image.json");
  ASSERT_THAT(state, IsOk());
  EXPECT_THAT(*state, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(*state, HasSubstr("\"build_arg.TOKEN\": \"xxh128:"));
}

TEST_F(InputGateTest, ANewReferenceIsPushedEvenWithTheSameInputs) {
  InputGate gate = MakeGate();
  Build(gate);
  image_.inputs.produces = "ghcr.io/yamonco/app:dev-2";
  EXPECT_EQ(Check(gate), "rebuilt: reference changed (was ghcr.io/yamonco/app:dev-1)");
}

TEST_F(InputGateTest, IgnorePatternChangesAreNamed) {
  InputGate gate = MakeGate();
  Build(gate);
  image_.inputs.ignore = {"app/util.py"};
  EXPECT_EQ(Check(gate), "rebuilt: ignore patterns (.dockerignore) changed");
}

TEST_F(InputGateTest, RecordWithoutCheckAndOtherKinds) {
  InputGate gate = MakeGate();
  ASSERT_THAT(gate.Record(image_), IsOk());  // --force: the engine skips Check
  EXPECT_THAT(Check(gate), HasSubstr("skipped"));
  Resource helm = image_;
  helm.name = "api";
  helm.kind = "helm";
  helm.inputs.produces = "";
  absl::StatusOr<GateDecision> d = gate.Check(helm);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->reason, "updated: no previous build");
  ASSERT_THAT(gate.Record(helm), IsOk());
  EXPECT_TRUE(fs::exists(root_ / ".fops/helm/api.json"));
  d = gate.Check(helm);
  ASSERT_THAT(d, IsOk());
  EXPECT_FALSE(d->run);
  EXPECT_THAT(d->reason, HasSubstr("skipped: unchanged since 20"));  // the time recorded
}

TEST_F(InputGateTest, DamagedStateMeansRebuild) {
  InputGate gate = MakeGate();
  Build(gate);
  WriteTestFile(root_ / ".fops/images/app-image.json", "{not json");
  EXPECT_THAT(Check(gate), HasSubstr("rebuilt: no previous build ("));
  image_.inputs.paths.push_back("missing");
  EXPECT_THAT(gate.Check(image_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("input 'missing' does not exist")));
}

}  // namespace
}  // namespace fops
