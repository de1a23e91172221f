#include "fops/model/mode_state.h"

#include <filesystem>
#include <string>
#include <vector>

#include "fops/base/atomic_file.h"
#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::HasSubstr;

std::filesystem::path FreshDir(const char* name) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(ModeTest, ParsesLongAndShortNames) {
  EXPECT_EQ(ParseMode("development").value(), Mode::kDevelopment);
  EXPECT_EQ(ParseMode("dev").value(), Mode::kDevelopment);
  EXPECT_EQ(ParseMode("staging").value(), Mode::kStaging);
  EXPECT_EQ(ParseMode("deploy").value(), Mode::kDeployment);
  EXPECT_EQ(ModeName(Mode::kDeployment), "deployment");
  EXPECT_THAT(ParseMode("prod"), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("unknown mode 'prod' (expected development")));
}

TEST(ModeStateTest, AnUntouchedRepoIsInDevelopmentMode) {
  absl::StatusOr<ModeState> state = LoadModeState(FreshDir("mode_state_default"));
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->mode, Mode::kDevelopment);
  EXPECT_FALSE(state->recorded());
  EXPECT_EQ(state->Describe(), "development (default: no mode recorded)");
}

TEST(ModeStateTest, SavedStateReadsBackAndDescribesItself) {
  std::filesystem::path dir = FreshDir("mode_state_round_trip");
  ModeState saved{.mode = Mode::kStaging,
                  .since = absl::FromUnixSeconds(1700000000),
                  .by = "fops mode staging",
                  .note = "applied runtime",
                  .targets = {"runtime"}};
  ASSERT_THAT(SaveModeState(dir, saved), IsOk());
  absl::StatusOr<ModeState> loaded = LoadModeState(dir);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(*loaded, saved);
  EXPECT_EQ(loaded->Describe(),
            "staging (since 2023-11-14 22:13:20 UTC, by fops mode staging, targets runtime): "
            "applied runtime");
}

TEST(ModeStateTest, PerAppRecordsReadBackUnderReadableNames) {
  std::filesystem::path dir = FreshDir("mode_state_apps");
  const absl::Time t = absl::FromUnixSeconds(1700000000);
  ModeState saved{.mode = Mode::kDeployment,
                  .since = t,
                  .by = "fops mode deploy",
                  .note = "1 of 6 apps Synced and Healthy",
                  .apps = {{.app = "api", .confirmed = AppConfirmed::kSyncedHealthy, .at = t,
                            .revision = "abc1234"},
                           {.app = "argocd/portal", .confirmed = AppConfirmed::kSyncRequested, .at = t},
                           {.app = "worker", .confirmed = AppConfirmed::kDegraded, .at = t,
                            .detail = "pods crash-looping"},
                           {.app = "jobs", .confirmed = AppConfirmed::kSyncFailed, .at = t,
                            .detail = "Failed: one or more objects failed to apply"},
                           {.app = "web", .confirmed = AppConfirmed::kTimedOut, .at = t,
                            .detail = "last seen OutOfSync Progressing"},
                           {.app = "typo", .confirmed = AppConfirmed::kNotReached,
                            .detail = "HTTP 403: permission denied"}}};
  ASSERT_THAT(SaveModeState(dir, saved), IsOk());
  absl::StatusOr<ModeState> loaded = LoadModeState(dir);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(*loaded, saved);
  std::vector<std::string> described;
  for (const AppRecord& app : loaded->apps) described.push_back(app.Describe());
  EXPECT_THAT(described,
              ::testing::ElementsAre("Synced Healthy at revision abc1234",
                                     "sync requested at 2023-11-14 22:13:20 UTC",
                                     "Degraded: pods crash-looping",
                                     "sync failed: Failed: one or more objects failed to apply",
                                     "timed out: last seen OutOfSync Progressing",
                                     "not reached: HTTP 403: permission denied"));
  EXPECT_FALSE(loaded->apps[5].synced());
  EXPECT_TRUE(loaded->apps[1].synced());
  absl::StatusOr<std::string> text = ReadFile(ModeStatePath(dir));
  ASSERT_THAT(text, IsOk());
  EXPECT_THAT(*text, HasSubstr("\"app\": \"api\""));
  EXPECT_THAT(*text, HasSubstr("\"confirmed\": \"Synced Healthy\""));
  EXPECT_THAT(*text, HasSubstr("\"revision\": \"abc1234\""));
  EXPECT_THAT(*text, HasSubstr("\"at\": \"2023-11-14T22:13:20Z\""));
}

