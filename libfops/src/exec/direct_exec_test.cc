#include "fops/exec/direct_exec.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

TEST(DirectArgvTest, PlainWordsRunWithoutAShell) {
  EXPECT_THAT(DirectArgv("make -j2 app"), Optional(ElementsAre("make", "-j2", "app")));
  EXPECT_THAT(DirectArgv("  ./bin/api  --port 8080 "),
              Optional(ElementsAre("./bin/api", "--port", "8080")));
  EXPECT_THAT(DirectArgv("make CC=gcc"), Optional(ElementsAre("make", "CC=gcc")));
  EXPECT_THAT(DirectArgv("python3 -m http.server 8000 --bind 127.0.0.1"),
              Optional(ElementsAre("python3", "-m", "http.server", "8000", "--bind", "127.0.0.1")));
  EXPECT_THAT(DirectArgv("true"), Optional(ElementsAre("true")));
  EXPECT_THAT(DirectArgv("false"), Optional(ElementsAre("false")));
}

TEST(DirectArgvTest, ShellSyntaxKeepsTheShell) {
  for (const char* script :
       {"", "   ", "a | b", "a && b", "a; b", "a > out", "a < in", "a &", "(a)", "echo $HOME",
        "echo `date`", "echo 'x'", "echo \"x\"", "a\\ b", "ls *.c", "ls ?.c", "ls [ab].c",
        "cat ~/x", "a # comment", "a\tb", "a\nb", "echo {a,b}", "! a", "a 2>&1"}) {
    EXPECT_EQ(DirectArgv(script), std::nullopt) << script;
  }
}

TEST(DirectArgvTest, AssignmentsBuiltinsAndReservedWordsKeepTheShell) {
  for (const char* script : {"CC=gcc make", "cd src", "export A", "exit 1", "exec make",
                             "echo hi", "printf x", "test -f x", "[ -f x ]", "kill 1", "pwd",
                             "if", "for", "while", "time make", ". ./env", ": nothing",
                             "true --help", "false 1", "set -e", "ulimit -n", "wait"}) {
    EXPECT_EQ(DirectArgv(script), std::nullopt) << script;
  }
}

// What a shell does with the script, run for real: the argv DirectArgv
// returns is the argv the shell executes.
TEST(DirectArgvTest, AgreesWithTheShellOnArgv) {
  for (const char* script : {"printenv-args a,b c:d e@f g+h i%j k=l ./m -n --o=p"}) {
    std::optional<std::vector<std::string>> argv = DirectArgv(script);
    ASSERT_TRUE(argv.has_value());
    std::string echo = std::string("for w in ") + script + "; do printf '%s\\n' \"$w\"; done";
    FILE* pipe = ::popen(echo.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::vector<std::string> words;
    char line[256];
    while (std::fgets(line, sizeof line, pipe) != nullptr) {
      std::string w(line);
      if (!w.empty() && w.back() == '\n') w.pop_back();
      words.push_back(w);
    }
    ::pclose(pipe);
    EXPECT_EQ(words, *argv);
  }
}

TEST(ShellSignalMessageTest, MatchesWhatTheShellPrints) {
  EXPECT_EQ(ShellSignalMessage(SIGSEGV, false), "Segmentation fault");
  EXPECT_EQ(ShellSignalMessage(SIGKILL, false), "Killed");
  EXPECT_EQ(ShellSignalMessage(SIGABRT, true), "Aborted (core dumped)");
  EXPECT_EQ(ShellSignalMessage(SIGINT, false), "");
  EXPECT_EQ(ShellSignalMessage(SIGPIPE, false), "");
}

}  // namespace
}  // namespace fops
