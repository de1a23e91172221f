#include "fops/engine/input_gate.h"

#include <set>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fops/base/atomic_file.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"
#include "nlohmann/json.hpp"

namespace fops {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// 2: records carry the confirmed effect; a version-1 record (no effect) is
// not trusted.
constexpr int kStateVersion = 2;

// Resource names are free text; file names are not.
std::string FileName(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    out.push_back(ok ? c : '_');
  }
  if (out.empty() || out[0] == '.') out.insert(out.begin(), '_');
  return out;
}

bool IsSecretValue(std::string_view key) { return absl::StartsWith(ToAbsl(key), "build_arg."); }

// A value as stored: one holding a secret of the run is kept masked, with
// a digest so a changed secret is still a change.
std::string StoredText(const std::string& value, const Redactor& redactor) {
  std::string shown = redactor.Redact(value);
  if (shown == value) return value;
  return absl::StrCat(shown, " (xxh128:", Xxh128Hex(value), ")");
}

// Values as stored: build args hashed, others masked as StoredText does, so
// no secret lands in .fops/.
std::map<std::string, std::string> StoredValues(const std::map<std::string, std::string>& values,
                                                const Redactor& redactor) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : values) {
    out[k] = IsSecretValue(k) ? absl::StrCat("xxh128:", Xxh128Hex(v)) : StoredText(v, redactor);
  }
  return out;
}

// A field of a record, or `fallback` when it is missing or of another type:
// a damaged record (fops' own cache) means the update runs, never a crash
// (json::value throws on a type it did not expect).
int64_t IntField(const json& object, const char* key, int64_t fallback) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_number_integer()) {
    return fallback;
  }
  return object[key].get<int64_t>();
}
std::string StringField(const json& object, const char* key, const std::string& fallback) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return fallback;
  return object[key].get<std::string>();
}

std::string Verb(const Resource& r) { return r.kind == "image" ? "rebuilt" : "updated"; }

// The first value that differs, in the words a user reads.
std::string ValueChange(const std::map<std::string, std::string>& before,
                        const std::map<std::string, std::string>& now) {
  std::set<std::string> keys;
  for (const auto& [k, v] : before) keys.insert(k);
  for (const auto& [k, v] : now) keys.insert(k);
  // Order: what a user changes on purpose first.
  std::vector<std::string> order;
  for (std::string_view first : {"builder", "platform", "target_stage"}) {
    if (keys.count(std::string(first))) order.emplace_back(first);
  }
  for (const std::string& k : keys) {
    if (absl::StartsWith(k, "base.")) order.push_back(k);
  }
  for (const std::string& k : keys) {
    if (k != "builder" && k != "platform" && k != "target_stage" && !absl::StartsWith(k, "base.")) {
      order.push_back(k);
    }
  }
  for (const std::string& k : order) {
    auto b = before.find(k);
    auto n = now.find(k);
    std::string old_value = b == before.end() ? "" : b->second;
    std::string new_value = n == now.end() ? "" : n->second;
    if (b != before.end() && n != now.end() && old_value == new_value) continue;
    std::string what;
    bool show = true;
    if (absl::StartsWith(k, "build_arg.")) {
      what = absl::StrCat("build arg ", k.substr(10));
      show = false;
    } else if (absl::StartsWith(k, "base.")) {
      if (n == now.end()) return absl::StrCat("base image ", old_value, " removed");
      if (b == before.end()) return absl::StrCat("base image ", new_value, " added");
      return absl::StrCat("base image ", new_value, " changed (was ", old_value, ")");
    } else if (k == "target_stage") {
      what = "target stage";
    } else {
      what = k;
    }
    if (b == before.end()) return absl::StrCat(what, " added");
    if (n == now.end()) return absl::StrCat(what, " removed");
    if (!show) return absl::StrCat(what, " changed");
    return absl::StrCat(what, " changed (", old_value, " -> ", new_value, ")");
  }
  return "";
}

// The first file that differs, and how many more do.
std::string DescribeFileChanges(const std::vector<std::pair<std::string, std::string>>& before,
                                const std::vector<std::pair<std::string, std::string>>& now) {
  std::string first;
  size_t count = 0;
  size_t i = 0;
  size_t j = 0;
  auto note = [&](std::string text) {
    if (count++ == 0) first = std::move(text);
  };
  while (i < before.size() || j < now.size()) {
    if (j == now.size() || (i < before.size() && before[i].first < now[j].first)) {
      note(absl::StrCat(before[i++].first, " removed"));
    } else if (i == before.size() || now[j].first < before[i].first) {
      note(absl::StrCat(now[j++].first, " added"));
    } else {
      if (before[i].second != now[j].second) note(absl::StrCat(now[j].first, " changed"));
      ++i;
      ++j;
    }
  }
  if (count <= 1) return first;
  return absl::StrCat(first, " (and ", count - 1, " more)");
}

}  // namespace

