#include "fops/engine/engine.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "fops/base/format_duration.h"
#include "fops/base/redact.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"
#include "fops/engine/redacting_observer.h"
#include "fops/exec/port_owner.h"
#include "fops/exec/wakeup.h"
#include "fops/model/project_secrets.h"
#include "fops/plan/graph.h"
#include "fops/policy/default_policy.h"
#include "fops/watch/file_watcher.h"
#include "fops/watch/ignore_file.h"
#include "fops/watch/ignore_matcher.h"
#include "fops/watch/self_trigger.h"

namespace fops {
namespace {

constexpr size_t kLastLines = 20;
// Before a serve resource's first passing probe fops probes from this
// interval, doubling up to the probe's period: a server that is up in 30 ms
// is seen as ready in about 30 ms, not after a whole period.
constexpr absl::Duration kFirstProbeInterval = absl::Milliseconds(25);
// ...and never waits longer than this between attempts before it is ready:
// the period (Tilt's 10 s by default) is for watching a ready server, not
// for noticing that a new one came up.
constexpr absl::Duration kMaxFirstProbeInterval = absl::Seconds(1);

std::string NewSessionId() {
  std::random_device device;
  std::mt19937_64 rng((static_cast<uint64_t>(device()) << 32) ^ device());
  return absl::StrFormat("%016x", rng());
}

bool IsFinal(ResourceStatus s) {
  return s != ResourceStatus::kPending && s != ResourceStatus::kRunning;
}

bool IsSuccess(ResourceStatus s) {
  return s == ResourceStatus::kSucceeded || s == ResourceStatus::kUpToDate;
}

// "helm upgrade --install api ch…" for naming one step of several.
std::string ShortCommand(const Command& c) {
  std::string s = c.ToString();
  constexpr size_t kMax = 60;
  if (s.size() > kMax) s = absl::StrCat(s.substr(0, kMax - 3), "...");
  return s;
}

// The reason a command could not start: a policy refusal reads as itself.
std::string StartFailure(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kFailedPrecondition) return std::string(status.message());
  return absl::StrCat("cannot start: ", status.message());
}

// The probe's period, guarded against zero (which would probe in a loop).
absl::Duration ProbePeriod(const Probe& probe) {
  return probe.period > absl::ZeroDuration() ? probe.period : absl::Seconds(1);
}

// A resource's working directory: relative ones are under the project root.
std::string ResolveDir(const std::string& root, const std::string& dir) {
  if (dir.empty()) return root;
  std::filesystem::path p(dir);
  if (p.is_absolute() || root.empty()) return dir;
  return (std::filesystem::path(root) / p).string();
}

// What the engine would start for `command` of `r`: the spec the policy sees.
CommandSpec SpecFor(const Resource& r, const std::string& root, const Command& command,
                    bool serve) {
  CommandSpec spec;
  spec.resource = r.name;
  spec.argv = command.argv();
  spec.serve = serve;
  if (serve) {
    spec.dir = ResolveDir(root, r.serve_dir.empty() ? r.dir : r.serve_dir);
    spec.env = r.serve_env;
  } else {
    spec.dir = ResolveDir(root, r.dir);
    spec.env = r.env;
    spec.timeout = r.timeout;
  }
  return spec;
}

// Every command of `r` the policy refuses: its steps, its server and an
// exec readiness probe (which runs outside the executor), each as one line
// naming the Tiltfile line, the resource, the refusal and the command.
void AddRefusals(const Resource& r, const std::string& root, const CommandPolicy& policy,
                 std::vector<std::string>& out) {
  const std::string at = r.declared_at.ToString();
  auto refuse = [&](std::string_view what, const CommandSpec& spec, const absl::Status& refusal) {
    std::string line = absl::StrCat(at.empty() ? "" : absl::StrCat(at, ": "), "resource '",
                                    r.name, "': ", what.empty() ? "" : absl::StrCat(ToAbsl(what), ": "),
                                    refusal.message());
    const std::string text = Command::Argv(spec.argv).ToString();
    if (!absl::StrContains(refusal.message(), text)) absl::StrAppend(&line, " [command: ", text, "]");
    out.push_back(std::move(line));
  };
  std::vector<std::pair<std::string_view, const Command*>> steps;
  if (!r.cmd.empty()) steps.emplace_back("", &r.cmd);
  for (const Command& c : r.then_cmds) {
    if (!c.empty()) steps.emplace_back("", &c);
  }
  for (const auto& [what, command] : steps) {
    CommandSpec spec = SpecFor(r, root, *command, /*serve=*/false);
    if (absl::Status allowed = policy.Check(spec); !allowed.ok()) refuse(what, spec, allowed);
  }
  if (!r.serve_cmd.empty()) {
    CommandSpec spec = SpecFor(r, root, r.serve_cmd, /*serve=*/true);
    if (absl::Status allowed = policy.Check(spec); !allowed.ok()) refuse("serve_cmd", spec, allowed);
  }
  if (r.readiness_probe) {
    if (const auto* exec = std::get_if<ExecAction>(&r.readiness_probe->action)) {
      CommandSpec spec = SpecFor(r, root, Command::Argv(exec->command), /*serve=*/true);
      spec.env.clear();
      if (absl::Status allowed = policy.Check(spec); !allowed.ok()) {
        refuse("readiness_probe", spec, allowed);
      }
    }
  }
}

}  // namespace

class Engine::Impl : public OutputListener {
 public:
  /// What re-runs a resource under `up`: its `deps` (absolute) minus `ignore`.
  struct WatchSpec {
    std::vector<std::filesystem::path> deps;
    IgnoreMatcher ignore;
  };

  /// Every resource's WatchSpec; an ignore pattern that does not parse is
  /// an error naming its Tiltfile line.
  static absl::StatusOr<std::vector<std::string>> ProjectIgnore(const Project& project);
  static absl::StatusOr<std::vector<WatchSpec>> Watches(const Project& project,
                                                        const ResourceGraph& graph);
  /// The selection's roots (EngineOptions::selection, else every auto_init
  /// auto resource) with their deps.
  static absl::StatusOr<std::vector<int>> SelectionClosure(const ResourceGraph& graph,
                                                           const std::vector<std::string>& selection);

