#include "fops/telemetry/run_facts.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

TEST(RunFactsTest, RunnerIsCiWhenCiIsSet) {
  EXPECT_EQ(RunFacts::Detect("/nonexistent", MapEnv({{"CI", "true"}})).runner, "ci");
  EXPECT_EQ(RunFacts::Detect("/nonexistent", MapEnv({})).runner, "local");
  EXPECT_EQ(RunFacts::Detect("/nonexistent", MapEnv({{"CI", "false"}})).runner, "local");
  EXPECT_FALSE(RunFacts::Detect("/nonexistent", MapEnv({})).host.empty());
}

TEST(RunFactsTest, GitRevisionIsHeadOfTheWorkTreeOrEmpty) {
  EXPECT_EQ(GitRevision("/nonexistent/dir"), "");
  const std::filesystem::path repo =
      std::filesystem::path(::testing::TempDir()) / "fops_git_revision_test";
  std::filesystem::remove_all(repo);
  std::filesystem::create_directories(repo / "sub");
  EXPECT_EQ(GitRevision(repo), "");  // not a repository yet
  const std::string q = "'" + repo.string() + "'";
  ASSERT_EQ(std::system(("git init -q " + q + " && git -C " + q +
                         " -c user.name=t -c user.email=t@t commit -q --allow-empty -m x && "
                         "git -C " + q + " rev-parse HEAD > " + q + "/head.txt")
                            .c_str()),
            0);
  std::ifstream in(repo / "head.txt");
  std::string head;
  in >> head;
  EXPECT_EQ(head.size(), 40u);
  EXPECT_EQ(GitRevision(repo / "sub"), head);
  std::filesystem::remove_all(repo);
}

}  // namespace
}  // namespace fops
