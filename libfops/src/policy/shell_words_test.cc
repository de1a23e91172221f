#include "fops/policy/shell_words.h"

#include <string>
#include <vector>

#include "fops/base/shell_quote.h"
#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Texts = std::vector<std::vector<std::string>>;

Texts Split(std::string_view script) {
  absl::StatusOr<std::vector<ShellCommand>> commands = SplitShell(script);
  EXPECT_THAT(commands, IsOk()) << script;
  Texts texts;
  if (!commands.ok()) return texts;
  for (const ShellCommand& command : *commands) texts.push_back(command.texts());
  return texts;
}

using V = std::vector<std::string>;

TEST(ShellWordsTest, SplitsOnEveryListOperator) {
  EXPECT_EQ(Split("a 1; b | c || d & e && f |& g\nh"),
            (Texts{V{"a", "1"}, V{"b"}, V{"c"}, V{"d"}, V{"e"}, V{"f"}, V{"g"}, V{"h"}}));
}

TEST(ShellWordsTest, RemovesQuotesAndEscapes) {
  EXPECT_EQ(Split(R"(k"ube"'ctl' \s\et "im"age 'a b' "c\"d" e\ f)"),
            (Texts{V{"kubectl", "set", "image", "a b", "c\"d", "e f"}}));
  EXPECT_EQ(Split("$'kube\\x63tl' $'a\\tb\\'c' $'\\101'"), (Texts{V{"kubectl", "a\tb'c", "A"}}));
  EXPECT_EQ(Split("kubectl \\\n  set image"), (Texts{V{"kubectl", "set", "image"}}));
}

TEST(ShellWordsTest, KeepsAssignmentsAndMarksExpansions) {
  absl::StatusOr<std::vector<ShellCommand>> commands =
      SplitShell("K=1 $KUBE \"${K}\" x$y '$z' *.yaml {kube,}ctl");
  ASSERT_THAT(commands, IsOk());
  ASSERT_EQ(commands->size(), 1u);
  const std::vector<ShellWord>& w = (*commands)[0].words;
  ASSERT_EQ(w.size(), 7u);
  EXPECT_TRUE(w[0].literal);
  EXPECT_TRUE(IsShellAssignment(w[0].text));
  EXPECT_EQ(w[1], (ShellWord{.text = "$KUBE", .literal = false, .quoted = false, .variable = "KUBE"}));
  EXPECT_EQ(w[2], (ShellWord{.text = "${K}", .literal = false, .quoted = true, .variable = "K"}));
  EXPECT_FALSE(w[3].literal);
  EXPECT_EQ(w[3].variable, "");
  EXPECT_TRUE(w[4].literal);  // single quotes: no expansion
  EXPECT_EQ(w[4].text, "$z");
  EXPECT_FALSE(w[5].literal);  // a glob
  EXPECT_FALSE(w[6].literal);  // brace expansion
}

TEST(ShellWordsTest, ReadsSubstitutionsAsCommandsOfTheirOwn) {
  EXPECT_EQ(Split("echo $(kubectl delete pod x) done"),
            (Texts{V{"kubectl", "delete", "pod", "x"}, V{"echo", "$(kubectl delete pod x)", "done"}}));
  EXPECT_EQ(Split("echo \"v=$(helm upgrade a b)\""),
            (Texts{V{"helm", "upgrade", "a", "b"}, V{"echo", "v=$(helm upgrade a b)"}}));
  EXPECT_EQ(Split("echo `argocd app sync \\`cat name\\``"),
            (Texts{V{"cat", "name"}, V{"argocd", "app", "sync", "`cat name`"},
                   V{"echo", "`argocd app sync \\`cat name\\``"}}));
  EXPECT_EQ(Split("diff <(kubectl get a) >(tee b)"),
            (Texts{V{"kubectl", "get", "a"}, V{"tee", "b"}, V{"diff", "<(kubectl get a)", ">(tee b)"}}));
  EXPECT_EQ(Split("echo ${X:-$(kubectl scale d)}"),
            (Texts{V{"kubectl", "scale", "d"}, V{"echo", "${X:-$(kubectl scale d)}"}}));
  EXPECT_EQ(Split("echo $((1 + $(kubectl delete x)))"),
            (Texts{V{"kubectl", "delete", "x"}, V{"1", "+", "$(kubectl delete x)"},
                   V{"echo", "$((1 + $(kubectl delete x)))"}}));
}

