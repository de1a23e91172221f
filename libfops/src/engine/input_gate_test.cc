#include "fops/engine/input_gate.h"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "fops/base/atomic_file.h"
#include "fops/engine/effect_check.h"
#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
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

// Where the gate's unit tests keep their images: what a test puts here is
// what the gate reads back. (The real registry check, ImageEffectCheck, has
// its own tests against a real registry.)
struct ImageStore {
  std::mutex mu;
  std::map<std::string, std::string> digests;  // reference -> digest
  bool reachable = true;
  int reads = 0;
};

class StoreCheck : public EffectCheck {
 public:
  explicit StoreCheck(std::shared_ptr<ImageStore> store) : store_(std::move(store)) {}
  bool Covers(const Resource& r) const override { return r.kind == "image"; }
  absl::StatusOr<Effect> Observe(const Resource& r) override {
    std::lock_guard<std::mutex> lock(store_->mu);
    ++store_->reads;
    if (!store_->reachable) return absl::UnavailableError("127.0.0.1:9: connection refused");
    auto it = store_->digests.find(r.inputs.produces);
    if (it == store_->digests.end()) return Effect{.present = false};
    return Effect{.present = true, .identity = it->second};
  }
  std::string Differs(const Resource& r, std::string_view recorded,
                      const Effect& now) const override {
    if (!now.present) return r.inputs.produces + " is not in the registry";
    if (now.identity != recorded) return "the registry holds another image";
    return "";
  }
  std::string_view where() const override { return "the registry"; }

 private:
  std::shared_ptr<ImageStore> store_;
};

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
    Push();
  }

  // What a successful push leaves in the registry.
  void Push(const std::string& digest = "sha256:aaaa") {
    std::lock_guard<std::mutex> lock(store_->mu);
    store_->digests[image_.inputs.produces] = digest;
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

  // A gate as a new `fops` process makes it: one session, the same store.
  std::unique_ptr<InputGate> NewGate() {
    InputGateOptions options;
    options.checks.push_back(std::make_unique<StoreCheck>(store_));
    auto gate = std::make_unique<InputGate>(root_ / ".fops", std::move(options));
    gate->set_racy_window(absl::ZeroDuration());
    return gate;
  }

  TempDir tmp_{"fops-input-gate"};
  const fs::path root_ = tmp_.path();
  Resource image_;
  std::shared_ptr<ImageStore> store_ = std::make_shared<ImageStore>();
};

TEST_F(InputGateTest, SkipsAnUnchangedImageAndSaysSince) {
  std::unique_ptr<InputGate> owned = NewGate();
  InputGate& gate = *owned;
  EXPECT_EQ(Build(gate), "rebuilt: no previous build");
  EXPECT_EQ(Check(gate), "skipped: unchanged since ghcr.io/yamonco/app:dev-1");
  // A new process (a new gate) reads the same state.
  std::unique_ptr<InputGate> again = NewGate();
  EXPECT_EQ(Check(*again), "skipped: unchanged since ghcr.io/yamonco/app:dev-1");
  EXPECT_TRUE(fs::exists(root_ / ".fops/images/app-image.json"));
  EXPECT_EQ(gate.StatePath(image_), root_ / ".fops/images/app-image.json");
}

TEST_F(InputGateTest, NamesTheFileThatChanged) {
  std::unique_ptr<InputGate> owned = NewGate();
  InputGate& gate = *owned;
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
  std::unique_ptr<InputGate> owned = NewGate();
  InputGate& gate = *owned;
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
  std::unique_ptr<InputGate> owned = NewGate();
  InputGate& gate = *owned;
  Build(gate);
  image_.inputs.produces = "ghcr.io/yamonco/app:dev-2";
  EXPECT_EQ(Check(gate), "rebuilt: reference changed (was ghcr.io/yamonco/app:dev-1)");
}

TEST_F(InputGateTest, IgnorePatternChangesAreNamed) {
  std::unique_ptr<InputGate> owned = NewGate();
  InputGate& gate = *owned;
  Build(gate);
  image_.inputs.ignore = {"app/util.py"};
  EXPECT_EQ(Check(gate), "rebuilt: ignore patterns (.dockerignore) changed");
}

