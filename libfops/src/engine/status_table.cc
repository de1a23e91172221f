#include "fops/engine/status_table.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "fops/base/format_duration.h"
#include "nlohmann/json.hpp"

namespace fops {
namespace {

using json = nlohmann::json;

enum Column { kName, kState, kLast, kWhy, kReady, kLinks, kColumns };

struct Row {
  std::string group;  // a label line when non-empty; cells unused
  std::string cells[kColumns];
  std::string state;  // for the colour
};

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double Num(const json& j, const char* key, double otherwise = -1) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : otherwise;
}

// "1.2s", "340ms", "2m5s": as precise as a person compares runs.
std::string Short(double seconds) {
  absl::Duration d = absl::Seconds(std::max(0.0, seconds));
  if (d >= absl::Seconds(10)) {
    d = absl::Floor(d + absl::Milliseconds(500), absl::Seconds(1));
  } else if (d >= absl::Seconds(1)) {
    d = absl::Floor(d + absl::Milliseconds(50), absl::Milliseconds(100));
  } else {
    d = absl::Floor(d, absl::Milliseconds(1));
  }
  return DurationToString(d);
}

// Cuts `text` to `width` columns, with "…" when something was cut.
std::string Cut(std::string_view text, int width) {
  if (width <= 0) return "";
  if (TerminalWidth(text) <= width) return std::string(text);
  std::string out;
  int w = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\x1b') {  // keep escapes whole; they take no columns
      size_t end = text.find('m', i);
      end = end == std::string_view::npos ? text.size() : end + 1;
      out.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    size_t len = 1;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0xF0) {
      len = 4;
    } else if (c >= 0xE0) {
      len = 3;
    } else if (c >= 0xC0) {
      len = 2;
    }
    if (w + 1 > width - 1) break;
    out.append(text.substr(i, len));
    i += len;
    ++w;
  }
  out += "…";
  if (out.find('\x1b') != std::string::npos) out += "\x1b[0m";
  return out;
}

std::string Colour(const std::string& state) {
  if (state == "ready" || state == "succeeded" || state == "up to date") return "\x1b[32m";
  if (state == "failed" || state == "not ready") return "\x1b[31m";
  if (state == "running" || state == "queued" || state == "waiting") return "\x1b[33m";
  if (state == "blocked" || state == "cancelled" || state == "paused") return "\x1b[35m";
  return "\x1b[2m";  // idle, disabled
}

// Why a resource is where it is, in a few words.
std::string Why(const json& r) {
  const std::string waiting = Str(r, "waiting");
  const std::string detail = Str(r, "waiting_detail");
  if (waiting == "deps") return detail.empty() ? "waiting on deps" : "waiting on " + detail;
  if (waiting == "slot") return "waiting for a free slot";
  if (waiting == "inputs") return "checking inputs";
  if (waiting == "probe") return detail.empty() ? "waiting for readiness" : "probing: " + detail;
  const std::string state = Str(r, "state");
  const std::string reason = Str(r, "reason");
  if (state == "idle" && reason.empty()) {
    const std::string name = Str(r, "name");
    if (Str(r, "trigger_mode") == "manual") return "manual: fops trigger " + name;
    if (r.value("auto_init", true) == false) return "auto_init=False: fops trigger " + name;
    return "not started";
  }
  return reason;
}

std::string ClockText(double unix_seconds, bool local) {
  const absl::Time t = absl::FromUnixMicros(static_cast<int64_t>(std::llround(unix_seconds * 1e6)));
  return absl::FormatTime("%H:%M:%S", t, local ? absl::LocalTimeZone() : absl::UTCTimeZone());
}

}  // namespace

int TerminalWidth(std::string_view text) {
  int w = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b') {
      size_t end = text.find('m', i);
      if (end == std::string_view::npos) break;
      i = end;
      continue;
    }
    w += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  }
  return w;
}

