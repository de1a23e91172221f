#include "fops/watch/input_digest.h"

#include <sys/stat.h>

#include <filesystem>
#include <string>

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
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Key;

class InputDigestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteTestFile(dir_ / "app/main.py", "print('hi')\n");
    WriteTestFile(dir_ / "app/lib/util.py", "x = 1\n");
    WriteTestFile(dir_ / "app/node_modules/big.js", "junk\n");
    WriteTestFile(dir_ / "app/logs/a.log", "log\n");
    WriteTestFile(dir_ / "app/logs/keep.log", "kept\n");
    WriteTestFile(dir_ / "docker/app.Dockerfile", "FROM scratch\n");
    inputs_.paths = {"app", "docker/app.Dockerfile"};
    inputs_.ignore = {"app/node_modules", "app/logs", "!app/logs/keep.log"};
    inputs_.values = {{"builder", "buildah"}};
  }

  InputDigest Compute(InputDigester& digester) {
    absl::StatusOr<InputDigest> d = digester.Compute(dir_, inputs_);
    EXPECT_THAT(d, IsOk());
    return d.ok() ? *d : InputDigest{};
  }

  TempDir tmp_{"fops-input-digest"};
  const fs::path dir_ = tmp_.path();
  UpdateInputs inputs_;
};

TEST_F(InputDigestTest, HashesContextFilesMinusIgnoredOnes) {
  InputDigester digester;
  InputDigest d = Compute(digester);
  EXPECT_THAT(d.files, ElementsAre(Key("app/lib/util.py"), Key("app/logs/keep.log"),
                                   Key("app/main.py"), Key("docker/app.Dockerfile")));
  EXPECT_EQ(d.total.size(), 32u);
  EXPECT_EQ(d.files_hashed, 4u);
  // Same inputs, same digest; ignored files do not matter.
  WriteTestFile(dir_ / "app/node_modules/big.js", "other junk\n");
  EXPECT_EQ(Compute(digester).total, d.total);
}

TEST_F(InputDigestTest, AnyChangeChangesTheTotal) {
  InputDigester digester;
  const std::string before = Compute(digester).total;
  WriteTestFile(dir_ / "app/main.py", "print('bye')\n");
  const std::string edited = Compute(digester).total;
  EXPECT_NE(edited, before);
  inputs_.values["build_arg.X"] = "1";
  const std::string with_arg = Compute(digester).total;
  EXPECT_NE(with_arg, edited);
  inputs_.ignore.push_back("app/lib");
  EXPECT_NE(Compute(digester).total, with_arg);
}

TEST_F(InputDigestTest, UnchangedFilesComeFromTheFastPathCache) {
  const fs::path cache = dir_ / ".fops/images/app.cache";
  InputDigester digester(cache);
  digester.set_racy_window(absl::ZeroDuration());
  digester.ExcludeDirectory(dir_ / "nonexistent");  // harmless
  InputDigest cold = Compute(digester);
  EXPECT_EQ(cold.files_hashed, 4u);
  ASSERT_TRUE(fs::exists(cache));
  // A fresh digester (a new fops process) reads the cache from the state dir.
  InputDigester again(cache);
  again.set_racy_window(absl::ZeroDuration());
  InputDigest warm = Compute(again);
  EXPECT_EQ(warm.files_hashed, 0u);
  EXPECT_EQ(warm.total, cold.total);
  EXPECT_EQ(warm.files, cold.files);
  WriteTestFile(dir_ / "app/main.py", "print('changed')\n");
  InputDigest changed = Compute(again);
  EXPECT_EQ(changed.files_hashed, 1u);
  EXPECT_NE(changed.total, cold.total);
}

TEST_F(InputDigestTest, RecentlyWrittenFilesAreHashedAgain) {
  const fs::path cache = dir_ / "cache.bin";
  InputDigester digester(cache);  // default window: 2 s; every file is newer
  Compute(digester);
  EXPECT_EQ(Compute(digester).files_hashed, 4u);
}

TEST_F(InputDigestTest, ADamagedCacheOnlyCostsARehash) {
  const fs::path cache = dir_ / "cache.bin";
  WriteTestFile(cache, "FOPSDGC1garbage");
  InputDigester digester(cache);
  digester.set_racy_window(absl::ZeroDuration());
  EXPECT_EQ(Compute(digester).files_hashed, 4u);
  EXPECT_EQ(Compute(digester).files_hashed, 0u);
}

TEST_F(InputDigestTest, TheStateDirectoryIsNeverAnInput) {
  inputs_.paths = {"."};
  inputs_.ignore = {};
  InputDigester digester(dir_ / ".fops/images/x.cache");
  digester.ExcludeDirectory(dir_ / ".fops");
  fs::create_directories(dir_ / ".fops");
  InputDigest first = Compute(digester);
  for (const auto& [path, hash] : first.files) EXPECT_EQ(path.find(".fops"), std::string::npos);
  WriteTestFile(dir_ / ".fops/mode", "staging");
  EXPECT_EQ(Compute(digester).total, first.total);
}

TEST_F(InputDigestTest, SymlinksAreTheirTargetText) {
  fs::create_symlink("main.py", dir_ / "app/link.py");
  InputDigester digester;
  InputDigest d = Compute(digester);
  auto it = std::find_if(d.files.begin(), d.files.end(),
                         [](const auto& f) { return f.first == "app/link.py"; });
  ASSERT_NE(it, d.files.end());
  EXPECT_EQ(it->second, Xxh128Hex("main.py"));
}

TEST_F(InputDigestTest, MissingInputsAndBadPatternsAreErrors) {
  InputDigester digester;
  inputs_.paths.push_back("docker/missing.Dockerfile");
  EXPECT_THAT(digester.Compute(dir_, inputs_),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("input 'docker/missing.Dockerfile' does not exist")));
  inputs_.paths.pop_back();
  inputs_.ignore = {"app/[x"};
  EXPECT_THAT(digester.Compute(dir_, inputs_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no closing ']'")));
}

TEST(Xxh128HexTest, IsTheCanonicalXxh3Digest) {
  // XXH3_128bits("") from the xxHash reference.
  EXPECT_EQ(Xxh128Hex(""), "99aa06d3014798d86001c324468d497f");
}

}  // namespace
}  // namespace fops
