#include "fops/cli/plan_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <filesystem>

#include "fops/base/atomic_file.h"
#include "fops/base/status_matchers.h"
#include "fops/model/project_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "support/temp_dir.h"
#include "support/write_file.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::fops::testing::TempDir;
using ::fops::testing::WriteTestFile;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class PlanCacheTest : public ::testing::Test {
 protected:
  PlanCacheTest() {
    WriteTestFile(dir_.path() / "Tiltfile.py", "local_resource('a', cmd='true')\n");
    plan_.request = {.tiltfile = (dir_.path() / "Tiltfile.py").string(),
                     .cwd = dir_.path().string(),
                     .subcommand = "ci"};
    Resource a;
    a.name = "a";
    a.cmd = Command::Shell("echo a");
    a.dir = dir_.path().string();
    a.env = {{"X", "1"}};
    a.readiness_probe = Probe{.action = HttpGetAction{.port = 8080, .path = "/ready"}};
    plan_.project = {.tiltfile = plan_.request.tiltfile, .root = dir_.path().string(),
                     .resources = {a}};
    plan_.selection = {"a"};
    plan_.guard.dev_namespaces = {"team-dev"};
    plan_.guard.staging_targets = {{.release = "api", .namespace_name = "stage"}};
    plan_.load_stdout = "loading\n";
  }

  // Records `kind` of `path` as it is now.
  void Observe(PlanInput::Kind kind, const std::filesystem::path& path) {
    plan_.inputs.push_back({.kind = kind, .path = path.string(),
                            .observed = ObservePlanInput(kind, path.string())});
  }

  TempDir dir_{"fops-plan-cache"};
  CachedPlan plan_;
};

TEST_F(PlanCacheTest, StoresAndLoadsEverythingARunNeeds) {
  Observe(PlanInput::Kind::kContent, dir_.path() / "Tiltfile.py");
  const std::filesystem::path path = dir_.path() / "plan.json";
  ASSERT_THAT(StoreCachedPlan(path, plan_), IsOk());
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  absl::StatusOr<CachedPlan> loaded = LoadCachedPlan(path);
  ASSERT_THAT(loaded.status(), IsOk());
  EXPECT_EQ(loaded->request, plan_.request);
  EXPECT_EQ(loaded->inputs, plan_.inputs);
  EXPECT_EQ(loaded->load_stdout, "loading\n");
  EXPECT_EQ(loaded->selection, plan_.selection);
  EXPECT_EQ(ProjectToJson(loaded->project), ProjectToJson(plan_.project));
  EXPECT_EQ(loaded->guard.dev_namespaces, plan_.guard.dev_namespaces);
  EXPECT_EQ(loaded->guard.staging_targets, plan_.guard.staging_targets);
  EXPECT_EQ(loaded->guard.release_tags, plan_.guard.release_tags);
  EXPECT_EQ(StaleInput(*loaded), "");
}

TEST_F(PlanCacheTest, AMissingOrDamagedPlanIsAMissNotACrash) {
  EXPECT_THAT(LoadCachedPlan(dir_.path() / "none.json").status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("none.json")));
  WriteTestFile(dir_.path() / "bad.json", "{\"format\": 1, \"request\": ");
  EXPECT_THAT(LoadCachedPlan(dir_.path() / "bad.json").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid JSON")));
  WriteTestFile(dir_.path() / "old.json", "{\"format\": 0}");
  EXPECT_THAT(LoadCachedPlan(dir_.path() / "old.json").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("another format")));
  WriteTestFile(dir_.path() / "partial.json", "{\"format\": 2, \"request\": {}}");
  EXPECT_THAT(LoadCachedPlan(dir_.path() / "partial.json").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("partial.json")));
}

// Found by fuzz/plan_cache_fuzzer.cc: a plan without "project" (or with a
// "format" that is not a number) threw out of LoadCachedPlan and ended the
// native command instead of handing over to Python.
TEST_F(PlanCacheTest, APlanMissingItsProjectOrWithAnOddFormatIsAMiss) {
  const std::filesystem::path path = dir_.path() / "plan.json";
  ASSERT_THAT(StoreCachedPlan(path, plan_), IsOk());
  nlohmann::json doc = nlohmann::json::parse(*ReadFile(path));
  doc.erase("project");
  WriteTestFile(dir_.path() / "no-project.json", doc.dump());
  EXPECT_THAT(LoadCachedPlan(dir_.path() / "no-project.json").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("no-project.json: not a plan this fops can use"),
                             HasSubstr("project"))));
  WriteTestFile(dir_.path() / "format.json", "{\"format\": \"1\"}");
  EXPECT_THAT(LoadCachedPlan(dir_.path() / "format.json").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("another format")));
}

