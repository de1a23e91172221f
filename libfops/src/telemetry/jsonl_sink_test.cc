#include "fops/telemetry/jsonl_sink.h"

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "fops/base/atomic_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "support/temp_dir.h"

namespace fops {
namespace {

using ::fops::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// `count` events of resource `prefix`-0, `prefix`-1, …
std::vector<BuildEvent> Batch(const std::string& prefix, int count) {
  std::vector<BuildEvent> batch;
  for (int i = 0; i < count; ++i) {
    batch.push_back({.name = EventName::kResourceFinished,
                     .session_id = "s",
                     .resource = absl::StrCat(prefix, "-", i),
                     .status = "succeeded"});
  }
  return batch;
}

std::string Text(const std::filesystem::path& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  return text.ok() ? *text : "";
}

// The resource of each line; fails the test on a line that is not an event.
std::vector<std::string> Resources(const std::filesystem::path& path) {
  std::vector<std::string> out;
  std::string text = Text(path);
  if (!text.empty()) {
    EXPECT_EQ(text.back(), '\n') << path << " ends in a torn line";
  }
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    nlohmann::json event = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(event.is_object()) << path << ": not an event: " << line;
    if (event.is_object()) out.push_back(event.value("resource", ""));
  }
  return out;
}

bool Delivered(JsonlSink& sink, const std::vector<BuildEvent>& batch) {
  SinkAnswer answer = sink.Send(batch, absl::InfiniteFuture());
  EXPECT_EQ(answer.kind, SinkAnswer::Kind::kDelivered) << answer.message;
  return answer.kind == SinkAnswer::Kind::kDelivered;
}

TEST(JsonlSinkTest, AppendsOneLinePerEventAfterEarlierRuns) {
  TempDir dir("fops-jsonl");
  const std::filesystem::path path = dir.path() / ".fops" / "events.jsonl";
  JsonlSink first(path);
  ASSERT_TRUE(Delivered(first, Batch("a", 2)));
  JsonlSink second(path);
  ASSERT_TRUE(Delivered(second, Batch("b", 1)));
  EXPECT_THAT(Resources(path), ElementsAre("a-0", "a-1", "b-0"));
  EXPECT_FALSE(std::filesystem::exists(JsonlSink::RotatedPath(path, 1)));
}

TEST(JsonlSinkTest, ABatchThatWouldPassTheCapMovesTheWholeFileAsideFirst) {
  TempDir dir("fops-jsonl");
  const std::filesystem::path path = dir.path() / "events.jsonl";
  const size_t line = DumpJson(Batch("r", 1)[0].ToJson()).size() + 1;
  // Room for 10 lines: batches of 4 rotate before the third.
  JsonlSink sink(path, {.max_bytes = 10 * line, .keep = 2});
  ASSERT_TRUE(Delivered(sink, Batch("r1", 4)));
  ASSERT_TRUE(Delivered(sink, Batch("r2", 4)));
  const std::string before = Text(path);
  ASSERT_TRUE(Delivered(sink, Batch("r3", 4)));
  // The moved file is exactly what was there: nothing lost, nothing split.
  EXPECT_EQ(Text(JsonlSink::RotatedPath(path, 1)), before);
  EXPECT_THAT(Resources(path), ElementsAre("r3-0", "r3-1", "r3-2", "r3-3"));

  ASSERT_TRUE(Delivered(sink, Batch("r4", 4)));
  ASSERT_TRUE(Delivered(sink, Batch("r5", 4)));  // rotates: r3 r4 → .1, r1 r2 → .2
  ASSERT_TRUE(Delivered(sink, Batch("r6", 4)));
  ASSERT_TRUE(Delivered(sink, Batch("r7", 4)));  // rotates: r1 r2 are beyond `keep`
  EXPECT_THAT(Resources(JsonlSink::RotatedPath(path, 2)),
              ElementsAre("r3-0", "r3-1", "r3-2", "r3-3", "r4-0", "r4-1", "r4-2", "r4-3"));
  EXPECT_THAT(Resources(JsonlSink::RotatedPath(path, 1)),
              ElementsAre("r5-0", "r5-1", "r5-2", "r5-3", "r6-0", "r6-1", "r6-2", "r6-3"));
  EXPECT_THAT(Resources(path), ElementsAre("r7-0", "r7-1", "r7-2", "r7-3"));
  EXPECT_FALSE(std::filesystem::exists(JsonlSink::RotatedPath(path, 3)));
  for (int n = 1; n <= 2; ++n) {
    EXPECT_LE(std::filesystem::file_size(JsonlSink::RotatedPath(path, n)), 10 * line);
  }
}

TEST(JsonlSinkTest, ABatchLargerThanTheCapGoesWholeIntoAFileOfItsOwn) {
  TempDir dir("fops-jsonl");
  const std::filesystem::path path = dir.path() / "events.jsonl";
  const size_t line = DumpJson(Batch("r", 1)[0].ToJson()).size() + 1;
  JsonlSink sink(path, {.max_bytes = 3 * line, .keep = 1});
  ASSERT_TRUE(Delivered(sink, Batch("small", 1)));
  ASSERT_TRUE(Delivered(sink, Batch("big", 5)));
  EXPECT_THAT(Resources(JsonlSink::RotatedPath(path, 1)), ElementsAre("small-0"));
  EXPECT_EQ(Resources(path).size(), 5u);
}

TEST(JsonlSinkTest, ALineCutShortByAKilledWriterIsRemovedBeforeTheNextBatch) {
  TempDir dir("fops-jsonl");
  const std::filesystem::path path = dir.path() / "events.jsonl";
  JsonlSink sink(path);
  ASSERT_TRUE(Delivered(sink, Batch("whole", 2)));
  // What a writer killed in the middle of its write() leaves.
  std::ofstream(path, std::ios::app) << R"({"event":"resource.finished","resou)";
  ASSERT_TRUE(Delivered(sink, Batch("next", 1)));
  EXPECT_THAT(Resources(path), ElementsAre("whole-0", "whole-1", "next-0"));

