#include "fops/telemetry/run_facts.h"

#include <cstdio>
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

// GitRevision reads HEAD from the files for speed; whatever the layout, it
// must say what `git rev-parse HEAD` says.
TEST(RunFactsTest, GitRevisionAgreesWithGitForPackedDetachedAndWorktreeHeads) {
  const std::filesystem::path repo =
      std::filesystem::path(::testing::TempDir()) / "fops_git_layouts_test";
  std::filesystem::remove_all(repo);
  std::filesystem::create_directories(repo);
  const std::string q = "'" + repo.string() + "'";
  auto git = [&](const std::string& args) {
    return std::system(("git -C " + q + " -c user.name=t -c user.email=t@t " + args +
                        " >/dev/null 2>&1").c_str());
  };
  auto git_head = [&](const std::filesystem::path& dir) {
    std::string command = "git -C '" + dir.string() + "' rev-parse HEAD 2>/dev/null";
    FILE* pipe = ::popen(command.c_str(), "r");
    char buffer[80] = {};
    std::string out = std::fgets(buffer, sizeof(buffer), pipe) ? buffer : "";
    ::pclose(pipe);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  };
  ASSERT_EQ(std::system(("git init -q " + q).c_str()), 0);
  EXPECT_EQ(GitRevision(repo), "");  // an unborn branch has no revision
  ASSERT_EQ(git("commit -q --allow-empty -m one"), 0);
  ASSERT_EQ(git("commit -q --allow-empty -m two"), 0);
  EXPECT_EQ(GitRevision(repo), git_head(repo)) << "loose ref";
  ASSERT_EQ(git("pack-refs --all --prune"), 0);
  ASSERT_FALSE(std::filesystem::exists(repo / ".git/refs/heads/master") ||
               std::filesystem::exists(repo / ".git/refs/heads/main"));
  EXPECT_EQ(GitRevision(repo), git_head(repo)) << "packed ref";
  ASSERT_EQ(git("checkout -q --detach HEAD~1"), 0);
  EXPECT_EQ(GitRevision(repo), git_head(repo)) << "detached HEAD";
  ASSERT_EQ(git("worktree add -q " + (repo / "wt").string() + " HEAD"), 0);
  EXPECT_EQ(GitRevision(repo / "wt"), git_head(repo / "wt")) << "worktree";
  EXPECT_EQ(GitRevision(repo / "wt").size(), 40u);
  std::filesystem::remove_all(repo);
}

}  // namespace
}  // namespace fops
