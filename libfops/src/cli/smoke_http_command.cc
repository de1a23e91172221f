#include "fops/cli/smoke_http_command.h"

#include <map>
#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "fops/base/string_view.h"
#include "fops/cli/ci_args.h"
#include "fops/cli/exit_code.h"

namespace fops {
namespace {

// One flag's value: "--name value" or "--name=value". Advances *i past it.
// nullopt when argv[*i] is not this flag; an error when it has no value.
absl::StatusOr<std::optional<std::string>> Value(const std::vector<std::string>& argv, size_t* i,
                                                 std::string_view name) {
  std::string_view arg = argv[*i];
  if (arg == name) {
    if (*i + 1 >= argv.size()) return absl::InvalidArgumentError(absl::StrCat(ToAbsl(name), " needs a value"));
    *i += 1;
    return std::optional<std::string>(argv[*i]);
  }
  if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=') {
    return std::optional<std::string>(std::string(arg.substr(name.size() + 1)));
  }
  return std::optional<std::string>();
}

absl::StatusOr<absl::Duration> Duration(std::string_view flag, const std::string& text,
                                        bool zero_ok) {
  std::optional<absl::Duration> d = ParseDurationArg(text);
  if (!d || (!zero_ok && *d <= absl::ZeroDuration())) {
    return absl::InvalidArgumentError(absl::StrCat(
        ToAbsl(flag), ": expected ", zero_ok ? "" : "a positive ",
        "number of seconds or a duration like 500ms, 10s, 1m, got '", text, "'"));
  }
  return *d;
}

}  // namespace

std::string SmokeHttpUsage() {
  return "usage: fops smoke http [--base URL] [--route PATH]... [--url URL]...\n"
         "                       [--expect-status SPEC] [--expect-text TEXT]\n"
         "                       [--expect-text-at ROUTE TEXT]... [--retries N]\n"
         "                       [--retry-delay D] [--timeout D] [--insecure]\n"
         "\n"
         "GETs each route (joined to --base) and each full --url, and checks the\n"
         "status and the text of the answer; prints one line per attempt and a\n"
         "summary. Exit 0: every route passed; 1: one failed; 2: bad usage.\n"
         "\n"
         "  --base URL             what --route paths are joined to\n"
         "  --route PATH           a path to check (repeatable; default / with --base)\n"
         "  --url URL              a full URL to check (repeatable)\n"
         "  --expect-status SPEC   statuses that pass: 200, 200,204, 2xx, 200-299 (default 200)\n"
         "  --expect-text TEXT     every body must contain TEXT\n"
         "  --expect-text-at ROUTE TEXT\n"
         "                         the body of ROUTE (a --route or --url as given) must contain TEXT\n"
         "  --retries N            attempts after a failed one, per route (default 3)\n"
         "  --retry-delay D        wait before each retry (default 1s)\n"
         "  --timeout D            per request (default 10s)\n"
         "  --insecure             accept any TLS certificate\n";
}