InputGate::InputGate(std::filesystem::path state_dir, InputGateOptions options)
    : state_dir_(std::move(state_dir)),
      checks_(std::move(options.checks)),
      redactor_(Redactor::FromEnvironment()) {}

EffectCheck* InputGate::CheckFor(const Resource& resource) const {
  for (const auto& check : checks_) {
    if (check->Covers(resource)) return check.get();
  }
  return nullptr;
}

GateDecision InputGate::Confirm(const Resource& resource, const std::string& recorded,
                                const std::string& verb, const std::string& since) {
  const std::string skip = absl::StrCat("skipped: unchanged since ", since);
  if (resource.inputs.produces.empty()) return GateDecision{.run = false, .reason = skip};
  EffectCheck* check = CheckFor(resource);
  if (check == nullptr) {
    return GateDecision{.run = true,
                        .reason = absl::StrCat(verb, ": nothing can confirm ",
                                               resource.inputs.produces, " is still there")};
  }
  if (recorded.empty()) {
    return GateDecision{.run = true, .reason = absl::StrCat(verb, ": no confirmed previous build")};
  }
  const std::string key = absl::StrCat(resource.kind, " ", resource.inputs.produces);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = confirmed_.find(key);
    if (it != confirmed_.end() && it->second == recorded) {
      return GateDecision{.run = false, .reason = skip};
    }
  }
  absl::StatusOr<Effect> now = check->Observe(resource);
  if (!now.ok()) {
    return GateDecision{.run = true,
                        .reason = absl::StrCat(verb, ": cannot confirm in ", ToAbsl(check->where()), ": ",
                                               now.status().message())};
  }
  std::string differs = check->Differs(resource, recorded, *now);
  if (!differs.empty()) return GateDecision{.run = true, .reason = absl::StrCat(verb, ": ", differs)};
  std::lock_guard<std::mutex> lock(mu_);
  confirmed_[key] = recorded;
  return GateDecision{.run = false, .reason = skip};
}

std::filesystem::path InputGate::StateBase(const Resource& resource) const {
  std::string kind = resource.kind == "image" ? "images" : FileName(resource.kind);
  return state_dir_ / kind / FileName(resource.name);
}

std::filesystem::path InputGate::StatePath(const Resource& resource) const {
  fs::path base = StateBase(resource);
  return base.replace_filename(base.filename().string() + ".json");
}

absl::StatusOr<InputDigest> InputGate::Digest(const Resource& resource) {
  fs::path base = StateBase(resource);
  InputDigester digester(base.replace_filename(base.filename().string() + ".cache"));
  digester.ExcludeDirectory(state_dir_);
  digester.set_racy_window(racy_window_);
  return digester.Compute(resource.dir.empty() ? fs::path(".") : fs::path(resource.dir),
                          resource.inputs);
}