  // Only a torn piece, no whole line before it.
  std::filesystem::remove(path);
  std::ofstream(path) << R"({"event":"sess)";
  ASSERT_TRUE(Delivered(sink, Batch("only", 1)));
  EXPECT_THAT(Resources(path), ElementsAre("only-0"));
}

// The kernel's file size limit makes write() stop part-way, as a full disk
// does (EFBIG instead of ENOSPC; the end-to-end disk-full test uses a real
// full file system).
TEST(JsonlSinkTest, AWriteThatStopsHalfWayIsCutBackAndRejected) {
  TempDir dir("fops-jsonl");
  const std::filesystem::path path = dir.path() / "events.jsonl";
  JsonlSink sink(path);
  ASSERT_TRUE(Delivered(sink, Batch("kept", 2)));
  const std::string before = Text(path);

  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit tight = saved;
  tight.rlim_cur = before.size() + 100;  // room for part of the next line only
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &tight), 0);
  SinkAnswer answer = sink.Send(Batch("cut", 20), absl::InfiniteFuture());
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_EQ(answer.kind, SinkAnswer::Kind::kRejected);
  EXPECT_THAT(answer.message, HasSubstr(absl::StrCat("writing ", path.string(), ": File too large")));
  EXPECT_EQ(Text(path), before);  // nothing half-written
  ASSERT_TRUE(Delivered(sink, Batch("after", 1)));
  EXPECT_THAT(Resources(path), ElementsAre("kept-0", "kept-1", "after-0"));
}

TEST(JsonlSinkTest, AnUnwritableDirectoryIsRejectedNamingThePath) {
  TempDir dir("fops-jsonl");
  std::ofstream(dir.path() / "state") << "a file, not a directory\n";
  const std::filesystem::path path = dir.path() / "state" / "events.jsonl";
  JsonlSink sink(path);
  SinkAnswer answer = sink.Send(Batch("x", 1), absl::InfiniteFuture());
  EXPECT_EQ(answer.kind, SinkAnswer::Kind::kRejected);
  EXPECT_THAT(answer.message, HasSubstr((dir.path() / "state").string()));
}

// Writers in several threads, each with its own sink (its own open file,
// as separate fops processes have), rotating often: every line written is
// in exactly one file, whole.
TEST(JsonlSinkTest, ConcurrentWritersNeverTearOrLoseALine) {
  TempDir dir("fops-jsonl");
  const std::filesystem::path path = dir.path() / "events.jsonl";
  const size_t line = DumpJson(Batch("w0-b00", 1)[0].ToJson()).size() + 1;
  constexpr int kWriters = 4;
  constexpr int kBatches = 25;
  constexpr int kPerBatch = 3;
  // Keep more files than rotations can fill, so nothing is dropped.
  const JsonlRotation rotation{.max_bytes = 20 * line, .keep = 100};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      JsonlSink sink(path, rotation);
      for (int b = 0; b < kBatches; ++b) {
        EXPECT_EQ(sink.Send(Batch(absl::StrCat("w", w, "-b", b), kPerBatch), absl::InfiniteFuture())
                      .kind,
                  SinkAnswer::Kind::kDelivered);
      }
    });
  }
  for (std::thread& t : writers) t.join();
  std::multiset<std::string> seen;
  std::vector<std::filesystem::path> files = {path};
  for (int n = 1; std::filesystem::exists(JsonlSink::RotatedPath(path, n)); ++n) {
    files.push_back(JsonlSink::RotatedPath(path, n));
  }
  EXPECT_GT(files.size(), 5u);  // it did rotate, many times
  for (const auto& file : files) {
    std::vector<std::string> resources = Resources(file);
    // A batch is never split across files.
    ASSERT_EQ(resources.size() % kPerBatch, 0u) << file;
    for (size_t i = 0; i < resources.size(); i += kPerBatch) {
      const std::string batch = resources[i].substr(0, resources[i].rfind('-'));
      for (int k = 0; k < kPerBatch; ++k) {
        EXPECT_EQ(resources[i + k], absl::StrCat(batch, "-", k)) << file;
      }
    }
    seen.insert(resources.begin(), resources.end());
  }
  EXPECT_EQ(seen.size(), size_t{kWriters * kBatches * kPerBatch});
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
}

}  // namespace
}  // namespace fops
