#include "fops/model/mode_state.h"

#include <filesystem>

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

TEST(ModeStateTest, CorruptFileNamesFileAndField) {
  std::filesystem::path dir = FreshDir("mode_state_corrupt");
  ASSERT_THAT(WriteFileAtomic(ModeStatePath(dir), "{\"mode\": \"prod\", \"since\": \"x\"}"), IsOk());
  EXPECT_THAT(LoadModeState(dir),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("mode.json: field 'mode': unknown mode 'prod'")));
  ASSERT_THAT(WriteFileAtomic(ModeStatePath(dir), "not json"), IsOk());
  EXPECT_THAT(LoadModeState(dir), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("mode.json: not a JSON object")));
}

}  // namespace
}  // namespace fops