  Impl(Project project, ResourceGraph graph, Executor& executor, EngineOptions options,
       const CommandPolicy& policy, std::vector<char> selected, int max_parallel,
       std::vector<WatchSpec> watches)
      : project_(std::move(project)),
        accepted_(project_),
        graph_(std::move(graph)),
        options_(std::move(options)),
        executor_(executor, policy),
        clock_(executor.clock()),
        selected_(std::move(selected)),
        max_parallel_(max_parallel),
        redactor_(ProjectRedactor(project_)),
        watches_(std::move(watches)),
        self_trigger_(project_.root, graph_.size()),
        disabled_asked_(graph_.size(), 0),
        disabled_(graph_.size(), 0),
        nodes_(graph_.size()) {
    // Priority: the longest chain of *selected* dependents, so work that
    // unblocks the most runs first.
    priority_.assign(graph_.size(), 0);
    const std::vector<int>& topo = graph_.topological_order();
    for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
      if (selected_[*it]) priority_[*it] = ChainPriority(*it);
    }
    run_selected_ = selected_;
    run_priority_ = priority_;
    prober_ = options_.prober;
    // Observers get everything through the run's Redactor, once (results
    // returned to the caller are masked in MakeResult and BuildResult).
    if (!options_.observers.empty()) {
      redacting_ = std::make_unique<RedactingObserver>(redactor_, std::move(options_.observers));
      options_.observers = {redacting_.get()};
    }
    if (options_.gate != nullptr) options_.gate->SetRedactor(redactor_);
  }

  ~Impl() override {
    JoinProbes();
    JoinGates();
    executor_.Abort();
  }

  RunResult Run(bool up);

  void RequestStop() {
    stop_requested_.store(true);
    executor_.Interrupt();
    wakeup_.Notify();
  }

  absl::Status Trigger(std::string_view name);
  absl::Status SetEnabled(std::string_view name, bool enabled);
  absl::StatusOr<ReloadPlan> Reload(Project next);
  void ReloadFailed(std::string error);
  std::vector<std::string> ResourceNames() const {
    std::lock_guard<std::mutex> lock(graph_mu_);
    std::vector<std::string> names;
    for (const Resource& r : graph_.resources()) names.push_back(r.name);
    return names;
  }

  /// The project-wide ignore patterns (.tiltignore) the watcher applies.
  void SetProjectIgnore(std::vector<std::string> patterns) {
    project_ignore_ = std::move(patterns);
  }

  const Project& project() const { return project_; }

  void OnLine(uint64_t id, Stream stream, std::string_view line) override {
    auto it = commands_.find(id);
    if (it == commands_.end()) return;
    Node& n = nodes_[it->second.node];
    n.last_lines.emplace_back(line);
    if (n.last_lines.size() > kLastLines) n.last_lines.pop_front();
    if (!it->second.serve) n.update_last_line = std::string(line);
    for (Observer* o : options_.observers) o->OnOutput(resource(it->second.node), stream, line);
  }

 private:
  struct Node {
    ResourceStatus status = ResourceStatus::kNotRun;
    int deps_left = 0;
    bool queued = false;
    std::vector<const Command*> steps;  // cmd and then_cmds, the non-empty ones
    size_t step = 0;
    uint64_t update_id = 0;  // running update command, 0: none
    uint64_t serve_id = 0;   // running serve command, 0: none
    bool up_to_date = false;  // the gate said skip
    std::string trigger;      // why it runs again under `up` ("rebuilt: x changed")
    bool rerun = false;       // files changed while it was running: run again after
    bool restart_serve = false;  // start serve_cmd again once the old one exits
    bool ready = false;
    bool was_ready = false;  // this serve process passed readiness: probes keep watching it
    bool forced = false;     // triggered: runs even if the gate would skip it
    absl::Time started = absl::InfinitePast();
    absl::Duration duration = absl::ZeroDuration();  // set when final
    std::string reason;
    std::deque<std::string> last_lines;
    std::string update_last_line;  // the running update's last line (a smoke's verdict)
    // Readiness probing, while the serve command runs and is not ready.
    bool probing = false;
    absl::Time next_probe = absl::InfiniteFuture();
    absl::Duration probe_interval = kFirstProbeInterval;
    int probe_passes = 0;
    int probe_failures = 0;  // consecutive, once ready
    uint64_t probe_generation = 0;  // per serve process: a probe of an old one is ignored
    std::string probe_error = "no probe has run";
    bool probe_in_flight = false;
    std::thread probe_thread;
    // The update gate's Check or Record, on a worker thread: reading an
    // effect back (a registry, the cluster) must not hold up the loop.
    bool gate_busy = false;
    std::thread gate_thread;
  };
  struct CommandRef {
    int node;
    bool serve;
  };
  struct ProbeOutcome {
    int node;
    uint64_t generation;
    absl::Status status;
  };
  // A reload Reload() accepted, for the loop to apply.
  struct PendingReload {
    Project project;
    ResourceGraph graph;
    std::vector<WatchSpec> watches;
    std::vector<char> base_selected;  // the selection's closure in `graph`
  };
  struct GateOutcome {
    int node;
    bool record;  // Record() ran, else Check()
    absl::StatusOr<GateDecision> decision = GateDecision{};
    absl::Status recorded;
  };

  const Resource& resource(int i) const { return graph_.resource(i); }

  void Reset();
  absl::Status StartWatching();
  void OnFilesChanged(const std::vector<FileChange>& changes);
  void Rerun(int i, std::string reason);
  // `i` keeps re-triggering itself: it is not re-run until an edit or a trigger.
  void Pause(int i);
  void Reopen(int i, std::string reason, bool wait_for_deps = true);
  // Tells observers what `i` waits on now: its deps not done yet.
  void WaitForDeps(int i);
  // kNotFound: `why`, then the names the project defines.
  absl::Status UnknownName(const absl::Status& why) const;
  void DrainTriggers();
  // Takes up what Reload() and ReloadFailed() queued; applies a reload once
  // what it stops has stopped (SwapIn).
  void DrainReloads();
  void NotifyReload(const ReloadEvent& event) {
    for (Observer* o : options_.observers) o->OnReload(project_, event);
  }
  void StopDoomed();
  bool ReadyToSwap() const;
  void SwapIn();
  void ApplyEnabled(int i, bool enabled);
  void TriggerNow(int target);
  void Select(int i);
  // 1 + the longest chain of selected dependents (their priorities known).
  int ChainPriority(int i) const;
  int DepsLeft(int i) const;
  void Enqueue(int i);
  void StartReady();
  void BeginUpdate(int i);
  void Checked(int i, const absl::StatusOr<GateDecision>& decision);
  void RunUpdate(int i, std::string reason);
  void StartStep(int i);
  void UpdateSucceeded(int i);
  void Recorded(int i, const absl::Status& recorded);
  void AfterUpdate(int i);
  void LaunchGate(int i, bool record);
  void CollectGates();
  bool GatesInFlight() const;
  void JoinGates();
  // Every command of `nodes` the policy refuses, one located line each.
  std::vector<std::string> Refusals(const std::vector<int>& nodes) const {
    std::vector<std::string> out;
    for (int i : nodes) AddRefusals(resource(i), project_.root, executor_.policy(), out);
    return out;
  }
  void StartServe(int i);
  void BecomeReady(int i);
  void ProbedAfterReady(int i, const absl::Status& status, absl::Time now);
  void Finish(int i, ResourceStatus status, std::string reason);
  void Fail(int i, std::string reason) { Finish(i, ResourceStatus::kFailed, std::move(reason)); }
  absl::StatusOr<uint64_t> StartCommand(int i, const Command& command, bool serve);
  void HandleResult(const CommandResult& r);
  std::string Why(int i, const CommandResult& r) const;
  std::string SmokeVerdict(int i, std::string reason, bool failed) const;
  bool Settled() const { return unsettled_ == 0; }
  bool ProbesInFlight() const {
    for (int i : probe_nodes_) {
      if (nodes_[i].probe_in_flight) return true;
    }
    return false;
  }
  absl::Time NextProbeTime() const;
  void LaunchDueProbes();
  void CollectProbes();
  void JoinProbes();
  void Teardown(const std::string& cause, bool timed_out);
  RunResult BuildResult(absl::Time start, std::string error);
  ResourceResult MakeResult(int i) const;

  Project project_;
  Project accepted_;  // guarded by reload_mu_: the last project Reload() accepted
  // Guards graph_, disabled_asked_ and their indices against a reload's
  // swap, for the threads of Trigger(), SetEnabled() and ResourceNames().
  mutable std::mutex graph_mu_;
  ResourceGraph graph_;
  EngineOptions options_;
  GuardedExecutor executor_;
  const Clock& clock_;
  std::vector<char> selected_;  // grows when Trigger() asks for more
  std::vector<int> priority_;
  std::vector<char> run_selected_;  // what each run starts with
  std::vector<int> run_priority_;
  int max_parallel_;
  Redactor redactor_;  // the run's secrets: the environment's and the project's
  std::unique_ptr<RedactingObserver> redacting_;  // in front of options_.observers
  std::vector<WatchSpec> watches_;  // indexed like resources; empty deps: not watched
  std::vector<std::string> project_ignore_;  // .tiltignore: the watcher never reports these
  SelfTriggerGuard self_trigger_;  // resources re-running themselves through their outputs
  std::unique_ptr<FileWatcher> watcher_;
  bool up_ = false;
  bool tearing_down_ = false;  // the loop has ended: start nothing new
  Prober* prober_ = nullptr;
  std::unique_ptr<Prober> owned_prober_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> in_up_{false};  // Up() runs: Trigger() is accepted
  Wakeup wakeup_;
  std::mutex trigger_mu_;
  std::vector<int> triggers_;  // guarded by trigger_mu_: asked for, not yet queued
  // Engine::SetEnabled: asked for (guarded by trigger_mu_), and what the
  // loop applied. Disabled resources are not run by file changes or triggers.
  std::vector<std::pair<int, bool>> enable_changes_;
  std::vector<char> disabled_asked_;
  std::vector<char> disabled_;
  std::mutex reload_mu_;
  std::optional<PendingReload> pending_reload_;  // guarded by reload_mu_
  std::vector<std::string> reload_errors_;       // guarded by reload_mu_
  // The loop's: the reload being applied, and the resources (old indices)
  // it stops first: removed or changed. Once stopped, a resource runs again
  // even if a later reload brings its old definition back.
  std::optional<PendingReload> applying_;
  std::vector<char> doomed_;
  std::vector<std::filesystem::path> watched_paths_;  // what watcher_ watches

  // Per-run state.
  std::vector<Node> nodes_;
  std::set<std::pair<int, int>> ready_;  // (-priority, index): best first
  absl::flat_hash_map<uint64_t, CommandRef> commands_;
  absl::flat_hash_set<uint64_t> stopping_;  // commands the engine stopped
  int updates_running_ = 0;
  int unsettled_ = 0;  // selected resources without a final status
  absl::flat_hash_set<int> probe_nodes_;  // resources probing or with a probe thread
  int exclusive_running_ = 0;  // allow_parallel=False updates running
  uint64_t next_id_ = 1;
  std::mutex probe_mu_;
  std::vector<ProbeOutcome> probe_outcomes_;  // guarded by probe_mu_
  std::mutex gate_mu_;
  std::vector<GateOutcome> gate_outcomes_;  // guarded by gate_mu_
};