TEST(ShellWordsTest, SubshellsGroupsAndReservedWords) {
  EXPECT_EQ(Split("(kubectl apply -f x); { helm upgrade a b; }"),
            (Texts{V{"kubectl", "apply", "-f", "x"}, V{"helm", "upgrade", "a", "b"}}));
  EXPECT_EQ(Split("if true; then kubectl scale d; elif x; then :; else ! time -p y; fi"),
            (Texts{V{"true"}, V{"kubectl", "scale", "d"}, V{"x"}, V{":"}, V{"y"}}));
  EXPECT_EQ(Split("for n in a b; do kubectl delete ns $n; done"),
            (Texts{V{"kubectl", "delete", "ns", "$n"}}));
  EXPECT_EQ(Split("while read x; do echo $x; done < file"), (Texts{V{"read", "x"}, V{"echo", "$x"}}));
  EXPECT_EQ(Split("[[ -n $x && ( a < b ) ]] && kubectl get pods"), (Texts{V{"kubectl", "get", "pods"}}));
  // Arithmetic is read leniently as commands too, so $((…)) and ((…))
  // cannot hide one; its words are harmless names.
  EXPECT_EQ(Split("(( i++ )); for ((i=0; i<3; i++)); do x; done"),
            (Texts{V{"i++"}, V{"i=0"}, V{"i"}, V{"i++"}, V{"x"}}));
  EXPECT_EQ(Split("f() { kubectl set image a b=c; }; function g { h; }; f"),
            (Texts{V{"kubectl", "set", "image", "a", "b=c"}, V{"h"}, V{"f"}}));
  EXPECT_EQ(Split("arr=(a $(kubectl delete x) c); echo \"${arr[@]}\""),
            (Texts{V{"kubectl", "delete", "x"}, V{"arr="}, V{"echo", "${arr[@]}"}}));
}

TEST(ShellWordsTest, CaseArmsAreCommandsAndPatternsAreNot) {
  EXPECT_EQ(Split("case $x in a|b) kubectl delete x;; (*) echo other;; esac; done_cmd"),
            (Texts{V{"kubectl", "delete", "x"}, V{"echo", "other"}, V{"done_cmd"}}));
  EXPECT_EQ(Split("echo $(case x in y) helm uninstall z;; esac)"),
            (Texts{V{"helm", "uninstall", "z"}, V{"echo", "$(case x in y) helm uninstall z;; esac)"}}));
}

TEST(ShellWordsTest, RedirectionsAndCommentsAreNotWords) {
  EXPECT_EQ(Split("kubectl get pods 2>&1 >/dev/null <in &>>log # && kubectl delete x"),
            (Texts{V{"kubectl", "get", "pods"}}));
  EXPECT_EQ(Split("echo a#b"), (Texts{V{"echo", "a#b"}}));
}

TEST(ShellWordsTest, HereDocumentsFeedTheirCommand) {
  absl::StatusOr<std::vector<ShellCommand>> commands = SplitShell(
      "sh <<EOF\nkubectl delete x\n$(helm uninstall y)\nEOF\ncat <<-'END' >out\n\t$(not run)\n\tEND\n"
      "bash <<< 'argocd app sync api'");
  ASSERT_THAT(commands, IsOk());
  ASSERT_EQ(commands->size(), 4u);
  EXPECT_THAT((*commands)[0].texts(), ElementsAre("sh"));
  EXPECT_EQ((*commands)[0].heredoc, "kubectl delete x\n$(helm uninstall y)\n");
  EXPECT_THAT((*commands)[1].texts(), ElementsAre("helm", "uninstall", "y"));
  EXPECT_THAT((*commands)[2].texts(), ElementsAre("cat"));
  EXPECT_EQ((*commands)[2].heredoc, "$(not run)\n");
  EXPECT_THAT((*commands)[3].texts(), ElementsAre("bash"));
  EXPECT_EQ((*commands)[3].heredoc, "argocd app sync api\n");
}

