#include "fops/watch/self_trigger.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

namespace fs = std::filesystem;

constexpr size_t kFilesNamed = 5;

std::string Relative(const fs::path& root, const std::string& path) {
  fs::path rel = fs::path(path).lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return path;
  return rel.generic_string();
}

}  // namespace

SelfTriggerGuard::SelfTriggerGuard(fs::path root, size_t resources, SelfTriggerOptions options)
    : root_(std::move(root)), options_(options), state_(resources) {}

void SelfTriggerGuard::Renumber(const std::vector<int>& new_index, size_t resources) {
  std::vector<State> state(resources);
  for (size_t o = 0; o < new_index.size() && o < state_.size(); ++o) {
    const int j = new_index[o];
    if (j >= 0 && static_cast<size_t>(j) < resources) state[j] = std::move(state_[o]);
  }
  state_ = std::move(state);
}

bool SelfTriggerGuard::InWindow(const State& s, const FileChange& change) const {
  if (change.time < s.start - options_.early) return false;
  if (s.running) return true;
  // A modification time is never later than the write; a deleted file's
  // stamp is when the watcher read the event, a little after.
  return change.time <= (change.mtime ? s.end : s.end + options_.grace);
}

void SelfTriggerGuard::RunStarted(int i, absl::Time now) {
  State& s = state_[i];
  s.running = true;
  s.start = now;
  s.end = absl::InfinitePast();
  // What asked for this run is spent by it.
  s.pending_outside = false;
  s.pending_own.clear();
}

void SelfTriggerGuard::RunEnded(int i, absl::Time now) {
  State& s = state_[i];
  if (!s.running) return;
  s.running = false;
  s.end = now;
}

bool SelfTriggerGuard::Changed(int i, const std::vector<FileChange>& changes) {
  State& s = state_[i];
  bool outside = false;
  for (const FileChange& c : changes) {
    if (InWindow(s, c) && !s.outside.contains(c.path)) {
      s.pending_own.insert(c.path);
      continue;
    }
    outside = true;
    if (s.outside.size() >= options_.max_outside) s.outside.clear();
    s.outside.insert(c.path);
  }
  if (outside) s.pending_outside = true;
  return outside;
}

void SelfTriggerGuard::Triggered(int i) {
  State& s = state_[i];
  s.pending_outside = true;
  s.paused = false;
}

void SelfTriggerGuard::Resume(int i) {
  State& s = state_[i];
  s.paused = false;
  s.streak = 0;
  s.common.clear();
}

bool SelfTriggerGuard::ShouldPause(int i) {
  State& s = state_[i];
  std::set<std::string> own = std::exchange(s.pending_own, {});
  if (std::exchange(s.pending_outside, false) || own.empty()) {
    s.streak = 0;
    s.common.clear();
    return false;
  }
  std::set<std::string> shared;
  std::set_intersection(s.common.begin(), s.common.end(), own.begin(), own.end(),
                        std::inserter(shared, shared.end()));
  if (s.streak == 0 || shared.empty()) {
    s.streak = 1;
    s.common = std::move(own);
  } else {
    ++s.streak;
    s.common = std::move(shared);
  }
  if (s.streak < options_.limit) return false;
  s.paused = true;
  s.streak = 0;
  return true;
}

std::string SelfTriggerGuard::SuggestIgnore(const fs::path& root,
                                            const std::set<std::string>& files) {
  if (files.empty()) return "";
  if (files.size() == 1) return Relative(root, *files.begin());
  // The deepest directory holding them all, when it is below the root.
  fs::path common = fs::path(*files.begin()).parent_path();
  for (const std::string& f : files) {
    fs::path dir = fs::path(f).parent_path();
    fs::path shared;
    auto a = common.begin();
    auto b = dir.begin();
    for (; a != common.end() && b != dir.end() && *a == *b; ++a, ++b) shared /= *a;
    common = shared;
  }
  const std::string rel = Relative(root, common.string());
  if (!common.empty() && rel != common.string() && rel != "." && !rel.empty()) return rel;
  // Directories of one name (every __pycache__).
  const fs::path name = fs::path(*files.begin()).parent_path().filename();
  if (name.empty()) return "";
  for (const std::string& f : files) {
    if (fs::path(f).parent_path().filename() != name) return "";
  }
  return absl::StrCat("**/", name.string());
}

std::string SelfTriggerGuard::Reason(int i, std::string_view name, std::string_view kind) const {
  const std::set<std::string>& files = state_[i].common.empty() ? state_[i].pending_own
                                                                : state_[i].common;
  std::vector<std::string> named;
  for (const std::string& f : files) {
    if (named.size() == kFilesNamed) break;
    named.push_back(Relative(root_, f));
  }
  std::string list = absl::StrJoin(named, ", ");
  if (files.size() > named.size()) absl::StrAppend(&list, " and ", files.size() - named.size(), " more");
  std::string text = absl::StrCat("paused: it re-triggered itself ", options_.limit,
                                  " times in a row by writing in its own deps: ", list);
  const std::string pattern = SuggestIgnore(root_, files);
  if (!pattern.empty()) {
    if (kind == "local") {
      absl::StrAppend(&text, "; add ignore=['", pattern, "'] to local_resource('", ToAbsl(name),
                      "') or the line ", pattern, " to .tiltignore");
    } else {
      absl::StrAppend(&text, "; add the line ", pattern, " to .tiltignore");
    }
  } else {
    absl::StrAppend(&text, "; list them in its ignore= or in .tiltignore");
  }
  absl::StrAppend(&text, "; an edit or `fops trigger ", ToAbsl(name), "` resumes it");
  return text;
}

}  // namespace fops
