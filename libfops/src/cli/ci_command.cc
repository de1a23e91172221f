#include "fops/cli/ci_command.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "fops/base/state_dir.h"
#include "fops/base/status_macros.h"
#include "fops/cli/exit_code.h"
#include "fops/engine/engine.h"
#include "fops/engine/default_effect_checks.h"
#include "fops/engine/input_gate.h"
#include "fops/engine/registry_logins.h"
#include "fops/engine/stop_signals.h"
#include "fops/engine/telemetry_observer.h"
#include "fops/engine/terminal_reporter.h"
#include "fops/exec/leftover_processes.h"
#include "fops/exec/process_executor.h"
#include "fops/model/project_secrets.h"
#include "fops/policy/guard.h"
#include "fops/telemetry/env_lookup.h"
#include "fops/telemetry/telemetry_config.h"

namespace fops {
namespace {

// Every message the command prints of its own passes here, masked with the
// run's secrets.
void PrintError(std::string_view text, const Redactor& redactor) {
  const std::string masked = redactor.Redact(text);
  const std::string_view message = masked;
  std::fflush(stdout);
  size_t start = 0;
  do {
    size_t end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    std::fprintf(stderr, "fops: %.*s\n", static_cast<int>(end - start), message.data() + start);
    start = end + 1;
  } while (start < message.size());
}

int ErrorExit(const absl::Status& status, const Redactor& redactor) {
  const std::string message(status.message());
  PrintError(message, redactor);
  for (const std::string& hint : GuardExplainHints(message)) PrintError(hint, redactor);
  return ExitCodeFor(status);
}

// The telemetry observer the environment asks for, or nullptr (every sink
// off); the same one fops.telemetry.observers() makes.
absl::StatusOr<std::unique_ptr<TelemetryObserver>> NewTelemetry(const Project& project,
                                                                const std::string& state_dir,
                                                                absl::Duration* flush_timeout) {
  FOPS_ASSIGN_OR_RETURN(TelemetryConfig config,
                        TelemetryConfig::FromEnvironment(ProcessEnv(), state_dir));
  for (const std::string& warning : config.warnings) {
    std::fprintf(stderr, "fops: telemetry: %s\n", warning.c_str());
  }
  if (!config.otlp && !config.clickhouse && !config.jsonl) return nullptr;
  *flush_timeout = config.flush_timeout;
  // The runner as fops.session.runner() names it: "ci" whenever CI is set.
  const char* ci = std::getenv("CI");
  return TelemetryObserver::ForRepo(config, project.root,
                                    ci != nullptr && *ci != '\0' ? "ci" : "local", "development");
}

// Flushes telemetry and prints what fops.telemetry.finish() prints. The
// strict-mode error, if any.
absl::Status FinishTelemetry(TelemetryObserver& telemetry, absl::Duration flush_timeout) {
  TelemetryReport report = telemetry.Finish(flush_timeout);
  for (const std::string& line : report.EndOfRunLines()) std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
  return report.StrictStatus();
}

}  // namespace

int RunCiCommand(const CachedPlan& plan, const CiCommandOptions& options) {
  std::fwrite(plan.load_stdout.data(), 1, plan.load_stdout.size(), stdout);
  std::fflush(stdout);
  std::fwrite(plan.load_stderr.data(), 1, plan.load_stderr.size(), stderr);

  const Project& project = plan.project;
  const Redactor redactor = ProjectRedactor(project);
  const std::string state_dir = StateDirFor(project.root).string();
  GuardConfig guard_config = plan.guard;
  guard_config.mode = Mode::kDevelopment;
  Guard guard(std::move(guard_config));
  // The registry logins the plane names, checked before anything runs.
  std::unique_ptr<HttpClient> http = NewCurlHttpClient();
  absl::StatusOr<std::unique_ptr<RegistryLogins>> logins =
      RegistryLogins::Prepare(project.resources, state_dir, *http, /*verify=*/true);
  if (!logins.ok()) return ErrorExit(logins.status(), redactor);
  InputGate gate(state_dir, {.checks = DefaultEffectChecks(&guard, (*logins)->AsLookup())});

  absl::Duration flush_timeout = absl::Seconds(5);
  absl::StatusOr<std::unique_ptr<TelemetryObserver>> telemetry =
      NewTelemetry(project, state_dir, &flush_timeout);
  if (!telemetry.ok()) return ErrorExit(telemetry.status(), redactor);

  // What a killed fops left running goes first: it may hold the ports
  // this run's servers need (what the Python command does too).
  for (const std::string& line : StopLeftovers(state_dir, absl::Seconds(2), redactor).Lines()) {
    std::fprintf(stderr, "fops ci: %s\n", line.c_str());
  }
  ProcessExecutor executor(ProcessExecutorOptions{.subreaper = true,
                                                  .process_record = state_dir,
                                                  .record_owner = "fops ci",
                                                  .record_redactor = redactor});
  TerminalReporter reporter(stdout);
  EngineOptions engine_options{.selection = plan.selection,
                               .max_parallel = options.max_parallel,
                               .timeout = options.timeout,
                               .policy = &guard,
                               .gate = &gate,
                               .observers = {&reporter},
                               .force = options.force};
  if (*telemetry) engine_options.observers.push_back(telemetry->get());

  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(project, executor, std::move(engine_options));
  if (!engine.ok()) return ErrorExit(engine.status(), redactor);

  RunResult result;
  int signal = 0;
  {
    StopSignalScope signals(engine->get());
    result = (*engine)->Ci();
    std::fflush(stdout);
    std::fflush(stderr);
    signal = signals.received();
  }
  absl::Status strict = absl::OkStatus();
  if (*telemetry) strict = FinishTelemetry(**telemetry, flush_timeout);
  engine->reset();  // stops whatever still runs before the exit code is decided
  if (!strict.ok()) {
    PrintError(std::string(strict.message()), redactor);
    return kExitFailed;
  }
  if (signal != 0) return 128 + signal;
  return result.ok ? kExitOk : kExitFailed;
}

}  // namespace fops