absl::StatusOr<GateDecision> InputGate::Check(const Resource& resource) {
  const std::string verb = Verb(resource);
  absl::StatusOr<InputDigest> digest = Digest(resource);
  if (!digest.ok()) return digest.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_[resource.name] = Pending{resource.inputs, resource.dir, *digest};
  }

  const fs::path path = StatePath(resource);
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) {
      return GateDecision{.run = true, .reason = absl::StrCat(verb, ": no previous build")};
    }
    return GateDecision{.run = true,
                        .reason = absl::StrCat(verb, ": no previous build (state unreadable: ",
                                               text.status().message(), ")")};
  }
  json state = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (state.is_discarded() || !state.is_object() || IntField(state, "version", 0) != kStateVersion ||
      !state.contains("digest") || !state["digest"].is_string()) {
    return GateDecision{.run = true,
                        .reason = absl::StrCat(verb, ": no previous build (", path.string(),
                                               " was not written by this fops version)")};
  }
  const std::string old_digest = state["digest"].get<std::string>();
  const std::string old_produces = StringField(state, "produces", "");
  if (old_digest == digest->total) {
    if (old_produces == StoredText(resource.inputs.produces, redactor_)) {
      std::string since = old_produces.empty() ? StringField(state, "recorded_at", "the last run")
                                               : old_produces;
      return Confirm(resource, StringField(state, "effect", ""), verb, since);
    }
    return GateDecision{.run = true, .reason = absl::StrCat(verb, ": reference changed (was ",
                                                            old_produces, ")")};
  }
  // Something differs: name the first thing, as a user would look for it.
  std::map<std::string, std::string> old_values;
  if (state.contains("values") && state["values"].is_object()) {
    for (const auto& [k, v] : state["values"].items()) {
      if (v.is_string()) old_values[k] = v.get<std::string>();
    }
  }
  std::string change = ValueChange(old_values, StoredValues(resource.inputs.values, redactor_));
  if (change.empty() && state.value("ignore", json::array()) != json(resource.inputs.ignore)) {
    change = "ignore patterns (.dockerignore) changed";
  }
  if (change.empty()) {
    absl::StatusOr<std::string> files_text =
        ReadFile(fs::path(path).replace_extension(".files.json"));
    json files = files_text.ok() ? json::parse(*files_text, nullptr, false) : json();
    if (files.is_object() && StringField(files, "digest", "") == old_digest &&
        files.contains("files") && files["files"].is_array()) {
      std::vector<std::pair<std::string, std::string>> before;
      for (const json& f : files["files"]) {
        if (f.is_array() && f.size() == 2 && f[0].is_string() && f[1].is_string()) {
          before.emplace_back(f[0].get<std::string>(), f[1].get<std::string>());
        }
      }
      change = DescribeFileChanges(before, digest->files);
    }
  }
  if (change.empty()) change = "inputs changed";
  return GateDecision{.run = true, .reason = absl::StrCat(verb, ": ", change)};
}

absl::Status InputGate::Record(const Resource& resource) {
  // What the update left, read back first: nothing is stored that the
  // registry or the cluster does not confirm.
  Effect effect;
  if (!resource.inputs.produces.empty()) {
    EffectCheck* check = CheckFor(resource);
    if (check == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("nothing can confirm ", resource.inputs.produces));
    }
    absl::StatusOr<Effect> now = check->Observe(resource);
    if (!now.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot confirm ", resource.inputs.produces, " in ", ToAbsl(check->where()), ": ",
          now.status().message()));
    }
    if (!now->present) {
      return absl::FailedPreconditionError(absl::StrCat(
          ToAbsl(check->where()), " does not show ", resource.inputs.produces, " after the update"));
    }
    effect = *std::move(now);
  }
  InputDigest digest;
  bool have_digest = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(resource.name);
    if (it != pending_.end() && it->second.inputs == resource.inputs &&
        it->second.dir == resource.dir) {
      digest = std::move(it->second.digest);  // what the update was built from
      have_digest = true;
    }
    if (it != pending_.end()) pending_.erase(it);
  }
  if (!have_digest) {
    absl::StatusOr<InputDigest> fresh = Digest(resource);
    if (!fresh.ok()) return fresh.status();
    digest = *std::move(fresh);
  }

  const fs::path path = StatePath(resource);
  json files = json::array();
  for (const auto& [p, h] : digest.files) files.push_back({p, h});
  json files_doc = {{"digest", digest.total}, {"files", std::move(files)}};
  // The file list first: the state file is the commit point that refers to it.
  absl::Status s =
      WriteFileAtomic(fs::path(path).replace_extension(".files.json"), files_doc.dump());
  if (!s.ok()) return s;
  json state = {
      {"version", kStateVersion},
      {"resource", resource.name},
      {"kind", resource.kind},
      {"produces", StoredText(resource.inputs.produces, redactor_)},
      {"digest", digest.total},
      {"paths", resource.inputs.paths},
      {"ignore", resource.inputs.ignore},
      {"values", StoredValues(resource.inputs.values, redactor_)},
      {"files", digest.files.size()},
      {"effect", effect.identity},
      {"effect_detail", redactor_.Redact(effect.detail)},
      {"recorded_at", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone())},
  };
  FOPS_RETURN_IF_ERROR(WriteFileAtomic(path, state.dump(2) + "\n"));
  if (!effect.identity.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    confirmed_[absl::StrCat(resource.kind, " ", resource.inputs.produces)] = effect.identity;
  }
  return absl::OkStatus();
}

}  // namespace fops
