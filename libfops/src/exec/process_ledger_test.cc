#include "fops/exec/process_ledger.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "fops/base/proc_stat.h"
#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::fops::testing::TempDir;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

RecordedGroup Group(pid_t pgid, std::string resource) {
  return RecordedGroup{.id = static_cast<uint64_t>(pgid),
                       .pgid = pgid,
                       .resource = std::move(resource),
                       .command = "./app --port 8080",
                       .started_ticks = 100,
                       .processes = {RecordedProcess{.pid = pgid, .start_ticks = 100}}};
}

std::vector<std::string> Entries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  if (!std::filesystem::exists(dir)) return names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

class ProcessLedgerTest : public ::testing::Test {
 protected:
  TempDir temp_{"fops-ledger"};
  const std::filesystem::path state_ = temp_.path() / "state";
};

TEST_F(ProcessLedgerTest, WritesNothingBeforeTheFirstGroup) {
  {
    ProcessLedger ledger(state_, {.owner = "fops ci"});
    EXPECT_FALSE(std::filesystem::exists(ledger.path()));
  }
  EXPECT_FALSE(std::filesystem::exists(state_));
}

TEST_F(ProcessLedgerTest, RecordsWhoWritesAndWhatRuns) {
  ProcessLedger ledger(state_, {.owner = "fops up", .tag = "77-1-5", .started_ticks = 42});
  ASSERT_THAT(ledger.Add(Group(1234, "api")), IsOk());
  ASSERT_THAT(ledger.Add(Group(1300, "web")), IsOk());
  EXPECT_EQ(ledger.path().parent_path(), ProcessLedger::Directory(state_));

  absl::StatusOr<LedgerRecord> read = ProcessLedger::Read(ledger.path());
  ASSERT_THAT(read, IsOk());
  // The writer is named by its pid and its start time.
  EXPECT_EQ(read->owner.pid, ::getpid());
  EXPECT_EQ(read->owner.start_ticks, ReadProcStat(::getpid())->start_ticks);
  EXPECT_EQ(read->owner_command, "fops up");
  EXPECT_EQ(read->tag, "77-1-5");
  EXPECT_EQ(read->started_ticks, 42u);
  ASSERT_THAT(read->groups, SizeIs(2));
  EXPECT_EQ(read->groups[0].pgid, 1234);
  EXPECT_EQ(read->groups[0].resource, "api");
  EXPECT_EQ(read->groups[0].command, "./app --port 8080");
  EXPECT_THAT(read->groups[0].processes, ElementsAre(RecordedProcess{1234, 100}));

  // A leader named by the window it was spawned in.
  RecordedGroup spawned = Group(1400, "worker");
  spawned.processes = {RecordedProcess{.pid = 1400, .start_ticks = 200, .start_ticks_max = 202}};
  ASSERT_THAT(ledger.Add(spawned), IsOk());
  read = ProcessLedger::Read(ledger.path());
  ASSERT_THAT(read, IsOk());
  ASSERT_THAT(read->groups, SizeIs(3));
  const RecordedProcess& window = read->groups[2].processes.at(0);
  EXPECT_EQ(window, spawned.processes[0]);
  EXPECT_TRUE(window.StartedAt(201));
  EXPECT_FALSE(window.StartedAt(199));
  EXPECT_FALSE(window.StartedAt(203));
  EXPECT_FALSE(read->groups[0].processes[0].StartedAt(101));
  ASSERT_THAT(ledger.Remove(1400), IsOk());

  // A group whose leader exited is named by the members left in it.
  ASSERT_THAT(ledger.Update(1234, {{1240, 101}, {1250, 102}}), IsOk());
  ASSERT_THAT(ledger.Remove(1300), IsOk());
  read = ProcessLedger::Read(ledger.path());
  ASSERT_THAT(read, IsOk());
  ASSERT_THAT(read->groups, SizeIs(1));
  EXPECT_THAT(read->groups[0].processes,
              ElementsAre(RecordedProcess{1240, 101}, RecordedProcess{1250, 102}));
}