TEST_F(InputGateTest, RecordWithoutCheckAndOtherKinds) {
  std::unique_ptr<InputGate> owned = NewGate();
  InputGate& gate = *owned;
  ASSERT_THAT(gate.Record(image_), IsOk());  // --force: the engine skips Check
  EXPECT_THAT(Check(gate), HasSubstr("skipped"));
  Resource helm = image_;
  helm.name = "api";
  helm.kind = "chart";  // publishes nothing outside: its inputs alone decide
  helm.inputs.produces = "";
  absl::StatusOr<GateDecision> d = gate.Check(helm);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->reason, "updated: no previous build");
  ASSERT_THAT(gate.Record(helm), IsOk());
  EXPECT_TRUE(fs::exists(root_ / ".fops/chart/api.json"));
  d = gate.Check(helm);
  ASSERT_THAT(d, IsOk());
  EXPECT_FALSE(d->run);
  EXPECT_THAT(d->reason, HasSubstr("skipped: unchanged since 20"));  // the time recorded
}

TEST_F(InputGateTest, SecretsOfTheRunAreStoredMaskedAndStillCompared) {
  std::unique_ptr<InputGate> owned = NewGate();
  InputGate& gate = *owned;
  Redactor run;
  run.AddSecret("reg-canary-99");
  run.AddSecret("reg-canary-77");
  gate.SetRedactor(run);
  image_.inputs.produces = "ghcr.io/yamonco/app:reg-canary-99";
  image_.inputs.values["target"] = "app-reg-canary-99";
  Push();
  Build(gate);
  absl::StatusOr<std::string> state = ReadFile(gate.StatePath(image_));
  ASSERT_THAT(state, IsOk());
  EXPECT_THAT(*state, Not(HasSubstr("canary")));
  EXPECT_THAT(Check(gate), HasSubstr("skipped: unchanged since ghcr.io/yamonco/app:[REDACTED] (xxh128:"));
  // Another secret in the same place is a change, named without either value.
  image_.inputs.produces = "ghcr.io/yamonco/app:reg-canary-77";
  Push();
  const std::string reason = Check(gate);
  EXPECT_THAT(reason, HasSubstr("rebuilt: reference changed (was ghcr.io/yamonco/app:[REDACTED]"));
  EXPECT_THAT(reason, Not(HasSubstr("canary")));
}

TEST_F(InputGateTest, DamagedStateMeansRebuild) {
  std::unique_ptr<InputGate> owned = NewGate();
  InputGate& gate = *owned;
  Build(gate);
  WriteTestFile(root_ / ".fops/images/app-image.json", "{not json");
  EXPECT_THAT(Check(gate), HasSubstr("rebuilt: no previous build ("));
  image_.inputs.paths.push_back("missing");
  EXPECT_THAT(gate.Check(image_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("input 'missing' does not exist")));
}

// Found by fuzz/input_gate_fuzzer.cc: a record whose fields had another
// type ("version": "2", "produces": 5) threw out of Check on an engine
// worker and ended fops; a damaged record must only mean a rebuild.
TEST_F(InputGateTest, ARecordWithFieldsOfAnotherTypeMeansRebuild) {
  std::unique_ptr<InputGate> owned = NewGate();
  InputGate& gate = *owned;
  Build(gate);
  const fs::path state = root_ / ".fops/images/app-image.json";
  nlohmann::json record = nlohmann::json::parse(*ReadFile(state));
  nlohmann::json wrong_version = record;
  wrong_version["version"] = "2";
  WriteTestFile(state, wrong_version.dump());
  EXPECT_THAT(Check(gate), HasSubstr("rebuilt: no previous build ("));
  for (const char* field : {"produces", "effect"}) {
    nlohmann::json damaged = record;
    damaged[field] = 5;
    WriteTestFile(state, damaged.dump());
    EXPECT_THAT(Check(*NewGate()), HasSubstr("rebuilt: ")) << field;
  }
  nlohmann::json changed = record;
  changed["digest"] = "0000";
  WriteTestFile(state, changed.dump());
  WriteTestFile(root_ / ".fops/images/app-image.files.json", R"({"digest": 7, "files": []})");
  EXPECT_THAT(Check(gate), HasSubstr("rebuilt: inputs changed"));
}