TEST(ModeStateTest, AFileFromBeforePerAppRecordsStillLoads) {
  std::filesystem::path dir = FreshDir("mode_state_old");
  ASSERT_THAT(WriteFileAtomic(ModeStatePath(dir),
                              R"({"mode": "deployment", "since": "2025-01-02T10:00:00Z",
                                  "by": "fops mode deploy", "note": "2 of 2 apps Synced and Healthy",
                                  "targets": []})"),
              IsOk());
  absl::StatusOr<ModeState> loaded = LoadModeState(dir);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->mode, Mode::kDeployment);
  EXPECT_TRUE(loaded->apps.empty());
  EXPECT_EQ(loaded->note, "2 of 2 apps Synced and Healthy");
}

TEST(ModeStateTest, ABadAppRecordNamesTheField) {
  std::filesystem::path dir = FreshDir("mode_state_bad_app");
  const std::string head = R"({"mode": "deployment", "since": "2025-01-02T10:00:00Z", "apps": )";
  struct Case {
    std::string apps;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"{}", "mode.json: field 'apps': expected a list"},
           {"[7]", "mode.json: field 'apps[0]': expected an object"},
           {R"([{"confirmed": "timed out"}])", "field 'apps[0].app': expected an application name"},
           {R"([{"app": "a", "confirmed": "Synced Healthy"}, {"app": "b", "confirmed": "fine"}])",
            "field 'apps[1].confirmed': unknown state 'fine' (expected 'sync requested'"},
           {R"([{"app": "a", "confirmed": "Degraded", "at": "yesterday"}])",
            "field 'apps[0].at': expected an RFC 3339 UTC time, got 'yesterday'"},
           {R"([{"app": "a", "confirmed": "Degraded", "detail": 3}])",
            "field 'apps[0].detail': expected a string"},
       }) {
    ASSERT_THAT(WriteFileAtomic(ModeStatePath(dir), head + c.apps + "}"), IsOk());
    EXPECT_THAT(LoadModeState(dir), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.apps;
  }
}

TEST(ModeStateTest, CorruptFileNamesFileAndField) {
  std::filesystem::path dir = FreshDir("mode_state_corrupt");
  ASSERT_THAT(WriteFileAtomic(ModeStatePath(dir), "{\"mode\": \"prod\", \"since\": \"x\"}"), IsOk());
  EXPECT_THAT(LoadModeState(dir),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("mode.json: field 'mode': unknown mode 'prod'")));
  // Found with fuzz/mode_state_fuzzer.cc: json::value threw on a number.
  ASSERT_THAT(WriteFileAtomic(ModeStatePath(dir), "{\"mode\": \"development\", \"since\": 5}"),
              IsOk());
  EXPECT_THAT(LoadModeState(dir), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("mode.json: field 'since': expected a string")));
  ASSERT_THAT(WriteFileAtomic(ModeStatePath(dir), "not json"), IsOk());
  EXPECT_THAT(LoadModeState(dir), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("mode.json: not a JSON object")));
}

// An app's detail quotes what Argo CD answered, which need not be UTF-8 (a
// proxy's error page): saving such a state threw out of SaveModeState, and
// `fops mode deploy` ended without recording what it had confirmed.
TEST(ModeStateTest, DetailsThatAreNotUtf8AreSavedReplaced) {
  std::filesystem::path dir = FreshDir("mode_state_not_utf8");
  ModeState state{.mode = Mode::kDeployment, .since = absl::FromUnixSeconds(1700000000),
                  .by = "fops mode deploy",
                  .apps = {{.app = "fractalops-api", .confirmed = AppConfirmed::kNotReached,
                            .detail = "HTTP 502: caf\xe9 \xff"}}};
  ASSERT_THAT(SaveModeState(dir, state), IsOk());
  absl::StatusOr<ModeState> loaded = LoadModeState(dir);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->apps.at(0).detail, "HTTP 502: caf\xef\xbf\xbd \xef\xbf\xbd");
  EXPECT_EQ(loaded->mode, Mode::kDeployment);
}

}  // namespace
}  // namespace fops