TEST_F(ProcessLedgerTest, AGroupKeepsABoundedNumberOfMembers) {
  ProcessLedger ledger(state_, {.owner = "fops up"});
  ASSERT_THAT(ledger.Add(Group(1234, "api")), IsOk());
  std::vector<RecordedProcess> many;
  for (int i = 0; i < 100; ++i) many.push_back({2000 + i, 200});
  ASSERT_THAT(ledger.Update(1234, many), IsOk());
  absl::StatusOr<LedgerRecord> read = ProcessLedger::Read(ledger.path());
  ASSERT_THAT(read, IsOk());
  EXPECT_THAT(read->groups[0].processes, SizeIs(kMaxRecordedMembers));
}

TEST_F(ProcessLedgerTest, ACleanEndRemovesTheRecordAndItsDirectory) {
  std::filesystem::path file;
  {
    ProcessLedger ledger(state_, {.owner = "fops up"});
    ASSERT_THAT(ledger.Add(Group(1234, "api")), IsOk());
    ASSERT_THAT(ledger.Remove(1234), IsOk());
    // Still there while the executor lives, with no group in it.
    file = ledger.path();
    EXPECT_TRUE(std::filesystem::exists(file));
  }
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_FALSE(std::filesystem::exists(ProcessLedger::Directory(state_)));
  EXPECT_TRUE(std::filesystem::exists(state_));
}

TEST_F(ProcessLedgerTest, TwoLedgersOfOneProcessUseTwoFiles) {
  ProcessLedger first(state_, {.owner = "fops up"});
  std::filesystem::path second_path;
  {
    ProcessLedger second(state_, {.owner = "fops up"});
    ASSERT_THAT(first.Add(Group(1, "a")), IsOk());
    ASSERT_THAT(second.Add(Group(2, "b")), IsOk());
    EXPECT_NE(first.path(), second.path());
    second_path = second.path();
  }
  // The directory stays while another record is in it.
  EXPECT_FALSE(std::filesystem::exists(second_path));
  EXPECT_TRUE(std::filesystem::exists(first.path()));
}

TEST_F(ProcessLedgerTest, ReadersNeverSeeATornRecord) {
  ProcessLedger ledger(state_, {.owner = "fops up"});
  ASSERT_THAT(ledger.Add(Group(1, "first")), IsOk());
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> bad{0};
  std::string last_error;
  std::thread reader([&] {
    while (!done.load()) {
      absl::StatusOr<LedgerRecord> read = ProcessLedger::Read(ledger.path());
      if (!read.ok()) {
        ++bad;
        last_error = read.status().ToString();
      }
      ++reads;
    }
  });
  for (int i = 0; i < 300 || reads.load() < 50; ++i) {
    ASSERT_THAT(ledger.Add(Group(1000 + i, std::string(static_cast<size_t>(i % 50), 'x'))), IsOk());
    ASSERT_THAT(ledger.Remove(1000 + i), IsOk());
  }
  done = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0) << last_error;
  // Written by rename: no temporary is left beside it.
  EXPECT_THAT(Entries(ProcessLedger::Directory(state_)),
              ElementsAre(ledger.path().filename().string()));
}

TEST_F(ProcessLedgerTest, AnUnwritableStateDirRecordsNothingAndSaysWhere) {
  std::filesystem::create_directories(temp_.path());
  std::ofstream(temp_.path() / "file") << "not a directory\n";
  ProcessLedger ledger(temp_.path() / "file", {.owner = "fops up"});
  EXPECT_THAT(ledger.Add(Group(1234, "api")),
              StatusIs(absl::StatusCode::kInternal,
                       AllOf(HasSubstr(absl::StrCat("recording the processes fops runs: opening '",
                                                    (temp_.path() / "file").string())),
                             HasSubstr("not a directory"))));
  EXPECT_THAT(ledger.groups(), IsEmpty());
}

