#include "fops/watch/input_digest.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fops/base/atomic_file.h"
#include "fops/base/string_view.h"
#include "fops/watch/ignore_patterns.h"

namespace fops {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCacheMagic = "FOPSDGC1";

struct Hash128 {
  uint64_t high = 0;
  uint64_t low = 0;
};

// What the fast path compares: a file whose stat is unchanged has the hash
// it had. `trusted` is false for files written just before they were hashed.
struct CacheEntry {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t ino = 0;
  bool trusted = false;
  Hash128 hash;
};

using CacheMap = absl::flat_hash_map<std::string, CacheEntry>;

int64_t Nanos(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string Hex(const Hash128& h) {
  XXH128_hash_t value{h.low, h.high};
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, value);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[2 * i] = kDigits[canonical.digest[i] >> 4];
    out[2 * i + 1] = kDigits[canonical.digest[i] & 0xf];
  }
  return out;
}

template <typename T>
void Put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

template <typename T>
bool Get(std::string_view& in, T& value) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(&value, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

// A damaged or foreign cache file is ignored: it only costs a re-hash.
CacheMap LoadCache(const fs::path& path) {
  CacheMap map;
  if (path.empty()) return map;
  absl::StatusOr<std::string> data = ReadFile(path);
  if (!data.ok()) return map;
  std::string_view in = *data;
  if (in.substr(0, kCacheMagic.size()) != kCacheMagic) return map;
  in.remove_prefix(kCacheMagic.size());
  uint64_t count = 0;
  if (!Get(in, count)) return map;
  map.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t length = 0;
    if (!Get(in, length) || in.size() < length) return {};
    std::string key(in.substr(0, length));
    in.remove_prefix(length);
    CacheEntry e;
    uint8_t trusted = 0;
    if (!Get(in, e.size) || !Get(in, e.mtime_ns) || !Get(in, e.ctime_ns) || !Get(in, e.ino) ||
        !Get(in, trusted) || !Get(in, e.hash.high) || !Get(in, e.hash.low)) {
      return {};
    }
    e.trusted = trusted != 0;
    map.emplace(std::move(key), e);
  }
  return map;
}

absl::Status SaveCache(const fs::path& path,
                       const std::vector<std::pair<std::string, CacheEntry>>& entries) {
  std::string out(kCacheMagic);
  out.reserve(entries.size() * 96);
  Put<uint64_t>(out, entries.size());
  for (const auto& [key, e] : entries) {
    Put<uint32_t>(out, static_cast<uint32_t>(key.size()));
    out.append(key);
    Put(out, e.size);
    Put(out, e.mtime_ns);
    Put(out, e.ctime_ns);
    Put(out, e.ino);
    Put<uint8_t>(out, e.trusted ? 1 : 0);
    Put(out, e.hash.high);
    Put(out, e.hash.low);
  }
  return WriteFileAtomic(path, out);
}

absl::Status ErrnoError(std::string_view what, const std::string& path) {
  int err = errno;
  absl::StatusCode code = err == ENOENT ? absl::StatusCode::kNotFound
                          : err == EACCES ? absl::StatusCode::kPermissionDenied
                                          : absl::StatusCode::kInternal;
  return absl::Status(code, absl::StrCat(ToAbsl(what), " '", path, "': ", std::strerror(err)));
}

struct Found {
  std::string rel;  // relative to the digest's dir
  struct stat st;
};

class Walker {
 public:
  Walker(const IgnorePatterns& ignore, const std::vector<std::pair<uint64_t, uint64_t>>& excluded,
         std::vector<Found>& out)
      : ignore_(ignore), excluded_(excluded), out_(out) {}

  // Walks the open directory `fd` (taking ownership) whose path is `rel`.
  absl::Status Walk(int fd, const std::string& rel) {
    DIR* d = fdopendir(fd);
    if (d == nullptr) {
      close(fd);
      return ErrnoError("cannot read directory", rel.empty() ? "." : rel);
    }
    absl::Status status;
    while (struct dirent* e = readdir(d)) {
      const char* name = e->d_name;
      if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
      std::string child = rel.empty() ? std::string(name) : absl::StrCat(rel, "/", name);
      struct stat st;
      if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;  // vanished while walking
        status = ErrnoError("cannot stat", child);
        break;
      }
      if (S_ISDIR(st.st_mode)) {
        if (IsExcluded(st)) continue;
        if (ignore_.Excluded(child) && ignore_.CanSkipDirectory(child)) continue;
        int sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
          status = ErrnoError("cannot open directory", child);
          break;
        }
        status = Walk(sub, child);
        if (!status.ok()) break;
      } else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
        if (!ignore_.Excluded(child)) out_.push_back({std::move(child), st});
      }
    }
    closedir(d);
    return status;
  }

  bool IsExcluded(const struct stat& st) const {
    for (const auto& [dev, ino] : excluded_) {
      if (st.st_dev == dev && st.st_ino == ino) return true;
    }
    return false;
  }

 private:
  const IgnorePatterns& ignore_;
  const std::vector<std::pair<uint64_t, uint64_t>>& excluded_;
  std::vector<Found>& out_;
};

