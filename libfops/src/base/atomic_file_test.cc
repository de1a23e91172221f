#include "fops/base/atomic_file.h"

#include <filesystem>

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::HasSubstr;

TEST(AtomicFileTest, WritesCreatesParentsAndReplaces) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "atomic_file_test";
  std::filesystem::remove_all(dir);
  std::filesystem::path file = dir / "state" / "mode";
  ASSERT_THAT(WriteFileAtomic(file, "development\n"), IsOk());
  ASSERT_THAT(WriteFileAtomic(file, "staging\n"), IsOk());
  EXPECT_EQ(ReadFile(file).value(), "staging\n");
  // No temporary is left beside it.
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(file.parent_path())) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(AtomicFileTest, MissingFileIsNotFoundAndNamesThePath) {
  EXPECT_THAT(ReadFile("/nonexistent/fops/file"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/fops/file")));
}

}  // namespace
}  // namespace fops