absl::StatusOr<std::vector<std::string>> FormatStatusTable(std::string_view snapshot_json,
                                                           const StatusTableOptions& options) {
  json snap = json::parse(snapshot_json.begin(), snapshot_json.end(), nullptr, false);
  if (snap.is_discarded() || !snap.is_object() || !snap.contains("resources") ||
      !snap["resources"].is_array()) {
    return absl::InvalidArgumentError("not a fops status snapshot (expected a JSON object with resources)");
  }
  const double now = Num(snap, "now", 0);
  const json& resources = snap["resources"];

  // Groups by label, as Tilt's web UI: a resource with several labels is
  // shown under each; unlabelled ones come last. No labels: no groups.
  std::map<std::string, std::vector<const json*>> groups;
  std::vector<const json*> unlabelled;
  for (const json& r : resources) {
    bool labelled = false;
    if (r.contains("labels") && r["labels"].is_array()) {
      for (const json& l : r["labels"]) {
        if (!l.is_string()) continue;
        groups[l.get<std::string>()].push_back(&r);
        labelled = true;
      }
    }
    if (!labelled) unlabelled.push_back(&r);
  }
  std::vector<std::pair<std::string, std::vector<const json*>>> ordered(groups.begin(), groups.end());
  if (!unlabelled.empty()) ordered.emplace_back(groups.empty() ? "" : "unlabeled", unlabelled);

  int ready = 0;
  int serve = 0;
  int failed = 0;
  for (const json& r : resources) {
    const std::string state = Str(r, "state");
    if (r.value("serve", false)) {
      ++serve;
      ready += state == "ready";
    }
    failed += state == "failed" || state == "not ready";
  }

  std::vector<Row> rows;
  Row head;
  head.cells[kName] = "RESOURCE";
  head.cells[kState] = "STATE";
  head.cells[kLast] = "LAST RUN";
  head.cells[kWhy] = "WHY";
  head.cells[kReady] = "READY";
  head.cells[kLinks] = "LINKS";
  rows.push_back(head);
  for (const auto& [label, members] : ordered) {
    if (!label.empty()) rows.push_back(Row{.group = label});
    for (const json* rp : members) {
      const json& r = *rp;
      Row row;
      row.state = Str(r, "state");
      row.cells[kName] = (label.empty() ? "" : "  ") + Str(r, "name");
      row.cells[kState] = row.state;
      if (r.contains("last_run") && r["last_run"].is_object()) {
        const json& last = r["last_run"];
        const double start = Num(last, "start");
        const double duration = Num(last, "duration");
        if (start >= 0) {
          row.cells[kLast] = absl::StrCat(ClockText(start, options.local_time), " ",
                                          duration >= 0 ? Short(duration)
                                                        : absl::StrCat(Short(now - start), "…"));
        }
      }
      row.cells[kWhy] = Why(r);
      if (r.contains("ready") && r["ready"].is_boolean()) {
        row.cells[kReady] = r["ready"].get<bool>() ? "✔" : "✘";
      }
      std::vector<std::string> links;
      if (r.contains("links") && r["links"].is_array()) {
        for (const json& l : r["links"]) links.push_back(Str(l, "url"));
      }
      row.cells[kLinks] = absl::StrJoin(links, " ");
      rows.push_back(std::move(row));
    }
  }

  // Natural widths; then drop columns, then shorten the reason, to fit.
  int widths[kColumns] = {};
  bool shown[kColumns] = {true, true, true, true, true, true};
  for (const Row& row : rows) {
    if (!row.group.empty()) continue;
    for (int c = 0; c < kColumns; ++c) widths[c] = std::max(widths[c], TerminalWidth(row.cells[c]));
  }
  bool any_ready = false;
  bool any_links = false;
  for (size_t i = 1; i < rows.size(); ++i) {
    any_ready = any_ready || !rows[i].cells[kReady].empty();
    any_links = any_links || !rows[i].cells[kLinks].empty();
  }
  shown[kReady] = any_ready;
  shown[kLinks] = any_links;
  widths[kWhy] = std::min(widths[kWhy], 60);
  const int usable = std::max(10, options.width - 1);
  auto total = [&] {
    int sum = 0;
    int n = 0;
    for (int c = 0; c < kColumns; ++c) {
      if (!shown[c]) continue;
      sum += widths[c];
      ++n;
    }
    return sum + 2 * std::max(0, n - 1);
  };
  for (Column drop : {kLinks, kLast, kReady}) {
    if (total() <= usable) break;
    shown[drop] = false;
  }
  if (total() > usable) widths[kWhy] = std::max(8, widths[kWhy] - (total() - usable));
  if (total() > usable) shown[kWhy] = false;

  std::vector<std::string> lines;
  std::string title = absl::StrCat("fops ", Str(snap, "command"));
  const std::string mode = Str(snap, "mode");
  if (!mode.empty()) absl::StrAppend(&title, " · ", mode);
  absl::StrAppend(&title, " · ", resources.size(), resources.size() == 1 ? " resource" : " resources");
  if (serve > 0) absl::StrAppend(&title, " · ", ready, "/", serve, " ready");
  if (failed > 0) absl::StrAppend(&title, " · ", failed, " failing");
  if (snap.value("finished", false)) absl::StrAppend(&title, " · session ended");
  const std::string web = Str(snap, "web");
  if (!web.empty()) absl::StrAppend(&title, " · ", web);
  lines.push_back(Cut(options.color ? absl::StrCat("\x1b[1m", title, "\x1b[0m") : title, usable));
  // A reload that failed: its error stays in sight until a good one.
  if (snap.contains("reload") && snap["reload"].is_object()) {
    const std::string error = Str(snap["reload"], "error");
    if (!error.empty()) {
      constexpr int kErrorLines = 6;
      std::string head = "✘ Tiltfile not reloaded (the last good load keeps running):";
      lines.push_back(Cut(options.color ? absl::StrCat("\x1b[31m", head, "\x1b[0m") : head, usable));
      int n = 0;
      for (absl::string_view line : absl::StrSplit(error, '\n')) {
        if (++n > kErrorLines) break;
        lines.push_back(Cut(absl::StrCat("  ", line), usable));
      }
    }
  }

  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    if (!row.group.empty()) {
      lines.push_back(Cut(options.color ? absl::StrCat("\x1b[1m", row.group, "\x1b[0m") : row.group,
                          usable));
      continue;
    }
    std::string line;
    int last_shown = -1;
    for (int c = 0; c < kColumns; ++c) {
      if (shown[c]) last_shown = c;
    }
    for (int c = 0; c < kColumns; ++c) {
      if (!shown[c]) continue;
      std::string cell = Cut(row.cells[c], widths[c]);
      const int pad = widths[c] - TerminalWidth(cell);
      if (options.color && i == 0) cell = absl::StrCat("\x1b[2m", cell, "\x1b[0m");
      if (options.color && i > 0 && c == kState) cell = absl::StrCat(Colour(row.state), cell, "\x1b[0m");
      line += cell;
      if (c != last_shown) line.append(static_cast<size_t>(pad) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(Cut(line, usable));
  }
  if (options.max_lines > 0 && static_cast<int>(lines.size()) > options.max_lines) {
    const int keep = std::max(1, options.max_lines - 1);
    const size_t more = lines.size() - static_cast<size_t>(keep);
    lines.resize(static_cast<size_t>(keep));
    lines.push_back(absl::StrCat("… ", more, " more lines (fops status shows them all)"));
  }
  return lines;
}

}  // namespace fops