TEST_F(PlanCacheTest, AChangedFileIsStaleEvenWithTheSameSizeAndTime) {
  const std::filesystem::path tiltfile = dir_.path() / "Tiltfile.py";
  Observe(PlanInput::Kind::kContent, tiltfile);
  struct stat before;
  ASSERT_EQ(stat(tiltfile.c_str(), &before), 0);
  WriteTestFile(tiltfile, "local_resource('b', cmd='true')\n");  // same length
  struct timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(utimensat(AT_FDCWD, tiltfile.c_str(), times, 0), 0);
  EXPECT_EQ(StaleInput(plan_), tiltfile.string() + " changed");
}

TEST_F(PlanCacheTest, PresenceListingAndIdentityNoticeWhatTheyWatch) {
  Observe(PlanInput::Kind::kPresence, dir_.path() / "flag");
  Observe(PlanInput::Kind::kListing, dir_.path());
  EXPECT_EQ(StaleInput(plan_), "");
  WriteTestFile(dir_.path() / "flag", "x");
  EXPECT_THAT(StaleInput(plan_), HasSubstr("flag changed"));
  plan_.inputs.erase(plan_.inputs.begin());
  EXPECT_EQ(StaleInput(plan_), dir_.path().string() + " changed");  // a new name in it

  plan_.inputs.clear();
  Observe(PlanInput::Kind::kIdentity, dir_.path() / "flag");
  Observe(PlanInput::Kind::kPresence, dir_.path() / "flag");
  EXPECT_EQ(plan_.inputs[1].observed, "file");
  std::filesystem::remove(dir_.path() / "flag");
  WriteTestFile(dir_.path() / "flag", "x");  // same content, a new file
  EXPECT_THAT(StaleInput(plan_), HasSubstr("flag changed"));
}