void Engine::Impl::Reset() {
  JoinProbes();
  JoinGates();
  selected_ = run_selected_;
  priority_ = run_priority_;
  unsettled_ = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    nodes_[i] = Node();
    if (selected_[i]) {
      nodes_[i].status = ResourceStatus::kPending;
      ++unsettled_;
    }
  }
  ready_.clear();
  commands_.clear();
  stopping_.clear();
  updates_running_ = 0;
  exclusive_running_ = 0;
  {
    std::lock_guard<std::mutex> lock(probe_mu_);
    probe_outcomes_.clear();
  }
  {
    std::lock_guard<std::mutex> lock(trigger_mu_);
    triggers_.clear();
  }
  for (int i = 0; i < graph_.size(); ++i) {
    if (!selected_[i]) continue;
    for (int d : graph_.deps(i)) {
      if (selected_[d]) ++nodes_[i].deps_left;
    }
  }
}

void Engine::Impl::Enqueue(int i) {
  nodes_[i].queued = true;
  ready_.emplace(-priority_[i], i);
  for (Observer* o : options_.observers) o->OnResourceWaiting(resource(i), ResourceWait::kSlot, "");
}

void Engine::Impl::WaitForDeps(int i) {
  if (options_.observers.empty()) return;
  std::vector<std::string> waiting;
  for (int d : graph_.deps(i)) {
    if (selected_[d] && !IsSuccess(nodes_[d].status)) waiting.push_back(resource(d).name);
  }
  const std::string names = absl::StrJoin(waiting, ", ");
  for (Observer* o : options_.observers) o->OnResourceWaiting(resource(i), ResourceWait::kDeps, names);
}

void Engine::Impl::StartReady() {
  while (!ready_.empty() && updates_running_ < max_parallel_ && exclusive_running_ == 0) {
    const int i = ready_.begin()->second;
    // An exclusive resource waits for a quiet moment, and nothing jumps
    // ahead of it meanwhile (it would never get one).
    if (!resource(i).allow_parallel && updates_running_ > 0) return;
    ready_.erase(ready_.begin());
    nodes_[i].queued = false;
    BeginUpdate(i);
  }
}

void Engine::Impl::BeginUpdate(int i) {
  Node& n = nodes_[i];
  const Resource& r = resource(i);
  n.status = ResourceStatus::kRunning;
  n.started = clock_.Now();
  self_trigger_.RunStarted(i, absl::Now());  // the watcher's clock
  n.steps.clear();
  n.step = 0;
  n.up_to_date = false;
  std::string reason = std::move(n.trigger);
  n.trigger.clear();
  const bool forced = std::exchange(n.forced, false);
  if (!r.inputs.empty() && forced) {
    reason = absl::StrCat("rebuilt: ", reason);  // asked for by name: the gate is not asked
  } else if (!r.inputs.empty() && options_.gate != nullptr && !options_.force) {
    // The check holds the resource's slot: it is the first part of its update.
    ++updates_running_;
    if (!r.allow_parallel) ++exclusive_running_;
    for (Observer* o : options_.observers) o->OnResourceWaiting(r, ResourceWait::kInputs, "");
    LaunchGate(i, /*record=*/false);
    return;
  } else if (!r.inputs.empty() && options_.force) {
    reason = "rebuilt: forced (--force)";
  }
  RunUpdate(i, std::move(reason));
}

void Engine::Impl::Checked(int i, const absl::StatusOr<GateDecision>& decision) {
  Node& n = nodes_[i];
  const Resource& r = resource(i);
  --updates_running_;
  if (!r.allow_parallel) --exclusive_running_;
  if (!decision.ok()) {
    for (Observer* o : options_.observers) o->OnResourceStarted(r, "");
    Fail(i, absl::StrCat("checking inputs: ", decision.status().message()));
    return;
  }
  if (decision->run) {
    RunUpdate(i, decision->reason);
    return;
  }
  n.up_to_date = true;
  n.reason = decision->reason;
  // Nothing to rebuild: a server already running (a re-run under `up`)
  // keeps running.
  if (!r.is_serve() || n.serve_id != 0) {
    Finish(i, ResourceStatus::kUpToDate, decision->reason);
    return;
  }
  for (Observer* o : options_.observers) o->OnResourceStarted(r, decision->reason);
  StartServe(i);
}

void Engine::Impl::RunUpdate(int i, std::string reason) {
  Node& n = nodes_[i];
  const Resource& r = resource(i);
  n.reason = std::move(reason);
  n.update_last_line.clear();
  for (Observer* o : options_.observers) o->OnResourceStarted(r, n.reason);
  if (!r.cmd.empty()) n.steps.push_back(&r.cmd);
  for (const Command& c : r.then_cmds) {
    if (!c.empty()) n.steps.push_back(&c);
  }
  if (n.steps.empty()) {
    UpdateSucceeded(i);
    return;
  }
  ++updates_running_;
  if (!r.allow_parallel) ++exclusive_running_;
  StartStep(i);
}

absl::StatusOr<uint64_t> Engine::Impl::StartCommand(int i, const Command& command, bool serve) {
  const Resource& r = resource(i);
  CommandSpec spec = SpecFor(r, project_.root, command, serve);
  spec.id = next_id_++;
  FOPS_RETURN_IF_ERROR(executor_.Start(spec));
  commands_[spec.id] = CommandRef{.node = i, .serve = serve};
  for (Observer* o : options_.observers) o->OnCommandStarted(r, spec);
  return spec.id;
}

void Engine::Impl::StartStep(int i) {
  Node& n = nodes_[i];
  absl::StatusOr<uint64_t> id = StartCommand(i, *n.steps[n.step], /*serve=*/false);
  if (!id.ok()) {
    --updates_running_;
    if (!resource(i).allow_parallel) --exclusive_running_;
    Fail(i, StartFailure(id.status()));
    return;
  }
  n.update_id = *id;
}

void Engine::Impl::UpdateSucceeded(int i) {
  const Resource& r = resource(i);
  // Only what really ran is recorded: a simulated run (dry-run, scripted,
  // a test's executor) leaves nothing a later real run would trust.
  if (!r.inputs.empty() && options_.gate != nullptr && !executor_.simulated()) {
    LaunchGate(i, /*record=*/true);
    return;
  }
  AfterUpdate(i);
}

void Engine::Impl::Recorded(int i, const absl::Status& recorded) {
  if (!recorded.ok()) {
    // The update itself worked; only the next skip is lost. Say so where
    // the user reads output instead of failing a good build.
    std::string line = absl::StrCat("fops: not recorded, so the next run updates it again: ",
                                    recorded.message());
    Node& n = nodes_[i];
    n.last_lines.push_back(line);
    if (n.last_lines.size() > kLastLines) n.last_lines.pop_front();
    for (Observer* o : options_.observers) o->OnOutput(resource(i), Stream::kStderr, line);
  }
  AfterUpdate(i);
}

void Engine::Impl::AfterUpdate(int i) {
  const Resource& r = resource(i);
  if (r.is_serve()) {
    Node& n = nodes_[i];
    if (n.serve_id != 0) {
      // A re-run: the old server goes first (it may hold the port), the
      // new one starts when it has exited.
      n.restart_serve = true;
      n.ready = false;
      n.was_ready = false;
      n.probing = false;  // the old server's probes say nothing about the new one
      if (stopping_.insert(n.serve_id).second) executor_.Stop(n.serve_id);
      return;
    }
    StartServe(i);
  } else {
    Finish(i, ResourceStatus::kSucceeded, SmokeVerdict(i, nodes_[i].reason, false));
  }
}

void Engine::Impl::LaunchGate(int i, bool record) {
  Node& n = nodes_[i];
  if (n.gate_thread.joinable()) n.gate_thread.join();
  n.gate_busy = true;
  auto work = [this, i, record, &r = resource(i)] {
    GateOutcome outcome{.node = i, .record = record};
    if (record) {
      outcome.recorded = options_.gate->Record(r);
    } else {
      outcome.decision = options_.gate->Check(r);
    }
    {
      std::lock_guard<std::mutex> lock(gate_mu_);
      gate_outcomes_.push_back(std::move(outcome));
    }
    executor_.Interrupt();
    wakeup_.Notify();
  };
  // A simulated run stays deterministic for the harnesses that assert its
  // order: its checks run here, one after the other, and are taken up on
  // the next turn of the loop like a worker's.
  if (executor_.simulated()) {
    work();
    return;
  }
  n.gate_thread = std::thread(std::move(work));
}

void Engine::Impl::CollectGates() {
  std::vector<GateOutcome> outcomes;
  {
    std::lock_guard<std::mutex> lock(gate_mu_);
    outcomes.swap(gate_outcomes_);
  }
  for (GateOutcome& o : outcomes) {
    Node& n = nodes_[o.node];
    if (n.gate_thread.joinable()) n.gate_thread.join();
    n.gate_busy = false;
    if (tearing_down_) continue;
    if (o.record) {
      Recorded(o.node, o.recorded);
    } else {
      Checked(o.node, o.decision);
    }
  }
}

bool Engine::Impl::GatesInFlight() const {
  for (const Node& n : nodes_) {
    if (n.gate_busy) return true;
  }
  return false;
}

