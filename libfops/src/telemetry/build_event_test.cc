#include "fops/telemetry/build_event.h"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// The backquoted names in the first column of a docs/telemetry.md table
// under the heading `heading`, up to the next heading of that level.
std::set<std::string> DocTableNames(const std::string& heading) {
  std::ifstream in(std::string(FOPS_SOURCE_DIR) + "/docs/telemetry.md");
  EXPECT_TRUE(in.good()) << "docs/telemetry.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  size_t start = doc.find("\n" + heading + "\n");
  EXPECT_NE(start, std::string::npos) << "no '" << heading << "' in docs/telemetry.md";
  if (start == std::string::npos) return {};
  start += heading.size() + 2;
  size_t end = doc.find("\n## ", start);
  const std::string section = doc.substr(start, end == std::string::npos ? end : end - start);
  std::set<std::string> names;
  std::regex row(R"(^\| `([a-z_.]+)` \|)", std::regex::multiline);
  for (auto it = std::sregex_iterator(section.begin(), section.end(), row);
       it != std::sregex_iterator(); ++it) {
    names.insert((*it)[1].str());
  }
  return names;
}

TEST(BuildEventTest, EveryNameRoundTripsThroughItsWireForm) {
  std::set<std::string> seen;
  for (EventName name : AllEventNames()) {
    const std::string text(EventNameString(name));
    EXPECT_TRUE(seen.insert(text).second) << "duplicate " << text;
    absl::StatusOr<EventName> parsed = ParseEventName(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(*parsed, name);
  }
  EXPECT_EQ(seen.size(), 14u);
  EXPECT_EQ(EventNameString(EventName::kImagePushed), "image.pushed");
}

TEST(BuildEventTest, AnUnknownNameIsRefusedAndPointsAtTheDocument) {
  EXPECT_THAT(ParseEventName("image.built"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'image.built'"), HasSubstr("docs/telemetry.md"))));
}

TEST(BuildEventTest, TheDocumentListsExactlyTheEnumsNames) {
  std::set<std::string> enum_names;
  for (EventName name : AllEventNames()) enum_names.insert(std::string(EventNameString(name)));
  EXPECT_EQ(DocTableNames("## Event names"), enum_names)
      << "docs/telemetry.md's '## Event names' table and EventName disagree";
}

TEST(BuildEventTest, TheDocumentListsExactlyTheFields) {
  std::set<std::string> fields;
  for (std::string_view field : BuildEventFieldNames()) fields.insert(std::string(field));
  EXPECT_EQ(DocTableNames("## Fields"), fields)
      << "docs/telemetry.md's '## Fields' table and BuildEvent::ToJson() disagree";
}

TEST(BuildEventTest, ToJsonHasEveryFieldInOrderWithAnRfc3339Timestamp) {
  BuildEvent e;
  e.name = EventName::kImagePushed;
  e.timestamp = absl::FromUnixMillis(1714558272123);
  e.resource = "runtime";
  e.image_ref = "ghcr.io/yamonco/fractalops/runtime:dev-1a2b3c";
  e.duration_ms = 1234;
  nlohmann::ordered_json row = e.ToJson();
  std::vector<std::string> keys;
  for (auto& [key, value] : row.items()) keys.push_back(key);
  std::vector<std::string> expected(BuildEventFieldNames().begin(), BuildEventFieldNames().end());
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(row["event"], "image.pushed");
  EXPECT_EQ(row["timestamp"], "2024-05-01T10:11:12.123Z");
  EXPECT_EQ(row["image_ref"], "ghcr.io/yamonco/fractalops/runtime:dev-1a2b3c");
  EXPECT_EQ(row["duration_ms"], 1234);
  EXPECT_EQ(row["namespace"], "");
}

TEST(BuildEventTest, RedactedMasksSecretsInEveryTextField) {
  Redactor redactor;
  redactor.AddSecret("canary-s3cret");
  BuildEvent e;
  e.resource = "canary-s3cret";
  e.detail = "exit 1: curl -H 'Authorization: Bearer tok123' https://u:canary-s3cret@h/";
  e.image_ref = "reg/x:canary-s3cret";
  e.host = "canary-s3cret";
  BuildEvent r = e.Redacted(redactor);
  const std::string dumped = DumpJson(r.ToJson());
  EXPECT_THAT(dumped, AllOf(Not(HasSubstr("canary-s3cret")), Not(HasSubstr("tok123"))));
  EXPECT_EQ(r.resource, "[REDACTED]");
}

TEST(BuildEventTest, DumpJsonSurvivesInvalidUtf8FromCommandOutput) {
  BuildEvent e;
  e.detail = "exit 1: \xff\xfe broken";
  const std::string dumped = DumpJson(e.ToJson());
  EXPECT_THAT(dumped, HasSubstr("broken"));
  EXPECT_TRUE(nlohmann::json::accept(dumped));
}

}  // namespace
}  // namespace fops
