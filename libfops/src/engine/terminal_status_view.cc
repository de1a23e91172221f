#include "fops/engine/terminal_status_view.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "fops/engine/status_table.h"

namespace fops {
namespace {

// The thread renders the board at most this often: a chatty build's
// changes come as one.
constexpr absl::Duration kMinRedraw = absl::Milliseconds(50);
// The running clocks ("12:01:03 4.2s…") move once a second.
constexpr absl::Duration kTick = absl::Seconds(1);

struct Size {
  int columns = 80;
  int rows = 24;
};

Size TerminalSize(std::FILE* out) {
  Size size;
  winsize ws{};
  if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    size.columns = ws.ws_col;
    size.rows = ws.ws_row > 0 ? ws.ws_row : size.rows;
  }
  return size;
}

}  // namespace

TerminalStatusView::TerminalStatusView(std::FILE* out, const StatusBoard& board)
    : out_(out), board_(board) {}

TerminalStatusView::~TerminalStatusView() { Stop(); }

bool TerminalStatusView::Supported(std::FILE* out) {
  if (out == nullptr || isatty(fileno(out)) == 0) return false;
  const char* term = std::getenv("TERM");
  return term != nullptr && *term != '\0' && std::strcmp(term, "dumb") != 0;
}

std::vector<std::string> TerminalStatusView::Render() const {
  const Size size = TerminalSize(out_);
  absl::StatusOr<std::vector<std::string>> lines = FormatStatusTable(
      board_.SnapshotJson(),
      {.width = size.columns, .max_lines = std::max(3, size.rows / 3), .color = true});
  if (!lines.ok()) return {};
  return *std::move(lines);
}

void TerminalStatusView::EraseLocked() {
  if (drawn_.empty()) return;
  // Up to the table's first line, then clear to the end of the screen. A
  // line wider than the terminal is now takes as many rows as it wraps to.
  const int columns = std::max(1, TerminalSize(out_).columns);
  int rows = 0;
  for (int width : drawn_) rows += std::max(1, (width + columns - 1) / columns);
  const std::string erase = absl::StrCat("\x1b[", rows, "F\x1b[J");
  std::fwrite(erase.data(), 1, erase.size(), out_);
  drawn_.clear();
}

void TerminalStatusView::DrawLocked() {
  if (!drawing_ || table_.empty()) return;
  std::string text;
  for (const std::string& line : table_) {
    absl::StrAppend(&text, line, "\x1b[0m\x1b[K\n");
    drawn_.push_back(TerminalWidth(line));
  }
  std::fwrite(text.data(), 1, text.size(), out_);
}

void TerminalStatusView::Write(std::string_view lines) {
  absl::MutexLock lock(&mu_);
  EraseLocked();
  std::fwrite(lines.data(), 1, lines.size(), out_);
  // Drawn again at once (as it was: the thread renders changes), so it
  // never blinks out under a stream of lines.
  DrawLocked();
  std::fflush(out_);
}

void TerminalStatusView::OnRunStarted(const RunStart&) {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stop_) return;
  drawing_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void TerminalStatusView::OnRunFinished(const RunResult&) { Stop(); }

void TerminalStatusView::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  board_.Poke();
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  EraseLocked();
  drawing_ = false;
  std::fflush(out_);
}

void TerminalStatusView::Loop() {
  uint64_t seen = 0;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
    std::vector<std::string> table = Render();
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      const bool moved = table != table_ || drawn_.empty();
      table_ = std::move(table);
      if (moved) {
        EraseLocked();
        DrawLocked();
        std::fflush(out_);
      }
    }
    seen = board_.WaitForChange(seen, kTick);
    // Changes come in bursts (a build's output): take them together.
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stop_), kMinRedraw);
  }
}

}  // namespace fops