TEST_F(ProcessLedgerTest, ARecordThatIsNotOneIsDataLossNamingTheFileAndLine) {
  std::filesystem::path file = ProcessLedger::Directory(state_) / "1-2-3.jsonl";
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << "{\"version\": 1, \"owner\": {\"pid\": \"x\"}}\n";
  EXPECT_THAT(ProcessLedger::Read(file),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(absl::StrCat(file.string(), ":1: not a record of fops processes"))));
  std::ofstream(file) << "{\"version\": 1, \"owner\": {\"pid\": 5, \"start_ticks\": 9}}\n"
                         "{\"add\": {\"pgid\": 7}}\n";
  EXPECT_THAT(ProcessLedger::Read(file),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(absl::StrCat(file.string(), ":2: not a record of fops processes"))));
  std::ofstream(file) << "[]\n";
  EXPECT_THAT(ProcessLedger::Read(file),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("not a JSON object")));
  EXPECT_THAT(ProcessLedger::Read(state_ / "missing.jsonl"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing.jsonl")));
}

TEST_F(ProcessLedgerTest, ALineCutShortIsIgnored) {
  ProcessLedger ledger(state_, {.owner = "fops up"});
  ASSERT_THAT(ledger.Add(Group(1234, "api")), IsOk());
  // What a writer stopped in the middle of a line would leave.
  std::ofstream(ledger.path(), std::ios::app) << "{\"add\": {\"pgid\": 99, \"resou";
  absl::StatusOr<LedgerRecord> read = ProcessLedger::Read(ledger.path());
  ASSERT_THAT(read, IsOk());
  ASSERT_THAT(read->groups, SizeIs(1));
  EXPECT_EQ(read->groups[0].pgid, 1234);
}

TEST_F(ProcessLedgerTest, TheJournalStaysBoundedByWhatRuns) {
  ProcessLedger ledger(state_, {.owner = "fops up"});
  ASSERT_THAT(ledger.Add(Group(1, "server")), IsOk());  // runs throughout
  // A long session: thousands of commands start and end.
  for (int i = 0; i < 5000; ++i) {
    ASSERT_THAT(ledger.Add(Group(1000 + i, "build")), IsOk());
    ASSERT_THAT(ledger.Remove(1000 + i), IsOk());
    ASSERT_LE(ledger.lines(), kCompactAfterLines);
  }
  EXPECT_LT(std::filesystem::file_size(ledger.path()), kCompactAfterLines * 256u);
  absl::StatusOr<LedgerRecord> read = ProcessLedger::Read(ledger.path());
  ASSERT_THAT(read, IsOk());
  ASSERT_THAT(read->groups, SizeIs(1));
  EXPECT_EQ(read->groups[0].resource, "server");
  EXPECT_EQ(read->owner.pid, ::getpid());
}

TEST(ProcessLedgerShowCommandTest, ShowsWhatRunsWithoutSecretsInBoundedSpace) {
  Redactor redactor;
  redactor.AddSecret("hunter2-secret");
  EXPECT_EQ(ProcessLedger::ShowCommand({"sh", "-c", "./app --port 8080"}, redactor),
            "./app --port 8080");
  EXPECT_EQ(ProcessLedger::ShowCommand({"python3", "-m", "http.server", "my dir"}, redactor),
            "python3 -m http.server 'my dir'");
  EXPECT_EQ(ProcessLedger::ShowCommand({"sh", "-c", "deploy --token hunter2-secret\nnext"}, redactor),
            "deploy --token [REDACTED] next");
  std::string shown = ProcessLedger::ShowCommand({"sh", "-c", std::string(500, 'a')}, redactor);
  EXPECT_EQ(shown, std::string(117, 'a') + "...");
}

}  // namespace
}  // namespace fops
