#include "fops/exec/scripted_executor.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <queue>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "fops/base/clock.h"
#include "fops/base/shell_quote.h"
#include "fops/exec/wakeup.h"

namespace fops {

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Greedy with one backtrack point (the last `*`): linear for the usual
  // patterns, never exponential.
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

// Virtual time in one atomic: read on every start and wait, so it must be
// cheaper than a mutex, and readable from other threads (Clock's contract).
class VirtualClock : public Clock {
 public:
  explicit VirtualClock(absl::Time start) : nanos_(absl::ToUnixNanos(start)) {}
  absl::Time Now() const override {
    return absl::FromUnixNanos(nanos_.load(std::memory_order_relaxed));
  }
  void AdvanceTo(absl::Time t) {
    nanos_.store(absl::ToUnixNanos(t), std::memory_order_relaxed);
  }

 private:
  std::atomic<int64_t> nanos_;
};

}  // namespace

class ScriptedExecutor::Impl {
 public:
  struct Running {
    absl::Time started;
    int rule = -1;  // index into rules, -1: no rule matched
    uint64_t seq = 0;
  };
  struct Due {
    absl::Time at;
    uint64_t seq;  // start order: breaks ties, and tells stale entries apart
    uint64_t id;
    ExitKind kind;
    int exit_code;
    bool operator>(const Due& other) const {
      return at != other.at ? at > other.at : seq > other.seq;
    }
  };

  // The newest rule matching `spec`, or -1.
  int Match(const CommandSpec& spec) const {
    if (rules.empty()) return -1;
    const std::string joined = ShellJoin(spec.argv);
    const bool shell = spec.argv.size() == 3 && spec.argv[0] == "sh" && spec.argv[1] == "-c";
    for (int i = static_cast<int>(rules.size()) - 1; i >= 0; --i) {
      const std::string& pattern = rules[i].pattern;
      if (GlobMatch(pattern, joined) || (shell && GlobMatch(pattern, spec.argv[2]))) return i;
    }
    return -1;
  }

  VirtualClock clock{Clock::Real().Now()};
  std::vector<ScriptedRule> rules;
  std::vector<CommandSpec> calls;
  absl::flat_hash_map<uint64_t, Running> running;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due;
  std::deque<CommandResult> stopped;
  std::deque<std::pair<uint64_t, int>> unprinted;  // (id, rule) whose output is due
  uint64_t next_seq = 0;
  Wakeup wakeup;
};

ScriptedExecutor::ScriptedExecutor() : impl_(std::make_unique<Impl>()) {}
ScriptedExecutor::~ScriptedExecutor() = default;

void ScriptedExecutor::AddRule(ScriptedRule rule) { impl_->rules.push_back(std::move(rule)); }

const std::vector<CommandSpec>& ScriptedExecutor::calls() const { return impl_->calls; }

const Clock& ScriptedExecutor::clock() const { return impl_->clock; }

absl::Status ScriptedExecutor::Start(const CommandSpec& spec) {
  Impl& s = *impl_;
  if (s.running.contains(spec.id)) {
    return absl::InternalError("command id already running");
  }
  s.calls.push_back(spec);
  const absl::Time now = s.clock.Now();
  const int rule = s.Match(spec);
  const uint64_t seq = s.next_seq++;
  s.running[spec.id] = Impl::Running{.started = now, .rule = rule, .seq = seq};
  if (rule >= 0 && !s.rules[rule].output.empty()) s.unprinted.emplace_back(spec.id, rule);

  // A serve command with no rule, or a rule that says so, runs until
  // stopped; anything else ends after its delay, or at its timeout.
  const bool until_stopped = rule < 0 ? spec.serve : s.rules[rule].serve_until_stopped;
  const bool has_timeout = spec.timeout > absl::ZeroDuration();
  absl::Duration delay = rule < 0 ? absl::ZeroDuration() : s.rules[rule].delay;
  Impl::Due due{.at = now, .seq = seq, .id = spec.id, .kind = ExitKind::kExited,
                .exit_code = rule < 0 ? 0 : s.rules[rule].exit_code};
  if (has_timeout && (until_stopped || delay > spec.timeout)) {
    due.at = now + spec.timeout;
    due.kind = ExitKind::kTimedOut;
    due.exit_code = 0;
  } else if (until_stopped) {
    return absl::OkStatus();
  } else {
    due.at = now + delay;
  }
  s.due.push(due);
  return absl::OkStatus();
}

std::optional<CommandResult> ScriptedExecutor::Wait(absl::Time deadline,
                                                    OutputListener& listener) {
  Impl& s = *impl_;
  if (s.wakeup.Consume()) return std::nullopt;
  while (!s.unprinted.empty()) {
    auto [id, rule] = s.unprinted.front();
    s.unprinted.pop_front();
    if (!s.running.contains(id)) continue;  // stopped before it printed
    for (const std::string& line : s.rules[rule].output) listener.OnLine(id, Stream::kStdout, line);
  }
  if (!s.stopped.empty()) {
    CommandResult result = s.stopped.front();
    s.stopped.pop_front();
    return result;
  }
  // Entries of commands stopped meanwhile are stale.
  while (!s.due.empty()) {
    auto it = s.running.find(s.due.top().id);
    if (it != s.running.end() && it->second.seq == s.due.top().seq) break;
    s.due.pop();
  }
  const absl::Time now = s.clock.Now();
  if (!s.due.empty() && s.due.top().at <= deadline) {
    Impl::Due d = s.due.top();
    s.due.pop();
    if (d.at > now) s.clock.AdvanceTo(d.at);
    auto it = s.running.find(d.id);
    CommandResult result{.id = d.id, .kind = d.kind, .exit_code = d.exit_code,
                         .duration = d.at - it->second.started};
    s.running.erase(it);
    return result;
  }
  if (deadline == absl::InfiniteFuture()) {
    // Nothing can finish by itself (only commands that run until stopped):
    // wait for real, for Interrupt(), as a real executor would.
    if (!s.running.empty()) s.wakeup.WaitUntil(deadline);
    return std::nullopt;
  }
  if (deadline > now) s.clock.AdvanceTo(deadline);
  return std::nullopt;
}

void ScriptedExecutor::Stop(uint64_t id) {
  Impl& s = *impl_;
  auto it = s.running.find(id);
  if (it == s.running.end()) return;
  s.stopped.push_back(CommandResult{.id = id, .kind = ExitKind::kStopped,
                                    .duration = s.clock.Now() - it->second.started});
  s.running.erase(it);
}

void ScriptedExecutor::Abort() {
  Impl& s = *impl_;
  s.running.clear();
  s.stopped.clear();
  s.unprinted.clear();
  s.due = {};
}

void ScriptedExecutor::Interrupt() { impl_->wakeup.Notify(); }

size_t ScriptedExecutor::running() const { return impl_->running.size() + impl_->stopped.size(); }

}  // namespace fops