void Engine::Impl::JoinGates() {
  for (Node& n : nodes_) {
    if (n.gate_thread.joinable()) n.gate_thread.join();
    n.gate_busy = false;
  }
  std::lock_guard<std::mutex> lock(gate_mu_);
  gate_outcomes_.clear();
}

void Engine::Impl::StartServe(int i) {
  Node& n = nodes_[i];
  const Resource& r = resource(i);
  // A server already on the probe's port would answer for this one.
  if (r.readiness_probe.has_value() && !executor_.simulated()) {
    if (absl::Status free = CheckProbePortFree(*r.readiness_probe); !free.ok()) {
      Fail(i, std::string(free.message()));
      return;
    }
  }
  absl::StatusOr<uint64_t> id = StartCommand(i, r.serve_cmd, /*serve=*/true);
  if (!id.ok()) {
    Fail(i, StartFailure(id.status()));
    return;
  }
  n.serve_id = *id;
  n.was_ready = false;
  ++n.probe_generation;
  // A simulated executor has no real server to probe, unless the caller
  // passed a prober (a test's) to answer for it.
  if (!r.readiness_probe.has_value() || (executor_.simulated() && options_.prober == nullptr)) {
    BecomeReady(i);
    return;
  }
  if (prober_ == nullptr) {
    owned_prober_ = NewRealProber();
    prober_ = owned_prober_.get();
  }
  n.probing = true;
  probe_nodes_.insert(i);
  n.probe_passes = 0;
  n.probe_failures = 0;
  n.probe_interval = std::min(kFirstProbeInterval, ProbePeriod(*r.readiness_probe));
  n.next_probe = clock_.Now() + r.readiness_probe->initial_delay;
  if (!options_.observers.empty()) {
    const std::string probe = ProbeToString(*r.readiness_probe);
    for (Observer* o : options_.observers) o->OnResourceWaiting(r, ResourceWait::kProbe, probe);
  }
}

void Engine::Impl::BecomeReady(int i) {
  Node& n = nodes_[i];
  n.ready = true;
  n.was_ready = true;
  n.probe_passes = 0;
  n.probe_failures = 0;
  // Kubernetes' rule: a ready server stays probed every period, so one that
  // stops answering loses readiness (ProbedAfterReady).
  n.next_probe = n.probing ? clock_.Now() + ProbePeriod(*resource(i).readiness_probe)
                           : absl::InfiniteFuture();
  for (Observer* o : options_.observers) o->OnResourceReady(resource(i));
  Finish(i, n.up_to_date ? ResourceStatus::kUpToDate : ResourceStatus::kSucceeded, n.reason);
}

void Engine::Impl::Finish(int i, ResourceStatus status, std::string reason) {
  Node& n = nodes_[i];
  const bool was_final = IsFinal(n.status);
  const bool was_success = IsSuccess(n.status);
  if (!was_final) --unsettled_;
  self_trigger_.RunEnded(i, absl::Now());
  n.status = status;
  n.reason = std::move(reason);
  if (status == ResourceStatus::kFailed) {
    n.probing = false;
    // A serve process whose resource failed (probe timeout, crash after
    // ready) is not left running.
    if (n.serve_id != 0 && !stopping_.contains(n.serve_id)) {
      stopping_.insert(n.serve_id);
      executor_.Stop(n.serve_id);
    }
  }
  // A server that fails after it was ready keeps its time to ready.
  if (n.started != absl::InfinitePast() && !was_final) n.duration = clock_.Now() - n.started;
  if (!options_.observers.empty()) {
    const ResourceResult result = MakeResult(i);
    for (Observer* o : options_.observers) o->OnResourceFinished(resource(i), result);
  }
  if (n.rerun && status != ResourceStatus::kBlocked && status != ResourceStatus::kCancelled) {
    n.rerun = false;
    Rerun(i, std::move(n.trigger));
  }
  // A ready server that died or stopped answering later: dependents that
  // started have run; those still waiting are blocked below.
  if (was_final && !(was_success && status == ResourceStatus::kFailed)) return;

  if (IsSuccess(status)) {
    // Under `up` a failed resource can be fixed and re-run: what it blocked
    // waits again (Tilt's behaviour), and runs once its deps are done.
    if (up_) {
      std::vector<int> stack(graph_.dependents(i).begin(), graph_.dependents(i).end());
      while (!stack.empty()) {
        int d = stack.back();
        stack.pop_back();
        if (!selected_[d] || nodes_[d].status != ResourceStatus::kBlocked) continue;
        nodes_[d].status = ResourceStatus::kPending;
        nodes_[d].reason.clear();
        ++unsettled_;
        for (Observer* o : options_.observers) o->OnResourceQueued(resource(d), "");
        WaitForDeps(d);
        for (int dd : graph_.dependents(d)) stack.push_back(dd);
      }
    }
    for (int d : graph_.dependents(i)) {
      if (!selected_[d] || nodes_[d].status != ResourceStatus::kPending) continue;
      if (--nodes_[d].deps_left == 0) Enqueue(d);
    }
    return;
  }
  if (status != ResourceStatus::kFailed) return;
  // Block everything downstream that has not started, naming the failure.
  const std::string& failed = resource(i).name;
  std::vector<std::pair<int, int>> stack;  // (node, the dep it is blocked through)
  for (int d : graph_.dependents(i)) stack.emplace_back(d, i);
  while (!stack.empty()) {
    auto [d, via] = stack.back();
    stack.pop_back();
    Node& dn = nodes_[d];
    if (!selected_[d] || dn.status != ResourceStatus::kPending) continue;
    if (dn.queued) {
      ready_.erase({-priority_[d], d});
      dn.queued = false;
    }
    std::string why = via == i ? absl::StrCat("dependency '", failed, "' failed")
                               : absl::StrCat("dependency '", resource(via).name,
                                              "' blocked ('", failed, "' failed)");
    dn.status = ResourceStatus::kBlocked;
    --unsettled_;
    dn.reason = std::move(why);
    if (!options_.observers.empty()) {
      const ResourceResult blocked = MakeResult(d);
      for (Observer* o : options_.observers) o->OnResourceFinished(resource(d), blocked);
    }
    for (int dd : graph_.dependents(d)) stack.emplace_back(dd, d);
  }
}

std::string Engine::Impl::Why(int i, const CommandResult& r) const {
  const Node& n = nodes_[i];
  std::string why = r.kind == ExitKind::kTimedOut
                        ? absl::StrCat("timed out after ", DurationToString(resource(i).timeout))
                        : r.Describe();
  if (n.steps.size() > 1) return absl::StrCat(ShortCommand(*n.steps[n.step]), ": ", why);
  return why;
}

// A smoke (kind "smoke") ends its output with a one-line verdict ("3 routes
// ok, slowest /api/health 41 ms"): that line is its reason, after the exit
// status when it failed, so the summary and telemetry say what was checked.
std::string Engine::Impl::SmokeVerdict(int i, std::string reason, bool failed) const {
  const std::string& verdict = nodes_[i].update_last_line;
  if (resource(i).kind != "smoke" || verdict.empty()) return reason;
  return failed ? absl::StrCat(reason, ": ", verdict) : verdict;
}

void Engine::Impl::HandleResult(const CommandResult& r) {
  auto it = commands_.find(r.id);
  if (it == commands_.end()) return;
  const CommandRef ref = it->second;
  commands_.erase(it);
  const bool we_stopped = stopping_.erase(r.id) > 0;
  Node& n = nodes_[ref.node];
  if (ref.serve) {
    n.serve_id = 0;
    n.probing = false;
    if (we_stopped && n.restart_serve) {
      n.restart_serve = false;
      StartServe(ref.node);
      return;
    }
    if (we_stopped || n.status == ResourceStatus::kFailed) return;
    Fail(ref.node, n.was_ready
                       ? absl::StrCat("serve_cmd exited: ", r.Describe())
                       : absl::StrCat("serve_cmd exited before it was ready: ", r.Describe()));
    return;
  }
  n.update_id = 0;
  --updates_running_;
  if (!resource(ref.node).allow_parallel) --exclusive_running_;
  if (we_stopped) return;  // Teardown sets the status
  if (!r.ok()) {
    Fail(ref.node, r.kind == ExitKind::kExited ? SmokeVerdict(ref.node, Why(ref.node, r), true)
                                               : Why(ref.node, r));
    return;
  }
  if (++n.step < n.steps.size()) {
    ++updates_running_;
    if (!resource(ref.node).allow_parallel) ++exclusive_running_;
    StartStep(ref.node);
    return;
  }
  UpdateSucceeded(ref.node);
}

absl::Time Engine::Impl::NextProbeTime() const {
  absl::Time next = absl::InfiniteFuture();
  for (int i : probe_nodes_) {
    const Node& n = nodes_[i];
    if (n.probing && !n.probe_in_flight) next = std::min(next, n.next_probe);
  }
  return next;
}

