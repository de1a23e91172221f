// The guard corpus (tests/data/guard_corpus.txt): every refused and allowed
// command, including the disguises of docs/guard.md, checked through the
// guard exactly as the engine checks a resource's command.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fops/base/status_matchers.h"
#include "fops/policy/guard.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace fops {
namespace {

struct Case {
  int line = 0;
  Mode mode = Mode::kDevelopment;
  bool refuse = false;
  std::string rule;
  std::vector<std::string> argv;
  std::string text;
};

std::vector<Case> LoadCorpus() {
  std::ifstream in(std::string(FOPS_SOURCE_DIR) + "/tests/data/guard_corpus.txt");
  std::vector<Case> cases;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string mode, verdict, rule;
    fields >> mode >> verdict >> rule;
    std::string command;
    std::getline(fields, command);
    command.erase(0, command.find_first_not_of(' '));
    Case c{.line = number, .mode = ParseMode(mode).value(), .refuse = verdict == "refuse",
           .rule = rule == "-" ? "" : rule, .text = command};
    nlohmann::json json = nlohmann::json::parse(command, nullptr, /*allow_exceptions=*/false);
    if (json.is_array()) {
      c.argv = json.get<std::vector<std::string>>();
    } else if (json.is_string()) {
      c.argv = {"sh", "-c", json.get<std::string>()};
    } else {
      c.argv = {"sh", "-c", command};
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

TEST(GuardCorpusTest, EveryCommandGetsItsVerdictAndRule) {
  std::vector<Case> cases = LoadCorpus();
  ASSERT_GE(cases.size(), 150u) << "corpus not found or truncated";
  std::set<std::string> rules_seen;
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "guard_corpus.txt:" << c.line << ": " << c.text);
    GuardConfig config{.mode = c.mode,
                       .allowed_contexts = {"fops-local"},
                       .current_context = "fops-local"};
    if (c.mode == Mode::kStaging) {
      config.staging_targets = {{.release = "fractalops-api", .namespace_name = "fractalops"}};
    }
    Guard guard(config);
    absl::Status status = guard.CheckArgv(c.argv);
    if (c.refuse) {
      EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
      EXPECT_EQ(GuardRuleOf(status), c.rule) << status;
      rules_seen.insert(c.rule);
    } else {
      EXPECT_TRUE(status.ok()) << status;
    }
  }
  // Every rule of the table is exercised by the corpus.
  for (const GuardRule& rule : GuardRules()) {
    EXPECT_TRUE(rules_seen.count(std::string(rule.id))) << "no corpus line for rule " << rule.id;
  }
}

}  // namespace
}  // namespace fops