TEST(ShellWordsTest, IncompleteTextIsAnErrorNamingWhere) {
  EXPECT_THAT(SplitShell("echo 'x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unterminated single quote at byte 5")));
  EXPECT_THAT(SplitShell("echo \"x"), StatusIs(absl::StatusCode::kInvalidArgument,
                                               HasSubstr("unterminated double quote at byte 5")));
  EXPECT_THAT(SplitShell("echo $(x"), StatusIs(absl::StatusCode::kInvalidArgument,
                                               HasSubstr("unterminated '(' opened at byte 7")));
  EXPECT_THAT(SplitShell("echo `x"), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("unterminated backtick")));
  EXPECT_THAT(SplitShell("echo )"), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("unmatched ')' at byte 5")));
  EXPECT_THAT(SplitShell("echo ${x"), StatusIs(absl::StatusCode::kInvalidArgument,
                                               HasSubstr("unterminated '${'")));
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "$(";
  deep += "x";
  for (int i = 0; i < 70; ++i) deep += ")";
  EXPECT_THAT(SplitShell(deep), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("nesting deeper than 64")));
}

TEST(ShellWordsTest, AssignmentsAreRecognised) {
  EXPECT_TRUE(IsShellAssignment("A=1"));
  EXPECT_TRUE(IsShellAssignment("_a1+=x"));
  EXPECT_FALSE(IsShellAssignment("=1"));
  EXPECT_FALSE(IsShellAssignment("1A=1"));
  EXPECT_FALSE(IsShellAssignment("--set=a"));
  EXPECT_FALSE(IsShellAssignment("kubectl"));
}

// Where each command's text is: `fops guard --script` names the line a
// refused command starts on and shows its text.
TEST(ShellWordsTest, CommandsKnowWhereTheirTextIs) {
  const std::string script =
      "make build\n"
      "if true; then\n"
      "  kubectl \\\n    set image d a=b >log 2>&1\n"
      "fi; echo $(helm list) `argocd app list`\n"
      "cat <<EOF\n"
      "x $(helm list -A)\n"
      "EOF\n";
  absl::StatusOr<std::vector<ShellCommand>> commands = SplitShell(script);
  ASSERT_THAT(commands, IsOk());
  std::vector<std::string> spans;
  for (const ShellCommand& c : *commands) spans.push_back(script.substr(c.begin, c.end - c.begin));
  EXPECT_THAT(spans, ElementsAre("make build", "true", "kubectl \\\n    set image d a=b >log 2>&1",
                                 "helm list", "`argocd app list`",
                                 "echo $(helm list) `argocd app list`", "cat <<EOF",
                                 "helm list -A"));
}

TEST(ShellWordsTest, ErrorOffsetIsWhereReadingStopped) {
  size_t offset = 0;
  EXPECT_THAT(SplitShell("echo ok\necho 'oops\n", &offset),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unterminated single quote")));
  EXPECT_EQ(offset, 13u);
}

// What `fops plan` prints (ShellJoin) is read back by a shell as the same
// argv, word for word (fuzz/shell_words_fuzzer.cc checks this for any argv).
TEST(ShellWordsTest, ShellJoinTextReadsBackAsTheArgv) {
  for (const std::vector<std::string>& argv :
       std::vector<std::vector<std::string>>{{"A=b", "make"},
                                             {"time", "-p", "x"},
                                             {"if", "then"},
                                             {"echo", "it's", "", "a b", "$HOME", "*.log"}}) {
    absl::StatusOr<std::vector<ShellCommand>> commands = SplitShell(ShellJoin(argv));
    ASSERT_THAT(commands, IsOk());
    ASSERT_EQ(commands->size(), 1u) << ShellJoin(argv);
    EXPECT_EQ(commands->front().texts(), argv) << ShellJoin(argv);
    EXPECT_TRUE(commands->front().words.front().quoted ||
                !IsShellAssignment(commands->front().words.front().text));
  }
}

}  // namespace
}  // namespace fops