void Engine::Impl::LaunchDueProbes() {
  const absl::Time now = clock_.Now();
  std::vector<int> done;
  for (int i : probe_nodes_) {
    Node& n = nodes_[i];
    if (!n.probing && !n.probe_in_flight) done.push_back(i);
    if (!n.probing || n.probe_in_flight || n.next_probe > now) continue;
    if (n.probe_thread.joinable()) n.probe_thread.join();
    n.probe_in_flight = true;
    // One attempt on a worker thread: a probe that takes its whole timeout
    // must not hold up the output and results of other commands. It wakes
    // the loop through the executor when done.
    n.probe_thread = std::thread([this, i, generation = n.probe_generation,
                                  serve = n.was_ready || executor_.simulated() ? 0 : n.serve_id,
                                  probe = *resource(i).readiness_probe] {
      absl::Status status = prober_ != nullptr ? prober_->Check(probe)
                                               : absl::InternalError("no prober");
      // A pass towards readiness counts only if this serve command answered.
      if (status.ok() && serve != 0) status = CheckProbePortOwner(probe, executor_, serve);
      {
        std::lock_guard<std::mutex> lock(probe_mu_);
        probe_outcomes_.push_back({i, generation, std::move(status)});
      }
      executor_.Interrupt();
      wakeup_.Notify();
    });
  }
  for (int i : done) {
    if (nodes_[i].probe_thread.joinable()) nodes_[i].probe_thread.join();
    probe_nodes_.erase(i);
  }
}

void Engine::Impl::CollectProbes() {
  std::vector<ProbeOutcome> outcomes;
  {
    std::lock_guard<std::mutex> lock(probe_mu_);
    outcomes.swap(probe_outcomes_);
  }
  const absl::Time now = clock_.Now();
  for (ProbeOutcome& o : outcomes) {
    Node& n = nodes_[o.node];
    if (n.probe_thread.joinable()) n.probe_thread.join();
    n.probe_in_flight = false;
    // The server died or was stopped meanwhile (or this probed an old one).
    if (!n.probing || o.generation != n.probe_generation) continue;
    if (n.was_ready) {
      ProbedAfterReady(o.node, o.status, now);
      continue;
    }
    const Probe& probe = *resource(o.node).readiness_probe;
    if (o.status.ok()) {
      if (++n.probe_passes >= std::max(1, probe.success_threshold)) {
        BecomeReady(o.node);
        continue;
      }
      n.next_probe = now + std::min(ProbePeriod(probe), kMaxFirstProbeInterval);
    } else {
      n.probe_passes = 0;
      n.probe_error = std::string(o.status.message());
      n.next_probe = now + n.probe_interval;
      n.probe_interval =
          std::min({n.probe_interval * 2, ProbePeriod(probe), kMaxFirstProbeInterval});
    }
  }
}

void Engine::Impl::ProbedAfterReady(int i, const absl::Status& status, absl::Time now) {
  Node& n = nodes_[i];
  const Resource& r = resource(i);
  const Probe& probe = *r.readiness_probe;
  n.next_probe = now + ProbePeriod(probe);
  if (status.ok()) {
    n.probe_failures = 0;
    ++n.probe_passes;
    if (n.ready || n.probe_passes < std::max(1, probe.success_threshold)) return;
    n.ready = true;
    for (Observer* o : options_.observers) o->OnReadinessChanged(r, true, "");
    return;
  }
  n.probe_passes = 0;
  n.probe_error = std::string(status.message());
  ++n.probe_failures;
  if (!n.ready || n.probe_failures < std::max(1, probe.failure_threshold)) return;
  n.ready = false;
  std::string why = absl::StrCat("not ready: ", ProbeToString(probe), " failed ", n.probe_failures,
                                 n.probe_failures == 1 ? " time: " : " times: ", n.probe_error);
  for (Observer* o : options_.observers) o->OnReadinessChanged(r, false, why);
  // Under `ci` the app died under whatever runs against it: the run fails
  // (and the server is stopped). Under `up` it is reported and probing
  // goes on, so a server that recovers is ready again.
  if (!up_) Fail(i, std::move(why));
}

void Engine::Impl::JoinProbes() {
  for (Node& n : nodes_) {
    if (n.probe_thread.joinable()) n.probe_thread.join();
    n.probe_in_flight = false;
  }
  probe_nodes_.clear();
  std::lock_guard<std::mutex> lock(probe_mu_);
  probe_outcomes_.clear();
}

void Engine::Impl::Teardown(const std::string& cause, bool timed_out) {
  tearing_down_ = true;
  for (const auto& [id, ref] : commands_) {
    if (stopping_.insert(id).second) executor_.Stop(id);
  }
  while (!commands_.empty()) {
    std::optional<CommandResult> r = executor_.Wait(absl::InfiniteFuture(), *this);
    if (!r.has_value()) {
      if (executor_.running() == 0) break;  // nothing left that could report
      continue;
    }
    auto it = commands_.find(r->id);
    if (it == commands_.end()) continue;
    const CommandRef ref = it->second;
    commands_.erase(it);
    stopping_.erase(r->id);
    Node& n = nodes_[ref.node];
    if (ref.serve) {
      n.serve_id = 0;
    } else {
      n.update_id = 0;
    }
  }
  JoinProbes();
  JoinGates();
  // Whatever had not reached a final status ends here, with the cause:
  // first what was running (a server that never became ready fails and
  // blocks its dependents), then what never started.
  for (int i = 0; i < graph_.size(); ++i) {
    Node& n = nodes_[i];
    if (!selected_[i] || n.status != ResourceStatus::kRunning) continue;
    if (n.probing && !n.was_ready && timed_out) {
      Finish(i, ResourceStatus::kFailed,
             absl::StrCat("not ready after ", DurationToString(clock_.Now() - n.started), ": ",
                          n.probe_error));
    } else {
      Finish(i, ResourceStatus::kCancelled, cause);
    }
  }
  for (int i = 0; i < graph_.size(); ++i) {
    if (selected_[i] && nodes_[i].status == ResourceStatus::kPending) {
      Finish(i, ResourceStatus::kCancelled, absl::StrCat("not started: ", cause));
    }
  }
  updates_running_ = 0;
  exclusive_running_ = 0;
}

RunResult Engine::Impl::BuildResult(absl::Time start, std::string error) {
  RunResult result;
  result.error = redactor_.Redact(error);
  result.duration = clock_.Now() - start;
  result.ok = result.error.empty();
  for (int i = 0; i < graph_.size(); ++i) {
    if (selected_[i] && !IsSuccess(nodes_[i].status)) result.ok = false;
    result.resources.push_back(MakeResult(i));
  }
  return result;
}

ResourceResult Engine::Impl::MakeResult(int i) const {
  const Node& n = nodes_[i];
  ResourceResult r;
  r.name = resource(i).name;
  r.status = n.status;
  r.duration = n.duration;
  r.reason = redactor_.Redact(n.reason);
  if (n.status == ResourceStatus::kFailed) {
    for (const std::string& line : n.last_lines) r.last_lines.push_back(redactor_.Redact(line));
  }
  return r;
}

absl::Status Engine::Impl::StartWatching() {
  // Every auto resource's deps, selected or not: one a trigger selects
  // later is watched from then on (OnFilesChanged skips the unselected).
  std::vector<std::filesystem::path> paths;
  for (int i = 0; i < graph_.size(); ++i) {
    if (resource(i).trigger_mode != TriggerMode::kAuto) continue;
    for (const auto& dep : watches_[i].deps) paths.push_back(dep);
  }
  watched_paths_ = paths;
  if (paths.empty()) return absl::OkStatus();
  FileWatcherOptions options;
  options.root = project_.root;
  options.ignore = project_ignore_;
  // Called on the watcher's thread: both wake-ups are thread-safe.
  options.on_changes = [this] {
    executor_.Interrupt();
    wakeup_.Notify();
  };
  FOPS_ASSIGN_OR_RETURN(watcher_, FileWatcher::Create(paths, std::move(options)));
  return absl::OkStatus();
}

void Engine::Impl::OnFilesChanged(const std::vector<FileChange>& changes) {
  for (int i = 0; i < graph_.size(); ++i) {
    const WatchSpec& watch = watches_[i];
    if (watch.deps.empty() || !selected_[i] || disabled_[i] ||
        resource(i).trigger_mode != TriggerMode::kAuto) {
      continue;
    }
    std::vector<FileChange> changed_here;
    for (const FileChange& change : changes) {
      const std::filesystem::path p(change.path);
      for (const auto& dep : watch.deps) {
        auto [d, c] = std::mismatch(dep.begin(), dep.end(), p.begin(), p.end());
        if (d != dep.end()) continue;
        // p is dep or under it. A file listed in deps itself is never
        // ignored by the resource's own patterns (an image's Dockerfile
        // that its .dockerignore names is still an input).
        if (c != p.end() && !watch.ignore.empty() && watch.ignore.Matches(p)) break;
        changed_here.push_back(change);
        break;
      }
    }
    if (changed_here.empty()) continue;
    const bool outside = self_trigger_.Changed(i, changed_here);
    if (self_trigger_.paused(i)) {
      if (!outside) continue;  // its own late writes do not resume it
      self_trigger_.Resume(i);
    }
    std::vector<std::string> mine;
    for (const FileChange& change : changed_here) mine.push_back(change.path);
    std::string first = project_.root.empty()
                            ? mine[0]
                            : std::filesystem::path(mine[0]).lexically_relative(project_.root).string();
    std::string reason = mine.size() == 1
                             ? absl::StrCat("rebuilt: ", first, " changed")
                             : absl::StrCat("rebuilt: ", first, " and ", mine.size() - 1,
                                            mine.size() == 2 ? " more file changed" : " more files changed");
    Rerun(i, std::move(reason));
  }
}

