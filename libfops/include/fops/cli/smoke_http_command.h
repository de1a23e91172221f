// `fops smoke http`: the command a Tiltfile's http_smoke(...) resource
// runs. It reads its flags into the routes of a RouteSmoke
// (fops/net/route_smoke.h), checks them with the libcurl client, prints one
// line per attempt and, last, the summary line (which the engine takes as
// the smoke resource's reason), and exits 0 when every route passed, 1 when
// one failed, 2 for bad usage. The native `fops` command runs it without
// starting Python; the Python command reaches the same code through the
// _fops extension.
//
//   fops smoke http --base http://127.0.0.1:8080 --route / --route /api/health
//       --expect-status 2xx --expect-text-at /api/health '"ok"' --retries 3 --timeout 10s
//
//   absl::StatusOr<SmokeHttpArgs> args = ParseSmokeHttpArgs({"--base", base, "--route", "/"});
//   int code = RunSmokeHttp(*args, *http, stdout);
#ifndef FOPS_CLI_SMOKE_HTTP_COMMAND_H_
#define FOPS_CLI_SMOKE_HTTP_COMMAND_H_

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fops/net/http_client.h"
#include "fops/net/route_smoke.h"

namespace fops {

/// What `fops smoke http` was asked to check.
struct SmokeHttpArgs {
  std::vector<SmokeRoute> routes;  ///< in the order given: --route (joined to --base), then --url
  RouteSmokeOptions options;       ///< --retries, --retry-delay, --timeout, --insecure
  bool help = false;               ///< -h/--help: print SmokeHttpUsage() and exit 0
};

/// The arguments after `fops smoke http`. kInvalidArgument naming the flag
/// for an unknown flag, a missing or bad value, a --route without --base,
/// an --expect-text-at route that is not checked, or no route at all.
absl::StatusOr<SmokeHttpArgs> ParseSmokeHttpArgs(const std::vector<std::string>& argv);

/// Checks the routes, printing to `out` (flushed after each line) and the
/// summary last. The exit code: 0 every route passed, 1 one failed.
int RunSmokeHttp(const SmokeHttpArgs& args, HttpClient& http, std::FILE* out);

/// The whole command: `argv` is what follows `fops smoke http`. Usage
/// errors go to `err` ("fops smoke http: …") with exit code 2.
int SmokeHttpMain(const std::vector<std::string>& argv, std::FILE* out, std::FILE* err);

/// For the native `fops` front door: the exit code when `argv` (without
/// the program name) is `smoke http …`, else nullopt.
std::optional<int> RunNativeSmoke(const std::vector<std::string>& argv);

/// The --help text.
std::string SmokeHttpUsage();

}  // namespace fops

#endif  // FOPS_CLI_SMOKE_HTTP_COMMAND_H_