absl::StatusOr<Hash128> HashFile(const fs::path& path, const struct stat& st,
                                 std::vector<char>& buffer) {
  XXH128_hash_t h;
  if (S_ISLNK(st.st_mode)) {
    // A link is its target text, as an image layer stores it.
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = readlink(path.c_str(), target.data(), target.size());
    if (n < 0) return ErrnoError("cannot read link", path.string());
    target.resize(static_cast<size_t>(n));
    h = XXH3_128bits(target.data(), target.size());
    return Hash128{h.high64, h.low64};
  }
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", path.string());
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  absl::Status status;
  while (true) {
    ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ErrnoError("cannot read", path.string());
      break;
    }
    if (n == 0) break;
    XXH3_128bits_update(state, buffer.data(), static_cast<size_t>(n));
  }
  close(fd);
  h = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  if (!status.ok()) return status;
  return Hash128{h.high64, h.low64};
}

}  // namespace

std::string Xxh128Hex(std::string_view bytes) {
  XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  return Hex({h.high64, h.low64});
}

InputDigester::InputDigester(std::filesystem::path cache_path)
    : cache_path_(std::move(cache_path)) {}

void InputDigester::ExcludeDirectory(const std::filesystem::path& dir) {
  excluded_.push_back(dir);
}

absl::StatusOr<InputDigest> InputDigester::Compute(const std::filesystem::path& dir,
                                                   const UpdateInputs& inputs) {
  absl::StatusOr<IgnorePatterns> ignore = IgnorePatterns::Compile(inputs.ignore);
  if (!ignore.ok()) return ignore.status();
  const fs::path base = dir.empty() ? fs::path(".") : dir;

  std::vector<std::pair<uint64_t, uint64_t>> excluded;  // (dev, ino)
  for (const fs::path& path : excluded_) {
    struct stat st;
    if (stat(path.c_str(), &st) == 0) excluded.emplace_back(st.st_dev, st.st_ino);
  }
  std::vector<Found> found;
  Walker walker(*ignore, excluded, found);
  for (const std::string& raw : inputs.paths) {
    std::string rel = fs::path(raw).lexically_normal().generic_string();
    while (rel.size() > 1 && rel.back() == '/') rel.pop_back();
    if (rel.empty() || rel == ".") rel = "";
    fs::path full = rel.empty() ? base : base / rel;
    struct stat st;
    if (lstat(full.c_str(), &st) != 0) {
      if (errno == ENOENT) {
        return absl::NotFoundError(absl::StrCat("input '", raw, "' does not exist (relative to ",
                                                base.string(), ")"));
      }
      return ErrnoError("cannot stat", full.string());
    }
    if (S_ISDIR(st.st_mode)) {
      int fd = open(full.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) return ErrnoError("cannot open directory", full.string());
      if (absl::Status s = walker.Walk(fd, rel); !s.ok()) return s;
    } else {
      found.push_back({rel, st});  // named explicitly: always an input
    }
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.rel < b.rel; });
  found.erase(std::unique(found.begin(), found.end(),
                          [](const Found& a, const Found& b) { return a.rel == b.rel; }),
              found.end());

  CacheMap cache = LoadCache(cache_path_);
  bool cache_dirty = cache.size() != found.size();
  const int64_t now_ns = absl::ToUnixNanos(absl::Now());
  const int64_t window_ns = absl::ToInt64Nanoseconds(racy_window_);
  std::vector<char> buffer(1 << 18);
  std::vector<std::pair<std::string, CacheEntry>> fresh;
  fresh.reserve(found.size());
  InputDigest result;
  result.files.reserve(found.size());
  XXH3_state_t* total = XXH3_createState();
  XXH3_128bits_reset(total);
  XXH3_128bits_update(total, "fops-inputs-v1", 15);
  for (Found& f : found) {
    CacheEntry entry{.size = static_cast<uint64_t>(f.st.st_size),
                     .mtime_ns = Nanos(f.st.st_mtim),
                     .ctime_ns = Nanos(f.st.st_ctim),
                     .ino = static_cast<uint64_t>(f.st.st_ino)};
    auto it = cache.find(f.rel);
    if (it != cache.end() && it->second.trusted && it->second.size == entry.size &&
        it->second.mtime_ns == entry.mtime_ns && it->second.ctime_ns == entry.ctime_ns &&
        it->second.ino == entry.ino) {
      entry = it->second;
    } else {
      absl::StatusOr<Hash128> h =
          HashFile(f.rel.empty() ? base : base / f.rel, f.st, buffer);
      if (!h.ok()) {
        XXH3_freeState(total);
        return h.status();
      }
      entry.hash = *h;
      entry.trusted = now_ns - std::max(entry.mtime_ns, entry.ctime_ns) > window_ns;
      ++result.files_hashed;
      cache_dirty = true;
    }
    XXH3_128bits_update(total, f.rel.data(), f.rel.size() + 1);  // with the NUL
    uint64_t words[2] = {entry.hash.high, entry.hash.low};
    XXH3_128bits_update(total, words, sizeof(words));
    result.files.emplace_back(f.rel, Hex(entry.hash));
    fresh.emplace_back(std::move(f.rel), entry);
  }
  XXH3_128bits_update(total, "\0ignore", 8);
  for (const std::string& p : inputs.ignore) XXH3_128bits_update(total, p.c_str(), p.size() + 1);
  XXH3_128bits_update(total, "\0values", 8);
  for (const auto& [k, v] : inputs.values) {
    XXH3_128bits_update(total, k.c_str(), k.size() + 1);
    XXH3_128bits_update(total, v.c_str(), v.size() + 1);
  }
  XXH128_hash_t t = XXH3_128bits_digest(total);
  XXH3_freeState(total);
  result.total = Hex({t.high64, t.low64});
  if (cache_dirty && !cache_path_.empty()) {
    // The cache only saves time; failing to write it must not fail the check.
    (void)SaveCache(cache_path_, fresh);
  }
  return result;
}

}  // namespace fops