TEST_F(PlanCacheTest, EnvironmentValuesAreKeptOnlyAsDigests) {
  ::setenv("FOPS_PLAN_CACHE_TEST_TOKEN", "s3cr3t-canary", 1);
  Observe(PlanInput::Kind::kEnv, "FOPS_PLAN_CACHE_TEST_TOKEN");
  Observe(PlanInput::Kind::kEnv, "FOPS_PLAN_CACHE_TEST_UNSET");
  EXPECT_EQ(plan_.inputs[1].observed, "unset");
  const std::filesystem::path path = dir_.path() / "plan.json";
  ASSERT_THAT(StoreCachedPlan(path, plan_), IsOk());
  std::string text;
  {
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_THAT(text, Not(HasSubstr("s3cr3t-canary")));
  absl::StatusOr<CachedPlan> loaded = LoadCachedPlan(path);
  ASSERT_THAT(loaded.status(), IsOk());
  EXPECT_EQ(StaleInput(*loaded), "");
  ::setenv("FOPS_PLAN_CACHE_TEST_TOKEN", "rotated", 1);
  EXPECT_EQ(StaleInput(*loaded), "$FOPS_PLAN_CACHE_TEST_TOKEN changed");
  ::setenv("FOPS_PLAN_CACHE_TEST_TOKEN", "s3cr3t-canary", 1);
  ::setenv("FOPS_PLAN_CACHE_TEST_UNSET", "", 1);  // set, even empty, is a change
  EXPECT_EQ(StaleInput(*loaded), "$FOPS_PLAN_CACHE_TEST_UNSET changed");
  ::unsetenv("FOPS_PLAN_CACHE_TEST_UNSET");
  ::unsetenv("FOPS_PLAN_CACHE_TEST_TOKEN");
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(PlanCacheTest, SecretEnvValuesAreStoredAsTheVariablesTheLoadReadThemFrom) {
  ::setenv("FOPS_PLAN_CACHE_TEST_API_KEY", "ref-canary-4411", 1);
  Observe(PlanInput::Kind::kEnv, "FOPS_PLAN_CACHE_TEST_API_KEY");
  plan_.project.resources[0].env["API_TOKEN"] = "ref-canary-4411";
  plan_.project.resources[0].serve_env["DB_PASSWORD"] = "ref-canary-4411";
  const std::filesystem::path path = dir_.path() / "plan.json";
  ASSERT_THAT(StoreCachedPlan(path, plan_), IsOk());
  EXPECT_THAT(ReadText(path), Not(HasSubstr("ref-canary")));

  absl::StatusOr<CachedPlan> loaded = LoadCachedPlan(path);
  ASSERT_THAT(loaded.status(), IsOk());
  EXPECT_EQ(loaded->project.resources[0].env.at("API_TOKEN"), "ref-canary-4411");
  EXPECT_EQ(loaded->project.resources[0].serve_env.at("DB_PASSWORD"), "ref-canary-4411");
  EXPECT_EQ(loaded->project.resources[0].env.at("X"), "1");
  EXPECT_EQ(StaleInput(*loaded), "");
  ::setenv("FOPS_PLAN_CACHE_TEST_API_KEY", "rotated-value", 1);
  EXPECT_EQ(StaleInput(*LoadCachedPlan(path)), "$FOPS_PLAN_CACHE_TEST_API_KEY changed");
  ::unsetenv("FOPS_PLAN_CACHE_TEST_API_KEY");
}

TEST_F(PlanCacheTest, APlanThatWouldHoldASecretValueIsNotStored) {
  const std::filesystem::path path = dir_.path() / "plan.json";
  ASSERT_THAT(StoreCachedPlan(path, plan_), IsOk());  // an older plan for the command
  plan_.project.resources[0].env["API_TOKEN"] = "lit-canary-7702";  // written in the Tiltfile
  EXPECT_THAT(StoreCachedPlan(path, plan_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("secret value (project.resources[0].env.API_TOKEN)")));
  EXPECT_FALSE(std::filesystem::exists(path));

  // A secret of the environment in a command is one too.
  plan_.project.resources[0].env.erase("API_TOKEN");
  ::setenv("FOPS_PLAN_CACHE_TEST_TOKEN", "env-canary-5120", 1);
  plan_.project.resources[0].cmd = Command::Shell("deploy --token env-canary-5120");
  absl::Status refused = StoreCachedPlan(path, plan_);
  ::unsetenv("FOPS_PLAN_CACHE_TEST_TOKEN");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("(project.resources[0].cmd)")));
  EXPECT_THAT(refused.message(), Not(HasSubstr("canary")));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(PlanCacheTest, RequestsNameTheirOwnPlans) {
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir_.path());
  PlanRequest request = MakePlanRequest("sub/../Tiltfile.py", "ci", {"--worker"}, {"api"});
  std::filesystem::current_path(cwd);
  EXPECT_EQ(request.tiltfile, (dir_.path() / "Tiltfile.py").string());
  EXPECT_EQ(request.cwd, dir_.path().string());
  PlanRequest other = request;
  other.args = {};
  EXPECT_NE(PlanCachePath(request), PlanCachePath(other));
  EXPECT_EQ(PlanCachePath(request).parent_path().filename(), "plan-cache");
}

// Found by fuzz/plan_cache_fuzzer.cc: `fops ci -- $'\xff'` (or a Tiltfile
// path that is not UTF-8) ended the native command with an uncaught JSON
// exception while it named the plan file.
TEST_F(PlanCacheTest, ArgumentsThatAreNotUtf8NameAPlanAndAreNeverStoredHalfway) {
  PlanRequest request = plan_.request;
  request.args = {"--name=caf\xe9"};
  const std::filesystem::path path = PlanCachePath(request);
  EXPECT_EQ(path.parent_path().filename(), "plan-cache");
  PlanRequest other = request;
  other.args = {"--name=caf\xe8"};
  EXPECT_EQ(PlanCachePath(other), path);  // the same name; the file's request tells them apart
  request.args = {"--name=caf\xc3\xa9"};
  EXPECT_NE(PlanCachePath(request), path);

  plan_.request = other;
  EXPECT_THAT(StoreCachedPlan(path, plan_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not UTF-8")));
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace fops