void Engine::Impl::Rerun(int i, std::string reason) {
  Node& n = nodes_[i];
  if (tearing_down_ || disabled_[i]) return;
  switch (n.status) {
    case ResourceStatus::kPending:  // its first run is still to come
    case ResourceStatus::kBlocked:  // a dependency failed: nothing to gain
    case ResourceStatus::kNotRun:
      return;
    case ResourceStatus::kRunning:
      // Tilt's rule: a change during a build queues one more build after it.
      n.rerun = true;
      n.trigger = std::move(reason);
      return;
    default:
      break;
  }
  if (self_trigger_.ShouldPause(i)) {
    Pause(i);
    return;
  }
  // A re-run does not wait for deps (they ordered the first start only).
  Reopen(i, std::move(reason), /*wait_for_deps=*/false);
}

void Engine::Impl::Pause(int i) {
  Node& n = nodes_[i];
  const Resource& r = resource(i);
  n.rerun = false;
  n.reason = self_trigger_.Reason(i, r.name, r.kind);
  for (Observer* o : options_.observers) o->OnResourcePaused(r, n.reason);
}

void Engine::Impl::Reopen(int i, std::string reason, bool wait_for_deps) {
  Node& n = nodes_[i];
  const bool was_success = IsSuccess(n.status);
  n.status = ResourceStatus::kPending;
  ++unsettled_;
  for (Observer* o : options_.observers) o->OnResourceQueued(resource(i), reason);
  n.trigger = std::move(reason);
  n.deps_left = wait_for_deps ? DepsLeft(i) : 0;
  if (n.deps_left == 0) {
    Enqueue(i);
  } else {
    WaitForDeps(i);
  }
  if (!was_success) return;
  // Dependents still waiting count it as not done again.
  for (int d : graph_.dependents(i)) {
    Node& dn = nodes_[d];
    if (!selected_[d] || dn.status != ResourceStatus::kPending) continue;
    ++dn.deps_left;
    if (dn.queued) {
      ready_.erase({-priority_[d], d});
      dn.queued = false;
    }
    WaitForDeps(d);
  }
}

int Engine::Impl::DepsLeft(int i) const {
  int left = 0;
  for (int d : graph_.deps(i)) {
    if (selected_[d] && !IsSuccess(nodes_[d].status)) ++left;
  }
  return left;
}

void Engine::Impl::Select(int i) {
  if (selected_[i]) return;
  selected_[i] = 1;
  priority_[i] = ChainPriority(i);
}

int Engine::Impl::ChainPriority(int i) const {
  int longest = 0;
  for (int d : graph_.dependents(i)) {
    if (selected_[d]) longest = std::max(longest, priority_[d]);
  }
  return 1 + longest;
}

absl::Status Engine::Impl::UnknownName(const absl::Status& why) const {
  constexpr int kMaxNamed = 30;
  std::vector<std::string> names;
  for (int i = 0; i < graph_.size() && i < kMaxNamed; ++i) names.push_back(resource(i).name);
  if (graph_.size() > kMaxNamed) names.push_back("...");
  return absl::NotFoundError(absl::StrCat(why.message(), "; defined: ",
                                          names.empty() ? "none" : absl::StrJoin(names, ", ")));
}

absl::Status Engine::Impl::Trigger(std::string_view name) {
  std::lock_guard<std::mutex> graph_lock(graph_mu_);
  absl::StatusOr<std::vector<int>> closure = graph_.Closure({std::string(name)});
  if (!closure.ok()) return UnknownName(closure.status());
  if (!in_up_.load()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot trigger '", ToAbsl(name), "': no `fops up` session is running"));
  }
  {
    std::lock_guard<std::mutex> lock(trigger_mu_);
    if (disabled_asked_[graph_.Find(name)]) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot trigger '", ToAbsl(name), "': it is disabled; enable it first"));
    }
    for (int d : *closure) {
      if (!disabled_asked_[d]) continue;
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot trigger '", ToAbsl(name), "': it needs '", resource(d).name, "', which is disabled"));
    }
  }
  // Refused before anything of it runs, as at start-up.
  if (std::vector<std::string> refused = Refusals(*closure); !refused.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("cannot trigger '", ToAbsl(name), "':\n",
                                                      absl::StrJoin(refused, "\n")));
  }
  {
    std::lock_guard<std::mutex> lock(trigger_mu_);
    triggers_.push_back(graph_.Find(name));
  }
  executor_.Interrupt();
  wakeup_.Notify();
  return absl::OkStatus();
}

absl::Status Engine::Impl::SetEnabled(std::string_view name, bool enabled) {
  std::lock_guard<std::mutex> graph_lock(graph_mu_);
  const int i = graph_.Find(name);
  if (i < 0) {
    return UnknownName(absl::NotFoundError(absl::StrCat("unknown resource '", ToAbsl(name), "'")));
  }
  if (!in_up_.load()) {
    return absl::FailedPreconditionError(absl::StrCat("cannot ", enabled ? "enable" : "disable",
                                                      " '", ToAbsl(name),
                                                      "': no `fops up` session is running"));
  }
  {
    std::lock_guard<std::mutex> lock(trigger_mu_);
    disabled_asked_[i] = !enabled;
    enable_changes_.emplace_back(i, enabled);
  }
  executor_.Interrupt();
  wakeup_.Notify();
  return absl::OkStatus();
}

void Engine::Impl::DrainTriggers() {
  std::vector<int> asked;
  std::vector<std::pair<int, bool>> enables;
  {
    std::lock_guard<std::mutex> lock(trigger_mu_);
    asked.swap(triggers_);
    enables.swap(enable_changes_);
  }
  for (const auto& [i, enabled] : enables) ApplyEnabled(i, enabled);
  for (int i : asked) TriggerNow(i);
}

void Engine::Impl::ApplyEnabled(int i, bool enabled) {
  if (disabled_[i] == !enabled) return;
  disabled_[i] = !enabled;
  for (Observer* o : options_.observers) o->OnResourceEnabled(resource(i), enabled);
  if (enabled) {
    self_trigger_.Resume(i);  // a person's action: a pause does not outlive it
    return;
  }
  // What has not started yet does not start; what runs finishes (a change
  // meanwhile does not queue another update).
  Node& n = nodes_[i];
  n.rerun = false;
  if (!selected_[i] || n.status != ResourceStatus::kPending) return;
  if (n.queued) {
    ready_.erase({-priority_[i], i});
    n.queued = false;
  }
  Finish(i, ResourceStatus::kCancelled, "disabled");
}

void Engine::Impl::TriggerNow(int target) {
  if (tearing_down_ || disabled_[target]) return;
  const Resource& r = resource(target);
  // Deps first (the closure is in topological order): each that has not
  // succeeded and is not on its way is queued too, as Tilt does.
  absl::StatusOr<std::vector<int>> closure = graph_.Closure({r.name});
  if (!closure.ok()) return;  // cannot happen: Trigger() checked the name
  for (int d : *closure) {
    if (d == target) continue;
    Select(d);
    const ResourceStatus s = nodes_[d].status;
    if (IsSuccess(s) || s == ResourceStatus::kPending || s == ResourceStatus::kRunning) continue;
    nodes_[d].forced = true;
    Reopen(d, absl::StrCat("triggered: needed by '", r.name, "'"));
  }
  Select(target);
  self_trigger_.Triggered(target);  // a person asked: not a self-trigger, and a pause ends
  Node& n = nodes_[target];
  switch (n.status) {
    case ResourceStatus::kPending:  // already on its way
      return;
    case ResourceStatus::kRunning:  // exactly one more update after this one
      n.rerun = true;
      n.forced = true;
      n.trigger = "triggered";
      return;
    default:
      break;
  }
  n.forced = true;
  n.reason.clear();
  Reopen(target, "triggered");
}

