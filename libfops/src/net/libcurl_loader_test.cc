// libcurl loaded on demand: the system's libcurl.so.4 on the real path, and
// a clear error, never a crash, when the library cannot be loaded.
#include "libcurl_loader.h"

#include <dlfcn.h>

#include <string>
#include <thread>
#include <vector>

#include "fops/base/status_matchers.h"
#include "fops/net/http_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kMissingSoname[] = "libcurl-fops-test-missing.so.4";

TEST(LibCurlLoaderTest, LoadsTheSystemLibcurlOnceForAllThreads) {
  std::vector<const LibCurl*> seen(8, nullptr);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&seen, i] {
      absl::StatusOr<const LibCurl*> curl = DefaultLibCurl().Get();
      if (curl.ok()) seen[i] = *curl;
    });
  }
  for (std::thread& t : threads) t.join();
  absl::StatusOr<const LibCurl*> curl = DefaultLibCurl().Get();
  ASSERT_THAT(curl, IsOk());
  EXPECT_THAT(seen, Each(*curl));
  EXPECT_EQ(DefaultLibCurl().soname(), "libcurl.so.4");

  // The functions come from the system's libcurl, not from a copy in libfops.
  Dl_info info{};
  ASSERT_NE(dladdr(reinterpret_cast<void*>((*curl)->easy_perform), &info), 0);
  EXPECT_THAT(info.dli_fname, HasSubstr("libcurl"));
}

TEST(LibCurlLoaderTest, AMissingLibraryIsAFailedPreconditionNamingItAndTheDebianPackage) {
  LibCurlLoader loader(kMissingSoname);
  auto is_missing = StatusIs(absl::StatusCode::kFailedPrecondition,
                             AllOf(HasSubstr("cannot load libcurl-fops-test-missing.so.4"),
                                   HasSubstr("No such file"),
                                   HasSubstr("install the Debian package libcurl4")));
  EXPECT_THAT(loader.Get(), is_missing);
  EXPECT_THAT(loader.Get(), is_missing);  // the outcome is kept, not retried
}

TEST(LibCurlLoaderTest, ALibraryWithoutCurlsFunctionsIsRefused) {
  LibCurlLoader loader("libc.so.6");
  EXPECT_THAT(loader.Get(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     AllOf(HasSubstr("cannot load libc.so.6"),
                                           HasSubstr("curl_global_init"))));
}

TEST(LibCurlLoaderTest, HttpWithoutLibcurlFailsEveryRequestClearlyAndRedacted) {
  LibCurlLoader loader(kMissingSoname);
  std::unique_ptr<HttpClient> http = NewCurlHttpClient(loader);
  std::vector<absl::Status> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = http->Send({.method = "POST",
                               .url = "http://u:pw-canary@127.0.0.1:9/api?token=tok-canary",
                               .headers = {{"Authorization", "Bearer hdr-canary"}},
                               .body = "{}"})
                       .status();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(results,
              Each(StatusIs(absl::StatusCode::kFailedPrecondition,
                            AllOf(HasSubstr("POST http://"), HasSubstr("127.0.0.1:9/api: "),
                                  HasSubstr(kMissingSoname), HasSubstr("libcurl4"),
                                  Not(HasSubstr("canary"))))));
}

TEST(CurlEscapeTest, EncodesAndDecodesThroughLibcurl) {
  const std::string kFailed = "<failed>";
  EXPECT_EQ(CurlEscape("INSERT INTO db.t FORMAT JSONEachRow").value_or(kFailed),
            "INSERT%20INTO%20db.t%20FORMAT%20JSONEachRow");
  EXPECT_EQ(CurlEscape("a/b=c&d~e").value_or(kFailed), "a%2Fb%3Dc%26d~e");
  EXPECT_EQ(CurlUnescape("Bearer%20abc%2Fdef+x").value_or(kFailed), "Bearer abc/def+x");
  EXPECT_EQ(CurlUnescape("a%00b").value_or(kFailed), std::string("a\0b", 3));
}

}  // namespace
}  // namespace fops