absl::StatusOr<SmokeHttpArgs> ParseSmokeHttpArgs(const std::vector<std::string>& argv) {
  SmokeHttpArgs args;
  std::string base;
  std::vector<std::pair<std::string, bool>> targets;  // (as given, is a --route)
  ExpectedStatus status;
  std::string text;
  std::vector<std::pair<std::string, std::string>> texts_at;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      args.help = true;
      return args;
    }
    if (arg == "--insecure") {
      args.options.verify_tls = false;
      continue;
    }
    if (arg == "--expect-text-at") {
      if (i + 2 >= argv.size()) {
        return absl::InvalidArgumentError("--expect-text-at needs two values: ROUTE TEXT");
      }
      texts_at.emplace_back(argv[i + 1], argv[i + 2]);
      i += 2;
      continue;
    }
    bool matched = false;
    for (std::string_view flag : {"--base", "--route", "--url", "--expect-status",
                                  "--expect-text", "--retries", "--retry-delay", "--timeout"}) {
      absl::StatusOr<std::optional<std::string>> value = Value(argv, &i, flag);
      if (!value.ok()) return value.status();
      if (!value->has_value()) continue;
      matched = true;
      const std::string& v = **value;
      if (flag == "--base") {
        if (v.empty()) return absl::InvalidArgumentError("--base: must not be empty");
        base = v;
      } else if (flag == "--route") {
        targets.emplace_back(v.empty() ? "/" : v, true);
      } else if (flag == "--url") {
        if (v.empty()) return absl::InvalidArgumentError("--url: must not be empty");
        targets.emplace_back(v, false);
      } else if (flag == "--expect-status") {
        absl::StatusOr<ExpectedStatus> parsed = ExpectedStatus::Parse(v);
        if (!parsed.ok()) {
          return absl::InvalidArgumentError(absl::StrCat("--", parsed.status().message()));
        }
        status = *parsed;
      } else if (flag == "--expect-text") {
        text = v;
      } else if (flag == "--retries") {
        int n = 0;
        if (!absl::SimpleAtoi(v, &n) || n < 0 || n > 1000) {
          return absl::InvalidArgumentError(
              absl::StrCat("--retries: expected a number from 0 to 1000, got '", v, "'"));
        }
        args.options.retries = n;
      } else if (flag == "--retry-delay") {
        absl::StatusOr<absl::Duration> d = Duration(flag, v, /*zero_ok=*/true);
        if (!d.ok()) return d.status();
        args.options.retry_delay = *d;
      } else {
        absl::StatusOr<absl::Duration> d = Duration(flag, v, /*zero_ok=*/false);
        if (!d.ok()) return d.status();
        args.options.timeout = *d;
      }
      break;
    }
    if (!matched) {
      return absl::InvalidArgumentError(absl::StrCat("unknown argument '", arg, "'"));
    }
  }
  bool any_route = false;
  for (const auto& [given, is_route] : targets) any_route = any_route || is_route;
  if (any_route && base.empty()) {
    return absl::InvalidArgumentError("--route needs --base (or give full URLs with --url)");
  }
  if (targets.empty()) {
    if (base.empty()) return absl::InvalidArgumentError("nothing to check: give --base or --url");
    targets.emplace_back("/", true);
  }
  std::map<std::string, std::string> text_for;
  for (const auto& [route, t] : texts_at) {
    bool known = false;
    for (const auto& target : targets) known = known || target.first == route;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--expect-text-at: '", route, "' is not a --route or --url of this smoke"));
    }
    text_for[route] = t;
  }
  for (const auto& [given, is_route] : targets) {
    SmokeRoute route{.label = given, .url = is_route ? JoinUrl(base, given) : given,
                     .expect_status = status, .expect_text = text};
    if (auto it = text_for.find(given); it != text_for.end()) route.expect_text = it->second;
    args.routes.push_back(std::move(route));
  }
  return args;
}

int RunSmokeHttp(const SmokeHttpArgs& args, HttpClient& http, std::FILE* out) {
  auto print = [out](std::string_view line) {
    std::fprintf(out, "%.*s\n", static_cast<int>(line.size()), line.data());
    std::fflush(out);  // a pipe to the engine: each line as it happens
  };
  RouteSmoke smoke(http, args.options, print);
  RouteSmokeReport report = smoke.Run(args.routes);
  print(report.Summary());
  return report.ok() ? kExitOk : kExitFailed;
}

int SmokeHttpMain(const std::vector<std::string>& argv, std::FILE* out, std::FILE* err) {
  absl::StatusOr<SmokeHttpArgs> args = ParseSmokeHttpArgs(argv);
  if (!args.ok()) {
    std::fprintf(err, "fops smoke http: %.*s\n(fops smoke http --help for usage)\n",
                 static_cast<int>(args.status().message().size()), args.status().message().data());
    return kExitConfig;
  }
  if (args->help) {
    std::fputs(SmokeHttpUsage().c_str(), out);
    return kExitOk;
  }
  std::unique_ptr<HttpClient> http = NewCurlHttpClient();
  return RunSmokeHttp(*args, *http, out);
}

std::optional<int> RunNativeSmoke(const std::vector<std::string>& argv) {
  if (argv.size() < 2 || argv[0] != "smoke" || argv[1] != "http") return std::nullopt;
  return SmokeHttpMain(std::vector<std::string>(argv.begin() + 2, argv.end()), stdout, stderr);
}

}  // namespace fops