absl::StatusOr<ReloadPlan> Engine::Impl::Reload(Project next) {
  if (!in_up_.load()) {
    return absl::FailedPreconditionError("cannot reload: no `fops up` session is running");
  }
  // Nothing is applied unless all of it checks out; the views say why.
  auto refuse = [this](absl::Status status) {
    ReloadFailed(std::string(status.message()));
    return status;
  };
  absl::StatusOr<ResourceGraph> graph = ResourceGraph::Build(next.resources);
  if (!graph.ok()) return refuse(graph.status());
  absl::StatusOr<std::vector<int>> closure = SelectionClosure(*graph, options_.selection);
  if (!closure.ok()) return refuse(closure.status());
  absl::StatusOr<std::vector<WatchSpec>> watches = Watches(next, *graph);
  if (!watches.ok()) return refuse(watches.status());

  std::lock_guard<std::mutex> lock(reload_mu_);
  ReloadPlan plan = PlanReload(accepted_, next);
  // What the reload adds or changes passes the policy before anything of
  // it runs, as at start-up; what is unchanged passed when it came.
  absl::flat_hash_set<std::string> fresh(plan.added.begin(), plan.added.end());
  fresh.insert(plan.changed.begin(), plan.changed.end());
  std::vector<std::string> refused;
  for (int i : *closure) {
    const Resource& r = graph->resource(i);
    if (fresh.contains(r.name)) AddRefusals(r, next.root, executor_.policy(), refused);
  }
  if (!refused.empty()) {
    std::string why = absl::StrCat("reload refused, nothing of it applied:\n",
                                   absl::StrJoin(refused, "\n"));
    reload_errors_.push_back(why);
    executor_.Interrupt();
    wakeup_.Notify();
    return absl::FailedPreconditionError(why);
  }
  std::vector<char> base(graph->size(), 0);
  for (int i : *closure) base[i] = 1;
  accepted_ = next;
  pending_reload_ = PendingReload{.project = std::move(next),
                                  .graph = *std::move(graph),
                                  .watches = *std::move(watches),
                                  .base_selected = std::move(base)};
  executor_.Interrupt();
  wakeup_.Notify();
  return plan;
}

void Engine::Impl::ReloadFailed(std::string error) {
  {
    std::lock_guard<std::mutex> lock(reload_mu_);
    reload_errors_.push_back(std::move(error));
  }
  executor_.Interrupt();
  wakeup_.Notify();
}

void Engine::Impl::DrainReloads() {
  std::vector<std::string> errors;
  std::optional<PendingReload> next;
  {
    std::lock_guard<std::mutex> lock(reload_mu_);
    errors.swap(reload_errors_);
    next.swap(pending_reload_);
  }
  for (std::string& error : errors) NotifyReload(ReloadEvent{.error = std::move(error)});
  if (next.has_value()) {
    // A newer reload replaces one still waiting; what that one stopped
    // stays marked, so it runs again.
    doomed_.resize(graph_.size(), 0);
    for (int i = 0; i < graph_.size(); ++i) {
      const int j = next->graph.Find(resource(i).name);
      if (j < 0 || !SameDefinition(resource(i), next->graph.resource(j))) doomed_[i] = 1;
    }
    applying_ = std::move(next);
  }
  if (!applying_) return;
  StopDoomed();
  if (ReadyToSwap()) SwapIn();
}

void Engine::Impl::StopDoomed() {
  for (int i = 0; i < graph_.size(); ++i) {
    if (!doomed_[i]) continue;
    Node& n = nodes_[i];
    if (n.queued) {
      ready_.erase({-priority_[i], i});
      n.queued = false;
    }
    n.rerun = false;
    n.restart_serve = false;
    n.probing = false;
    for (uint64_t id : {n.update_id, n.serve_id}) {
      if (id != 0 && stopping_.insert(id).second) executor_.Stop(id);
    }
  }
}

bool Engine::Impl::ReadyToSwap() const {
  for (const auto& [id, ref] : commands_) {
    if (doomed_[ref.node]) return false;
  }
  return !GatesInFlight() && !ProbesInFlight();
}

void Engine::Impl::SwapIn() {
  PendingReload next = *std::move(applying_);
  applying_.reset();
  const ResourceGraph& ng = next.graph;
  const int old_size = graph_.size();
  std::vector<int> remap(old_size, -1);  // old index -> new, for what keeps running
  std::vector<char> fresh(ng.size(), 0);  // added or changed: runs anew
  std::vector<Node> nodes(ng.size());
  std::vector<char> selected(ng.size(), 0);
  std::vector<char> disabled(ng.size(), 0);
  ReloadEvent event;
  for (int j = 0; j < ng.size(); ++j) {
    const std::string& name = ng.resource(j).name;
    const int o = graph_.Find(name);
    selected[j] = next.base_selected[j];
    if (o < 0) {
      fresh[j] = 1;
      event.added.push_back(name);
      continue;
    }
    disabled[j] = disabled_[o];
    if (doomed_[o]) {
      fresh[j] = 1;
      event.changed.push_back(name);
      continue;
    }
    remap[o] = j;
    Node& n = nodes_[o];
    if (n.probe_thread.joinable()) n.probe_thread.join();
    if (n.gate_thread.joinable()) n.gate_thread.join();
    nodes[j] = std::move(n);
    // A resource a trigger selected stays selected.
    if (selected_[o]) selected[j] = 1;
    // Its steps pointed into the old graph: the same commands in the new.
    Node& moved = nodes[j];
    if (!moved.steps.empty()) {
      const Resource& r = ng.resource(j);
      moved.steps.clear();
      if (!r.cmd.empty()) moved.steps.push_back(&r.cmd);
      for (const Command& c : r.then_cmds) {
        if (!c.empty()) moved.steps.push_back(&c);
      }
    }
  }
  for (int o = 0; o < old_size; ++o) {
    if (ng.Find(resource(o).name) < 0) event.removed.push_back(resource(o).name);
  }
  for (auto& [id, ref] : commands_) ref.node = remap[ref.node];  // none is doomed: ReadyToSwap
  absl::flat_hash_set<int> probing;
  for (int i : probe_nodes_) {
    if (remap[i] >= 0) probing.insert(remap[i]);
  }
  probe_nodes_ = std::move(probing);
  {
    std::lock_guard<std::mutex> graph_lock(graph_mu_);
    std::lock_guard<std::mutex> trigger_lock(trigger_mu_);
    std::vector<char> asked(ng.size(), 0);
    for (int o = 0; o < old_size; ++o) {
      const int j = ng.Find(resource(o).name);
      if (j >= 0) asked[j] = disabled_asked_[o];
    }
    auto moved_index = [&](int o) { return ng.Find(resource(o).name); };
    std::vector<int> triggers;
    for (int o : triggers_) {
      if (int j = moved_index(o); j >= 0) triggers.push_back(j);
    }
    std::vector<std::pair<int, bool>> enables;
    for (const auto& [o, enabled] : enable_changes_) {
      if (int j = moved_index(o); j >= 0) enables.emplace_back(j, enabled);
    }
    triggers_ = std::move(triggers);
    enable_changes_ = std::move(enables);
    disabled_asked_ = std::move(asked);
    project_ = std::move(next.project);
    graph_ = std::move(next.graph);
  }
  watches_ = std::move(next.watches);
  self_trigger_.Renumber(remap, graph_.size());
  nodes_ = std::move(nodes);
  selected_ = std::move(selected);
  disabled_ = std::move(disabled);
  doomed_.clear();
  priority_.assign(graph_.size(), 0);
  const std::vector<int>& topo = graph_.topological_order();
  for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
    if (selected_[*it]) priority_[*it] = ChainPriority(*it);
  }
  run_selected_ = selected_;
  run_priority_ = priority_;
  redactor_ = ProjectRedactor(project_);
  if (redacting_ != nullptr) redacting_->SetRedactor(redactor_);
  if (options_.gate != nullptr) options_.gate->SetRedactor(redactor_);
  // What counts against the slots is what runs now.
  updates_running_ = 0;
  exclusive_running_ = 0;
  for (const auto& [id, ref] : commands_) {
    if (ref.serve) continue;
    ++updates_running_;
    if (!resource(ref.node).allow_parallel) ++exclusive_running_;
  }
  // Observers learn of the new project before any event of its resources.
  NotifyReload(event);
  // The watcher follows the new deps.
  std::vector<std::filesystem::path> paths;
  for (int i = 0; i < graph_.size(); ++i) {
    if (resource(i).trigger_mode != TriggerMode::kAuto) continue;
    for (const auto& dep : watches_[i].deps) paths.push_back(dep);
  }
  if (paths != watched_paths_) {
    watcher_.reset();
    if (absl::Status watching = StartWatching(); !watching.ok()) {
      for (Observer* o : options_.observers) {
        o->OnReload(project_, ReloadEvent{.error = absl::StrCat("watching files: ",
                                                                watching.message())});
      }
    }
  }
  // Added and changed resources of the selection run (after their deps);
  // what waits counts its deps again, since some run anew.
  ready_.clear();
  unsettled_ = 0;
  for (int j : topo) {
    Node& n = nodes_[j];
    if (!selected_[j]) continue;
    if (fresh[j] && !disabled_[j]) {
      n.status = ResourceStatus::kPending;
      const bool added = absl::c_linear_search(event.added, resource(j).name);
      n.trigger = added ? "reloaded: new resource" : "reloaded: definition changed";
      for (Observer* o : options_.observers) o->OnResourceQueued(resource(j), n.trigger);
    }
    if (!IsFinal(n.status)) ++unsettled_;
  }
  for (int j : topo) {
    Node& n = nodes_[j];
    if (!selected_[j] || n.status != ResourceStatus::kPending) continue;
    n.queued = false;
    n.deps_left = DepsLeft(j);
    if (n.deps_left == 0) {
      Enqueue(j);
    } else {
      WaitForDeps(j);
    }
  }
}

