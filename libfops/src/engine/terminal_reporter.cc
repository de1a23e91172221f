#include "fops/engine/terminal_reporter.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fops/base/format_duration.h"
#include "fops/base/string_view.h"
#include "fops/engine/reload_plan.h"
#include "fops/exec/line_prefix.h"

namespace fops {
namespace {

// Durations in the table: milliseconds below a second, hundredths above,
// which is as precise as a person compares runs by eye.
std::string Short(absl::Duration d) {
  if (d >= absl::Seconds(1)) d = absl::Floor(d + absl::Milliseconds(5), absl::Milliseconds(10));
  return DurationToString(d);
}

// Columns a UTF-8 string takes, one per code point, so tables line up.
size_t Width(std::string_view s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

void Pad(std::string& out, std::string_view cell, size_t width) {
  absl::StrAppend(&out, ToAbsl(cell));
  out.append(width - std::min(width, Width(cell)), ' ');
}

bool Ran(ResourceStatus s) {
  return s != ResourceStatus::kNotRun && s != ResourceStatus::kBlocked;
}

}  // namespace

TerminalReporter::TerminalReporter(std::FILE* out) : out_(out) {}

TerminalReporter::TerminalReporter(ReportSink& sink) : sink_(&sink) {}

void TerminalReporter::Print(const std::string& text) {
  std::string line = text;
  line.push_back('\n');
  if (sink_ != nullptr) {
    sink_->Write(line);
    return;
  }
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

void TerminalReporter::OnResourceStarted(const Resource& resource, std::string_view reason) {
  Print(PrefixLine(resource.name, reason.empty() ? std::string("▶ starting")
                                                 : absl::StrCat("▶ starting (", ToAbsl(reason), ")")));
}

void TerminalReporter::OnOutput(const Resource& resource, Stream, std::string_view line) {
  Print(PrefixLine(resource.name, line));
}

void TerminalReporter::OnResourceReady(const Resource& resource) {
  Print(PrefixLine(resource.name, "✔ ready"));
}

void TerminalReporter::OnReadinessChanged(const Resource& resource, bool ready,
                                          std::string_view reason) {
  Print(PrefixLine(resource.name, ready ? std::string("✔ ready again")
                                        : absl::StrCat("✘ ", ToAbsl(reason))));
}

void TerminalReporter::OnResourceFinished(const Resource& resource, const ResourceResult& result) {
  const bool good =
      result.status == ResourceStatus::kSucceeded || result.status == ResourceStatus::kUpToDate;
  std::string text = absl::StrCat(good ? "✔ " : "✘ ", ToAbsl(ResourceStatusName(result.status)));
  if (Ran(result.status) && result.duration > absl::ZeroDuration()) {
    absl::StrAppend(&text, " in ", Short(result.duration));
  }
  if (!result.reason.empty()) absl::StrAppend(&text, ": ", result.reason);
  Print(PrefixLine(resource.name, text));
}

void TerminalReporter::OnResourcePaused(const Resource& resource, std::string_view reason) {
  Print(PrefixLine(resource.name, absl::StrCat("⏸ ", ToAbsl(reason))));
}

void TerminalReporter::OnReload(const Project& project, const ReloadEvent& event) {
  const std::string tiltfile = project.tiltfile.empty() ? std::string("the Tiltfile")
                                                        : project.tiltfile;
  if (!event.error.empty()) {
    Print(absl::StrCat("fops: ", tiltfile, " not reloaded (the last good load keeps running):"));
    for (absl::string_view line : absl::StrSplit(event.error, '\n')) {
      Print(absl::StrCat("fops:   ", line));
    }
    return;
  }
  ReloadPlan plan{.added = event.added, .removed = event.removed, .changed = event.changed};
  Print(absl::StrCat("fops: reloaded ", tiltfile, ": ", DescribeReload(plan)));
}

void TerminalReporter::OnRunFinished(const RunResult& result) {
  Print("");
  Print(FormatSummary(result));
}

std::string FormatSummary(const RunResult& result) {
  std::vector<std::vector<std::string>> rows = {{"RESOURCE", "STATUS", "DURATION", "REASON"}};
  for (const ResourceResult& r : result.resources) {
    rows.push_back({r.name, std::string(ResourceStatusName(r.status)),
                    Ran(r.status) && r.status != ResourceStatus::kPending ? Short(r.duration) : "",
                    r.reason});
  }
  std::vector<size_t> widths(4, 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], Width(row[c]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c + 1 < row.size(); ++c) {
      Pad(line, row[c], widths[c]);
      line += "  ";
    }
    line += row.back();
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }

  for (const ResourceResult& r : result.resources) {
    if (r.status != ResourceStatus::kFailed) continue;
    absl::StrAppend(&out, "\n", r.name, " failed: ", r.reason, "\n");
    if (r.last_lines.empty()) {
      absl::StrAppend(&out, PrefixLine(r.name, "(no output)"), "\n");
    }
    for (const std::string& line : r.last_lines) absl::StrAppend(&out, PrefixLine(r.name, line), "\n");
  }

  // "3 succeeded, 1 failed, 2 blocked in 4.2s", in a fixed order.
  constexpr ResourceStatus kOrder[] = {
      ResourceStatus::kSucceeded, ResourceStatus::kUpToDate, ResourceStatus::kFailed,
      ResourceStatus::kBlocked,   ResourceStatus::kCancelled, ResourceStatus::kRunning,
      ResourceStatus::kPending,   ResourceStatus::kNotRun};
  std::vector<std::string> counts;
  for (ResourceStatus s : kOrder) {
    size_t n = std::count_if(result.resources.begin(), result.resources.end(),
                             [s](const ResourceResult& r) { return r.status == s; });
    if (n > 0) counts.push_back(absl::StrCat(n, " ", ToAbsl(ResourceStatusName(s))));
  }
  absl::StrAppend(&out, "\n", counts.empty() ? "no resources" : absl::StrJoin(counts, ", "),
                  " in ", Short(result.duration));
  if (!result.error.empty()) absl::StrAppend(&out, "; ", result.error);
  absl::StrAppend(&out, result.ok ? " — ok" : " — FAILED");
  return out;
}

}  // namespace fops
