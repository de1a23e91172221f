// What a tool linked against libfops pays before main(): it makes an HTTP
// client (as the engine's prober does) and, given a URL, sends one GET.
#include <cstdio>
#include <string>

#include "fops/net/http_client.h"

int main(int argc, char** argv) {
  std::unique_ptr<fops::HttpClient> http = fops::NewCurlHttpClient();
  if (argc < 2) return 0;
  absl::StatusOr<fops::HttpResponse> r = http->Send({.url = argv[1]});
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", std::string(r.status().message()).c_str());
    return 1;
  }
  std::printf("HTTP %d\n", r->status);
  return 0;
}