RunResult Engine::Impl::Run(bool up) {
  Reset();
  tearing_down_ = false;
  up_ = up;
  const absl::Time start = clock_.Now();
  absl::Duration timeout = options_.timeout;
  if (timeout <= absl::ZeroDuration() && !up) timeout = project_.settings.ci_timeout;
  const absl::Time deadline =
      timeout > absl::ZeroDuration() ? start + timeout : absl::InfiniteFuture();
  const std::string session = NewSessionId();
  const RunStart run_start{.session_id = session, .simulated = executor_.simulated()};
  for (Observer* o : options_.observers) o->OnRunStarted(run_start);

  for (int i : graph_.topological_order()) {
    if (!selected_[i]) continue;
    for (Observer* o : options_.observers) o->OnResourceQueued(resource(i), "");
    if (nodes_[i].deps_left == 0) {
      Enqueue(i);
    } else {
      WaitForDeps(i);
    }
  }
  std::string error;
  bool timed_out = false;
  in_up_.store(up);
  if (up) {
    if (absl::Status watching = StartWatching(); !watching.ok()) {
      error = absl::StrCat("watching files: ", watching.message());
      stop_requested_.store(true);
    }
  }
  while (true) {
    if (stop_requested_.load()) {
      if (error.empty()) error = "interrupted";
      break;
    }
    if (watcher_ != nullptr) {
      std::vector<FileChange> changed = watcher_->ReadFileChanges();
      if (!changed.empty()) OnFilesChanged(changed);
    }
    if (up) DrainTriggers();
    CollectProbes();
    CollectGates();
    if (up) DrainReloads();
    // While a reload waits for what it stops, nothing new starts: it would
    // run the old definitions.
    if (!applying_) StartReady();
    if (!up && Settled()) break;
    const absl::Time now = clock_.Now();
    if (now >= deadline) {
      error = absl::StrCat("timed out after ", DurationToString(timeout));
      timed_out = true;
      break;
    }
    if (!applying_) LaunchDueProbes();
    const bool probes_in_flight = ProbesInFlight();
    const bool gates_in_flight = GatesInFlight();
    if ((probes_in_flight || gates_in_flight) && executor_.simulated()) {
      // A probe or a gate check takes no virtual time: its outcome is in
      // before the simulated clock may move on (its thread wakes us).
      wakeup_.WaitUntil(absl::InfiniteFuture());
      continue;
    }
    const absl::Time wake = std::min(deadline, NextProbeTime());
    if (commands_.empty() && !probes_in_flight && !gates_in_flight) {
      // Nothing runs that could report: under `up`, sit until stopped (or
      // until a probe is due); under `ci` this cannot happen while work is
      // left, since a resource with its deps done is always startable.
      if (!up && wake == absl::InfiniteFuture()) {
        error = "internal error: no resource can make progress";
        break;
      }
      wakeup_.WaitUntil(wake);
      continue;
    }
    std::optional<CommandResult> r = executor_.Wait(wake, *this);
    if (r.has_value()) HandleResult(*r);
  }
  // Stopping a session at the user's request after everything came up is
  // how `up` ends; it is only an interruption if work was cut short.
  if (up && error == "interrupted" && Settled()) error.clear();
  in_up_.store(false);
  applying_.reset();
  watcher_.reset();
  Teardown(error.empty() ? "stopped" : error, timed_out);
  RunResult result = BuildResult(start, error);
  for (Observer* o : options_.observers) o->OnRunFinished(result);
  return result;
}

absl::StatusOr<std::vector<int>> Engine::Impl::SelectionClosure(
    const ResourceGraph& graph, const std::vector<std::string>& selection) {
  std::vector<std::string> roots = selection;
  if (roots.empty()) {
    for (const Resource& r : graph.resources()) {
      if (r.auto_init && r.trigger_mode == TriggerMode::kAuto) roots.push_back(r.name);
    }
  }
  absl::StatusOr<std::vector<int>> closure = graph.Closure(roots);
  if (!closure.ok()) return Annotate(closure.status(), "selecting resources");
  return closure;
}

absl::StatusOr<std::vector<Engine::Impl::WatchSpec>> Engine::Impl::Watches(
    const Project& project, const ResourceGraph& graph) {
  // Watched paths and ignore patterns, checked now so a bad pattern is a
  // load error with its Tiltfile line, not a surprise under `up`.
  std::vector<WatchSpec> watches(graph.size());
  std::vector<std::string> problems;
  for (int i = 0; i < graph.size(); ++i) {
    const Resource& r = graph.resource(i);
    if (r.deps.empty()) continue;
    std::error_code no_cwd;  // a deleted cwd leaves relative deps relative
    const std::filesystem::path root = project.root.empty()
                                           ? std::filesystem::current_path(no_cwd)
                                           : std::filesystem::path(project.root);
    for (const std::string& dep : r.deps) {
      std::filesystem::path path = (root / dep).lexically_normal();
      if (!path.has_filename() && path.has_parent_path()) path = path.parent_path();  // "src/"
      watches[i].deps.push_back(std::move(path));
    }
    absl::StatusOr<IgnoreMatcher> ignore = IgnoreMatcher::Create(root, r.ignore);
    if (!ignore.ok()) {
      std::string at = r.declared_at.ToString();
      problems.push_back(absl::StrCat(at.empty() ? "" : absl::StrCat(at, ": "), "resource '",
                                      r.name, "': ignore: ", ignore.status().message()));
      continue;
    }
    watches[i].ignore = std::move(*ignore);
  }
  if (!problems.empty()) return absl::InvalidArgumentError(absl::StrJoin(problems, "\n"));
  return watches;
}

// .tiltignore beside the Tiltfile: what no resource's change may report.
// Read once, when the session starts: the watcher is set up with it.
absl::StatusOr<std::vector<std::string>> Engine::Impl::ProjectIgnore(const Project& project) {
  if (project.root.empty()) return std::vector<std::string>{};
  return ReadIgnoreFile(std::filesystem::path(project.root) / kTiltignore);
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(Project project, Executor& executor,
                                                       EngineOptions options) {
  FOPS_ASSIGN_OR_RETURN(ResourceGraph graph, ResourceGraph::Build(project.resources));
  FOPS_ASSIGN_OR_RETURN(std::vector<int> closure,
                        Impl::SelectionClosure(graph, options.selection));
  std::vector<char> selected(graph.size(), 0);
  for (int i : closure) selected[i] = 1;

  int max_parallel = options.max_parallel > 0 ? options.max_parallel
                                              : project.settings.max_parallel_updates;
  if (options.max_parallel < 0 || max_parallel < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_parallel_updates must be at least 1, got ", max_parallel));
  }
  FOPS_ASSIGN_OR_RETURN(std::vector<Impl::WatchSpec> watches, Impl::Watches(project, graph));
  FOPS_ASSIGN_OR_RETURN(std::vector<std::string> project_ignore, Impl::ProjectIgnore(project));

  const CommandPolicy& policy =
      options.policy != nullptr ? *options.policy : DefaultCommandPolicy();
  // Every command the selection would run passes the policy now, before the
  // first one starts: a refusal halfway through a run would leave half a
  // deployment behind.
  std::vector<std::string> refused;
  for (int i : closure) AddRefusals(graph.resource(i), project.root, policy, refused);
  if (!refused.empty()) return absl::FailedPreconditionError(absl::StrJoin(refused, "\n"));
  auto impl = std::make_unique<Impl>(std::move(project), std::move(graph), executor,
                                     std::move(options), policy, std::move(selected),
                                     max_parallel, std::move(watches));
  impl->SetProjectIgnore(std::move(project_ignore));
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;
RunResult Engine::Ci() { return impl_->Run(/*up=*/false); }
RunResult Engine::Up() { return impl_->Run(/*up=*/true); }
void Engine::RequestStop() { impl_->RequestStop(); }
absl::Status Engine::Trigger(std::string_view name) { return impl_->Trigger(name); }
absl::Status Engine::SetEnabled(std::string_view name, bool enabled) {
  return impl_->SetEnabled(name, enabled);
}
absl::StatusOr<ReloadPlan> Engine::Reload(Project next) { return impl_->Reload(std::move(next)); }
void Engine::ReloadFailed(std::string error) { impl_->ReloadFailed(std::move(error)); }
std::vector<std::string> Engine::ResourceNames() const { return impl_->ResourceNames(); }
const Project& Engine::project() const { return impl_->project(); }

}  // namespace fops