TEST_F(InputGateTest, AnImageGoneFromTheRegistryIsBuiltAgainWithTheReason) {
  std::unique_ptr<InputGate> gate = NewGate();
  Build(*gate);
  store_->digests.clear();  // the registry was wiped
  std::unique_ptr<InputGate> next = NewGate();
  EXPECT_EQ(Check(*next), "rebuilt: ghcr.io/yamonco/app:dev-1 is not in the registry");
}

TEST_F(InputGateTest, AnotherImageUnderTheTagIsBuiltAgain) {
  std::unique_ptr<InputGate> gate = NewGate();
  Build(*gate);
  Push("sha256:bbbb");  // someone pushed other content under the same tag
  std::unique_ptr<InputGate> next = NewGate();
  EXPECT_EQ(Check(*next), "rebuilt: the registry holds another image");
  // Built and pushed again: the new digest is what fops confirmed.
  Push("sha256:cccc");
  ASSERT_THAT(next->Record(image_), IsOk());
  EXPECT_EQ(Check(*NewGate()), "skipped: unchanged since ghcr.io/yamonco/app:dev-1");
}

TEST_F(InputGateTest, NoSkipWhenTheRegistryCannotBeAsked) {
  std::unique_ptr<InputGate> gate = NewGate();
  Build(*gate);
  store_->reachable = false;
  std::unique_ptr<InputGate> next = NewGate();
  EXPECT_EQ(Check(*next),
            "rebuilt: cannot confirm in the registry: 127.0.0.1:9: connection refused");
}

TEST_F(InputGateTest, OneReadPerReferencePerSession) {
  std::unique_ptr<InputGate> gate = NewGate();
  Build(*gate);  // the record reads the registry once
  EXPECT_EQ(store_->reads, 1);
  EXPECT_THAT(Check(*gate), HasSubstr("skipped"));
  EXPECT_THAT(Check(*gate), HasSubstr("skipped"));
  EXPECT_EQ(store_->reads, 1);  // confirmed by the record of this session
  std::unique_ptr<InputGate> next = NewGate();
  EXPECT_THAT(Check(*next), HasSubstr("skipped"));
  EXPECT_THAT(Check(*next), HasSubstr("skipped"));
  EXPECT_EQ(store_->reads, 2);  // a new session reads once
}

TEST_F(InputGateTest, NothingIsRecordedThatTheRegistryDoesNotShow) {
  std::unique_ptr<InputGate> gate = NewGate();
  store_->digests.clear();  // the push "succeeded", but the image is not there
  EXPECT_EQ(Check(*gate), "rebuilt: no previous build");
  EXPECT_THAT(gate->Record(image_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("the registry does not show ghcr.io/yamonco/app:dev-1")));
  EXPECT_FALSE(fs::exists(gate->StatePath(image_)));
  store_->reachable = false;
  Push();
  EXPECT_THAT(gate->Record(image_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("cannot confirm ghcr.io/yamonco/app:dev-1 in the registry")));
  EXPECT_FALSE(fs::exists(gate->StatePath(image_)));
}

TEST_F(InputGateTest, WithoutACheckAPublishedImageIsNeverSkipped) {
  InputGate gate(root_ / ".fops");
  gate.set_racy_window(absl::ZeroDuration());
  EXPECT_THAT(gate.Record(image_), StatusIs(absl::StatusCode::kFailedPrecondition,
                                            HasSubstr("nothing can confirm")));
  // A record from a gate that could confirm does not make this one skip.
  ASSERT_THAT(NewGate()->Record(image_), IsOk());
  EXPECT_EQ(Check(gate), "rebuilt: nothing can confirm ghcr.io/yamonco/app:dev-1 is still there");
}

TEST_F(InputGateTest, ARecordOfAnOlderVersionIsNotTrusted) {
  std::unique_ptr<InputGate> gate = NewGate();
  Build(*gate);
  absl::StatusOr<std::string> state = ReadFile(gate->StatePath(image_));
  ASSERT_THAT(state, IsOk());
  // What the previous format wrote: the same inputs, no confirmed effect.
  std::string old = *state;
  old.replace(old.find("\"version\": 2"), 12, "\"version\": 1");
  WriteTestFile(gate->StatePath(image_), old);
  EXPECT_THAT(Check(*NewGate()), HasSubstr("rebuilt: no previous build ("));
}

}  // namespace
}  // namespace fops
