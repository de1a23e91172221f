#include "fops/net/http_client.h"

#include "gtest/gtest.h"

namespace fops {
namespace {

TEST(HttpResponseTest, HeaderLookupIgnoresCaseAndTakesFirst) {
  HttpResponse response{.status = 200,
                        .headers = {{"content-type", "application/json"},
                                    {"set-cookie", "a=1"},
                                    {"set-cookie", "b=2"}}};
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  EXPECT_EQ(response.header("SET-COOKIE"), "a=1");
  EXPECT_EQ(response.header("x-missing"), std::nullopt);
}

}  // namespace
}  // namespace fops
